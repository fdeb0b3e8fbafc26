import type { MailboxTask, TaskStatus, Importance } from '../../../domain/task.ts';
import type { EwsItemKind } from '../items/item-kind.ts';
import { syncIdProperty } from '../items/sync-id-property.ts';
import {
  booleanOf,
  bodyTextOf,
  bodyXml,
  categoriesOf,
  dateIn,
  deleteItemField,
  ewsDateTime,
  instantOf,
  inverse,
  midnightIn,
  oneOf,
  setItemField,
  stringsXml,
  textOf,
} from '../items/ews-values.ts';
import type { XmlNode } from '../soap/xml-tree.ts';
import { element, textElement } from '../soap/xml-write.ts';

const STATUS: Readonly<Record<string, TaskStatus>> = {
  NotStarted: 'notStarted',
  InProgress: 'inProgress',
  Completed: 'completed',
  WaitingOnOthers: 'waitingOnOthers',
  Deferred: 'deferred',
};
const IMPORTANCE: Readonly<Record<string, Importance>> = { Low: 'low', Normal: 'normal', High: 'high' };
const STATUS_TO_EWS = inverse(STATUS);
const IMPORTANCE_TO_EWS = inverse(IMPORTANCE);

const TASK_FIELD_URIS = [
  'item:Subject',
  'item:Body',
  'item:Categories',
  'item:Sensitivity',
  'item:Importance',
  'item:LastModifiedTime',
  'item:DateTimeCreated',
  'item:ReminderDueBy',
  'item:ReminderIsSet',
  'task:Status',
  'task:DueDate',
  'task:StartDate',
  'task:CompleteDate',
];

/**
 * Tasks of the default Tasks folder. Exchange keeps task dates as midnight in the user's zone, so dates are read and
 * written in the mailbox's zone.
 */
export function taskKind(mailboxTimeZone: string): EwsItemKind<MailboxTask> {
  return {
    label: 'task',
    folder: 'tasks',
    fieldUris: TASK_FIELD_URIS,
    writeAttributes: { create: {}, update: {}, delete: { AffectedTaskOccurrences: 'AllOccurrences' } },
    toItem: (node) => taskFromEws(node, mailboxTimeZone),
    createXml: (task, syncId) => taskXml(task, syncId, mailboxTimeZone),
    updateParts: (patch) => taskUpdateParts(patch, mailboxTimeZone),
  };
}

function taskFromEws(node: XmlNode, zone: string): MailboxTask {
  return {
    subject: textOf(node, 'Subject') ?? '',
    body: bodyTextOf(node),
    status: oneOf(STATUS, textOf(node, 'Status'), 'notStarted'),
    importance: oneOf(IMPORTANCE, textOf(node, 'Importance'), 'normal'),
    dueDate: dateIn(node, 'DueDate', zone),
    startDate: dateIn(node, 'StartDate', zone),
    completedAt: instantOf(node, 'CompleteDate'),
    reminderAt: booleanOf(node, 'ReminderIsSet') ? instantOf(node, 'ReminderDueBy') : null,
    isPrivate: (textOf(node, 'Sensitivity') ?? 'Normal') === 'Private',
    categories: categoriesOf(node),
  };
}

/** The `t:Task` of a CreateItem, its elements in schema order (item elements, extended property, then task elements). */
function taskXml(task: MailboxTask, syncId: string, zone: string): string {
  return element(
    't:Task',
    {},
    textElement('t:Subject', task.subject),
    textElement('t:Sensitivity', task.isPrivate ? 'Private' : 'Normal'),
    bodyXml(task.body ?? ''),
    task.categories.length > 0 ? stringsXml('t:Categories', task.categories) : '',
    textElement('t:Importance', IMPORTANCE_TO_EWS[task.importance]),
    task.reminderAt === null ? '' : textElement('t:ReminderDueBy', ewsDateTime(task.reminderAt, 'reminderAt')),
    textElement('t:ReminderIsSet', String(task.reminderAt !== null)),
    syncIdProperty(syncId),
    task.completedAt === null ? '' : textElement('t:CompleteDate', ewsDateTime(task.completedAt, 'completedAt')),
    task.dueDate === null ? '' : textElement('t:DueDate', midnightIn(task.dueDate, zone, 'dueDate')),
    task.startDate === null ? '' : textElement('t:StartDate', midnightIn(task.startDate, zone, 'startDate')),
    textElement('t:Status', STATUS_TO_EWS[task.status]),
  );
}

function taskUpdateParts(patch: Partial<MailboxTask>, zone: string): { updates: string[]; skipped: string[] } {
  const updates: string[] = [];
  const set = (uri: string, value: string) => updates.push(setItemField(uri, 't:Task', value));
  const setOrDelete = (uri: string, value: string | null | undefined, xml: (value: string) => string) => {
    if (value === undefined) return;
    updates.push(value === null ? deleteItemField(uri) : setItemField(uri, 't:Task', xml(value)));
  };

  if (patch.subject !== undefined) set('item:Subject', textElement('t:Subject', patch.subject));
  if (patch.isPrivate !== undefined) set('item:Sensitivity', textElement('t:Sensitivity', patch.isPrivate ? 'Private' : 'Normal'));
  if (patch.body !== undefined) set('item:Body', bodyXml(patch.body ?? ''));
  if (patch.categories !== undefined) {
    updates.push(patch.categories.length === 0 ? deleteItemField('item:Categories') : setItemField('item:Categories', 't:Task', stringsXml('t:Categories', patch.categories)));
  }
  if (patch.importance !== undefined) set('item:Importance', textElement('t:Importance', IMPORTANCE_TO_EWS[patch.importance]));
  if (patch.reminderAt !== undefined) {
    if (patch.reminderAt !== null) set('item:ReminderDueBy', textElement('t:ReminderDueBy', ewsDateTime(patch.reminderAt, 'reminderAt')));
    set('item:ReminderIsSet', textElement('t:ReminderIsSet', String(patch.reminderAt !== null)));
  }
  setOrDelete('task:CompleteDate', patch.completedAt, (value) => textElement('t:CompleteDate', ewsDateTime(value, 'completedAt')));
  setOrDelete('task:DueDate', patch.dueDate, (value) => textElement('t:DueDate', midnightIn(value, zone, 'dueDate')));
  setOrDelete('task:StartDate', patch.startDate, (value) => textElement('t:StartDate', midnightIn(value, zone, 'startDate')));
  if (patch.status !== undefined) set('task:Status', textElement('t:Status', STATUS_TO_EWS[patch.status]));

  return { updates, skipped: [] };
}
