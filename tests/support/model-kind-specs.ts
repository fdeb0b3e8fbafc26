import type { CrmRecord } from '../../src/domain/connector.ts';
import type { MailboxContact } from '../../src/domain/contact.ts';
import type { MailboxItem } from '../../src/domain/mailbox-items.ts';
import type { MailboxTask, TaskStatus } from '../../src/domain/task.ts';
import { defaultContactMapping, defaultTaskMapping, type MappingTable } from '../../src/mapping/index.ts';

type ModelKind = 'task' | 'contact';

/** One field a model user edits: its key in the mapping, and each value as the mailbox patch and the Salesforce values. */
interface EditableField {
  readonly key: string;
  readonly values: number;
  /** `token` is the model's token of the item, which a subject or name edit keeps in front. */
  mailboxPatch(value: number, current: MailboxItem, token: string): Partial<MailboxItem>;
  crmValues(value: number, token: string): CrmRecord;
}

/**
 * What a model needs to know of a kind: how users of each side write a new item that carries the model's token, the
 * fields they edit, and how to find the token in an item's mapped values.
 */
export interface KindSpec {
  readonly kind: ModelKind;
  readonly mapping: MappingTable;
  readonly crmObject: string;
  readonly fields: readonly EditableField[];
  /** Number of distinct starting values `create` draws from. */
  readonly variants: number;
  mailboxItem(token: string, variant: number): MailboxItem;
  crmRecord(token: string, variant: number): CrmRecord;
  tokenOf(values: Readonly<Record<string, unknown>>): string | null;
}

const TOKEN_PATTERN = /^(T\d{2})(?:\s|$)/;

/** Texts with an empty one, a CRLF one and one with trailing white space that the text transform drops. */
const NOTES: readonly (string | null)[] = ['Agenda first', null, 'Bring the price list\r\nand the contract', 'Notes  \n', 'Café Müller'];

const TASK_WORDS = ['Call Ana', 'Send quote', 'Book venue', 'Follow-up'];
const TASK_STATUSES: readonly TaskStatus[] = ['notStarted', 'inProgress', 'completed', 'deferred'];
const CRM_STATUSES = ['Not Started', 'In Progress', 'Completed', 'Deferred'];
const IMPORTANCES = ['low', 'normal', 'high'] as const;
const PRIORITIES = ['Low', 'Normal', 'High'];
const DUE_DATES = ['2026-12-10', '2026-12-11', null, '2027-01-04'];

function at<T>(values: readonly T[], index: number): T {
  return values[index % values.length] as T;
}

export const TASK_SPEC: KindSpec = {
  kind: 'task',
  mapping: defaultTaskMapping,
  crmObject: 'Task',
  variants: 4,
  fields: [
    {
      key: 'subject',
      values: TASK_WORDS.length,
      mailboxPatch: (value, _current, token) => ({ subject: `${token} ${at(TASK_WORDS, value)}` }),
      crmValues: (value, token) => ({ Subject: `${token} ${at(TASK_WORDS, value)}` }),
    },
    { key: 'description', values: NOTES.length, mailboxPatch: (value) => ({ body: at(NOTES, value) }), crmValues: (value) => ({ Description: at(NOTES, value) }) },
    { key: 'status', values: TASK_STATUSES.length, mailboxPatch: (value) => ({ status: at(TASK_STATUSES, value) }), crmValues: (value) => ({ Status: at(CRM_STATUSES, value) }) },
    { key: 'priority', values: IMPORTANCES.length, mailboxPatch: (value) => ({ importance: at(IMPORTANCES, value) }), crmValues: (value) => ({ Priority: at(PRIORITIES, value) }) },
    { key: 'dueDate', values: DUE_DATES.length, mailboxPatch: (value) => ({ dueDate: at(DUE_DATES, value) }), crmValues: (value) => ({ ActivityDate: at(DUE_DATES, value) }) },
  ],
  mailboxItem: (token, variant): MailboxTask => ({
    subject: `${token} ${at(TASK_WORDS, variant)}`,
    body: at(NOTES, variant),
    status: at(TASK_STATUSES, variant),
    importance: at(IMPORTANCES, variant),
    dueDate: at(DUE_DATES, variant),
    startDate: null,
    completedAt: null,
    reminderAt: null,
    isPrivate: false,
    categories: [],
  }),
  crmRecord: (token, variant) => ({
    Subject: `${token} ${at(TASK_WORDS, variant)}`,
    Description: at(NOTES, variant),
    Status: at(CRM_STATUSES, variant),
    Priority: at(PRIORITIES, variant),
    ActivityDate: at(DUE_DATES, variant),
  }),
  tokenOf: (values) => (typeof values.subject === 'string' ? (TOKEN_PATTERN.exec(values.subject)?.[1] ?? null) : null),
};

const GIVEN_NAMES = ['Ana', 'Bo', 'Zoë', null];
const TITLES = ['CFO', 'Buyer', null, 'Head of Operations'];
const PHONES = ['+49 30 1234567', '+1 415 555 0100', null];

function contactPhones(current: MailboxItem): MailboxContact['phones'] {
  return (current as MailboxContact).phones;
}

export const CONTACT_SPEC: KindSpec = {
  kind: 'contact',
  mapping: defaultContactMapping,
  crmObject: 'Contact',
  variants: 4,
  fields: [
    { key: 'firstName', values: GIVEN_NAMES.length, mailboxPatch: (value) => ({ givenName: at(GIVEN_NAMES, value) }), crmValues: (value) => ({ FirstName: at(GIVEN_NAMES, value) }) },
    { key: 'title', values: TITLES.length, mailboxPatch: (value) => ({ jobTitle: at(TITLES, value) }), crmValues: (value) => ({ Title: at(TITLES, value) }) },
    {
      key: 'phone',
      values: PHONES.length,
      mailboxPatch: (value, current) => ({ phones: { ...contactPhones(current), business: at(PHONES, value) } }),
      crmValues: (value) => ({ Phone: at(PHONES, value) }),
    },
    { key: 'description', values: NOTES.length, mailboxPatch: (value) => ({ notes: at(NOTES, value) }), crmValues: (value) => ({ Description: at(NOTES, value) }) },
  ],
  mailboxItem: (token, variant): MailboxContact => ({
    givenName: at(GIVEN_NAMES, variant),
    surname: token,
    salutation: null,
    emails: [`${token.toLowerCase()}@model.example.com`],
    phones: { business: at(PHONES, variant), mobile: null, home: null, businessFax: null },
    companyName: null,
    jobTitle: at(TITLES, variant),
    department: null,
    businessAddress: null,
    homeAddress: null,
    notes: at(NOTES, variant),
    birthday: null,
    categories: [],
  }),
  crmRecord: (token, variant) => ({
    FirstName: at(GIVEN_NAMES, variant),
    LastName: token,
    Email: `${token.toLowerCase()}@model.example.com`,
    Phone: at(PHONES, variant),
    Title: at(TITLES, variant),
    Description: at(NOTES, variant),
  }),
  tokenOf: (values) => (typeof values.lastName === 'string' ? (TOKEN_PATTERN.exec(values.lastName)?.[1] ?? null) : null),
};
