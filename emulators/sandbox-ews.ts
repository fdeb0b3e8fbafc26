import { createHash, randomBytes } from 'node:crypto';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startEwsEmulator, type RunningEwsEmulator } from './ews/server.ts';
import { escapeXml } from './ews/xml.ts';
import { importEml, type EmlMessage } from './graph/eml-import.ts';
import { importIcs } from './graph/ics-import.ts';
import { seedsInWindow } from './graph/seed-window.ts';
import { importVcards } from './graph/vcard-import.ts';
import { instantOf, resolveZone } from './graph/zones.ts';
import { sampleIcsFor } from './sandbox-sample-ics.ts';
import { postAdminJson } from './sandbox-seed.ts';

/**
 * The sandbox's Exchange (EWS) mailbox: an EWS emulator with its state in `<dataDir>/sandbox/ews`, one user seeded
 * with the same sample calendars, contacts, tasks and emails as the Graph mailbox, and a service account that
 * impersonates it over Basic authentication or NTLM. The service account's password is made fresh on every start and
 * never written to disk, like the other sandbox credentials; `syncline start` prints it so NTLM can be tried by hand.
 */

export const SANDBOX_EWS_MAILBOX = { address: 'casey.kim@sandbox.example.com', displayName: 'Casey Kim', timeZone: 'Europe/Berlin' } as const;
/** Written once the sample data is in the EWS mailbox; `syncline sandbox reset` removes it with the state. */
export const EWS_SAMPLE_MARKER = 'ews-sample-seeded.json';
const SERVICE_ACCOUNT = 'svc-syncline@sandbox.example.com';
/** The NetBIOS domain the emulator names in its NTLM challenge. */
const SANDBOX_NTLM_DOMAIN = 'SANDBOX';
const SAMPLE_DATA_DIR = fileURLToPath(new URL('./sample-data/', import.meta.url));

/** The part of the sandbox's ready message that lets the product reach the EWS mailbox. */
export interface SandboxEwsReady {
  /** The EWS endpoint, `…/EWS/Exchange.asmx`. */
  readonly url: string;
  readonly serviceAccount: { readonly username: string; readonly password: string };
  readonly mailbox: { readonly address: string; readonly timeZone: string; readonly salesforceUserEmail: string };
  /** Files seeded on this start, with their counts; null when an earlier start had seeded them. */
  readonly sampleData: readonly { readonly file: string; readonly added: number }[] | null;
}

export async function startSandboxEws(options: { readonly sandboxDir: string; readonly port: number; readonly window: { start: string; end: string } }): Promise<{ emulator: RunningEwsEmulator; ready: SandboxEwsReady }> {
  const password = randomBytes(24).toString('base64url');
  const emulator = await startEwsEmulator({
    port: options.port,
    dataDir: path.join(options.sandboxDir, 'ews'),
    accounts: [{ username: SERVICE_ACCOUNT, password, canImpersonate: true }],
    // NTLM beside Basic, so that ews.auth.kind "ntlm" can be tried against the sandbox as against an IIS server.
    ntlm: { domain: SANDBOX_NTLM_DOMAIN, server: 'SANDBOX-EXCH' },
    users: [{ smtp: SANDBOX_EWS_MAILBOX.address, displayName: SANDBOX_EWS_MAILBOX.displayName, timeZone: SANDBOX_EWS_MAILBOX.timeZone }],
  });

  try {
    const sampleData = await seedOnce(options.sandboxDir, emulator.url, options.window);
    const ready: SandboxEwsReady = {
      url: `${emulator.url}/EWS/Exchange.asmx`,
      serviceAccount: { username: SERVICE_ACCOUNT, password },
      mailbox: { address: SANDBOX_EWS_MAILBOX.address, timeZone: SANDBOX_EWS_MAILBOX.timeZone, salesforceUserEmail: SANDBOX_EWS_MAILBOX.address },
      sampleData,
    };
    return { emulator, ready };
  } catch (error) {
    await emulator.close();
    throw error;
  }
}

async function seedOnce(sandboxDir: string, url: string, window: { start: string; end: string }): Promise<{ file: string; added: number }[] | null> {
  const marker = path.join(sandboxDir, EWS_SAMPLE_MARKER);
  if (await readFile(marker, 'utf8').then(() => true, () => false)) {
    return null;
  }

  const user = `${url}/_admin/users/${encodeURIComponent(SANDBOX_EWS_MAILBOX.address)}`;
  const results: { file: string; added: number }[] = [];
  for (const file of await filesEndingWith(SAMPLE_DATA_DIR, '.ics')) {
    const text = sampleIcsFor(file, await readFile(path.join(SAMPLE_DATA_DIR, file), 'utf8'), SANDBOX_EWS_MAILBOX.address, false);
    const imported = importIcs(text, { fileName: file, horizon: window, defaultTimeZone: SANDBOX_EWS_MAILBOX.timeZone });
    const { seeds } = seedsInWindow(imported.seeds, window);
    if (seeds.length > 0) await postAdminJson(`${user}/events`, { events: seeds });
    results.push({ file, added: seeds.filter((seed) => seed.type !== 'seriesMaster').length });
  }
  for (const file of await filesEndingWith(SAMPLE_DATA_DIR, '.vcf')) {
    const { seeds } = importVcards(await readFile(path.join(SAMPLE_DATA_DIR, file), 'utf8'), file);
    for (const seed of seeds) await postAdminJson(`${user}/items`, { folder: 'contacts', xml: contactXml(seed.contact) });
    results.push({ file, added: seeds.length });
  }
  results.push(await seedTasks(user));
  results.push(...(await seedMail(user)));

  await writeFile(marker, `${JSON.stringify({ seededAt: new Date().toISOString() })}\n`);
  return results;
}

/** Return a text element, or nothing for an empty value. */
function text(name: string, value: unknown, attributes = ''): string {
  return typeof value === 'string' && value !== '' ? `<${name}${attributes}>${escapeXml(value)}</${name}>` : '';
}

function list(name: string, entries: readonly string[]): string {
  return entries.length === 0 ? '' : `<${name}>${entries.join('')}</${name}>`;
}

type Body = Record<string, unknown>;

/**
 * Convert a Graph contact body (the .vcf importer's output, shared with the Graph emulator) to the `Contact` element
 * that Outlook saves for the same card. It fills three email slots, the business, home and mobile numbers, the
 * business fax, the business and home addresses, and the name prefix as the MAPI property PidTagDisplayNamePrefix.
 */
function contactXml(contact: Body): string {
  const strings = (value: unknown) => (Array.isArray(value) ? value.filter((entry): entry is string => typeof entry === 'string') : []);
  const emails = (Array.isArray(contact.emailAddresses) ? (contact.emailAddresses as { address?: string }[]) : []).map((entry) => entry.address ?? '').filter((address) => address !== '');
  const fax = (Array.isArray(contact.singleValueExtendedProperties) ? (contact.singleValueExtendedProperties as { value?: string }[]) : [])[0]?.value;
  const phones: [string, unknown][] = [
    ['BusinessPhone', strings(contact.businessPhones)[0]],
    ['HomePhone', strings(contact.homePhones)[0]],
    ['MobilePhone', contact.mobilePhone],
    ['BusinessFax', fax],
  ];
  const address = (key: string, value: unknown) => {
    const parts = (value ?? {}) as Body;
    const inner = [text('Street', parts.street), text('City', parts.city), text('State', parts.state), text('CountryOrRegion', parts.countryOrRegion), text('PostalCode', parts.postalCode)].join('');
    return inner === '' ? '' : `<Entry Key="${key}">${inner}</Entry>`;
  };
  const birthday = typeof contact.birthday === 'string' ? `${contact.birthday}T00:00:00Z` : undefined;
  return [
    '<Contact>',
    text('Body', contact.personalNotes ?? '', ' BodyType="Text"'),
    list('Categories', strings(contact.categories).map((category) => text('String', category))),
    typeof contact.title === 'string' ? `<ExtendedProperty><ExtendedFieldURI PropertyTag="0x3A45" PropertyType="String"/>${text('Value', contact.title)}</ExtendedProperty>` : '',
    text('DisplayName', contact.displayName),
    text('GivenName', contact.givenName),
    text('CompanyName', contact.companyName),
    list('EmailAddresses', emails.slice(0, 3).map((email, index) => text('Entry', email, ` Key="EmailAddress${index + 1}"`))),
    list('PhysicalAddresses', [address('Business', contact.businessAddress), address('Home', contact.homeAddress)].filter((entry) => entry !== '')),
    list('PhoneNumbers', phones.map(([key, value]) => text('Entry', value, ` Key="${key}"`)).filter((entry) => entry !== '')),
    text('Birthday', birthday),
    text('Department', contact.department),
    text('JobTitle', contact.jobTitle),
    text('Surname', contact.surname),
    '</Contact>',
  ].join('');
}

const TASK_STATUS: Readonly<Record<string, string>> = { notStarted: 'NotStarted', inProgress: 'InProgress', completed: 'Completed', waitingOnOthers: 'WaitingOnOthers', deferred: 'Deferred' };
const IMPORTANCE: Readonly<Record<string, string>> = { low: 'Low', normal: 'Normal', high: 'High' };

interface TodoTask {
  readonly title: string;
  readonly body?: { content?: string };
  readonly importance?: string;
  readonly status?: string;
  readonly categories?: string[];
  readonly startDateTime?: { dateTime: string };
  readonly dueDateTime?: { dateTime: string };
  readonly completedDateTime?: { dateTime: string };
  readonly isReminderOn?: boolean;
  readonly reminderDateTime?: { dateTime: string; timeZone: string };
}

/** Seed the sample To Do tasks as Exchange keeps them: dates as midnight in the mailbox's zone. */
async function seedTasks(user: string): Promise<{ file: string; added: number }> {
  const tasks = JSON.parse(await readFile(path.join(SAMPLE_DATA_DIR, 'todo-tasks.json'), 'utf8')) as TodoTask[];
  for (const task of tasks) {
    const reminder = task.isReminderOn === true && task.reminderDateTime ? zonedInstant(task.reminderDateTime.dateTime, task.reminderDateTime.timeZone) : null;
    const xml = [
      '<Task>',
      text('Subject', task.title),
      text('Body', task.body?.content ?? '', ' BodyType="Text"'),
      list('Categories', (task.categories ?? []).map((category) => text('String', category))),
      text('Importance', IMPORTANCE[task.importance ?? 'normal']),
      text('ReminderDueBy', reminder ?? undefined),
      text('ReminderIsSet', String(reminder !== null)),
      text('CompleteDate', task.completedDateTime ? midnight(task.completedDateTime.dateTime) : undefined),
      text('DueDate', task.dueDateTime ? midnight(task.dueDateTime.dateTime) : undefined),
      text('StartDate', task.startDateTime ? midnight(task.startDateTime.dateTime) : undefined),
      text('Status', TASK_STATUS[task.status ?? 'notStarted']),
      '</Task>',
    ].join('');
    await postAdminJson(`${user}/items`, { folder: 'tasks', xml });
  }
  return { file: 'todo-tasks.json', added: tasks.length };
}

/** Midnight of the local date-time's day in the mailbox's zone, as a UTC instant. */
function midnight(localDateTime: string): string {
  return zonedInstant(`${localDateTime.slice(0, 10)}T00:00:00`, SANDBOX_EWS_MAILBOX.timeZone);
}

/** Return the UTC instant of a wall-clock time in a zone. */
function zonedInstant(localDateTime: string, timeZone: string): string {
  const ms = instantOf(localDateTime, resolveZone(timeZone) ?? 'UTC');
  if (ms === null) throw new Error(`sample time ${localDateTime} in ${timeZone} is not a valid date-time; fix emulators/sample-data/todo-tasks.json`);
  return new Date(ms).toISOString();
}

/**
 * Seed the sample emails in the folders of `placement.json` (`sentitems`, or `Salesforce`: a folder below the root) with
 * their categories. They count as received now, one second apart in file order, as in the Graph mailbox.
 */
async function seedMail(user: string): Promise<{ file: string; added: number }[]> {
  const folder = path.join(SAMPLE_DATA_DIR, 'mail');
  const placement = JSON.parse(await readFile(path.join(folder, 'placement.json'), 'utf8')) as Record<string, { folder?: string; categories?: string[] }>;
  const files = await filesEndingWith(folder, '.eml');
  const seededAt = Date.now();
  const results: { file: string; added: number }[] = [];
  for (const [index, file] of files.entries()) {
    const place = placement[file] ?? {};
    const eml = await importEml(await readFile(path.join(folder, file)));
    const receivedAt = new Date(seededAt - (files.length - 1 - index) * 1000).toISOString();
    await postAdminJson(`${user}/messages`, messageOf(eml, place.folder ?? 'inbox', place.categories ?? [], receivedAt));
    results.push({ file, added: 1 });
  }
  return results;
}

function messageOf(eml: EmlMessage, folder: string, categories: readonly string[], receivedAt: string): Record<string, unknown> {
  const address = (recipient: { emailAddress: { name?: string; address?: string } }) => ({ name: recipient.emailAddress.name, address: recipient.emailAddress.address ?? '' });
  const header = (name: string) => eml.headers.find((entry) => entry.name.toLowerCase() === name)?.value.trim();
  const sender = eml.from ?? eml.sender;
  const references = header('references');
  const inReplyTo = header('in-reply-to');
  // Exchange puts a reply in the conversation of the thread's first message.
  const root = references?.match(/<[^<>\s]+>/)?.[0] ?? inReplyTo ?? eml.internetMessageId ?? eml.seedKey;
  return {
    folder,
    subject: eml.subject,
    from: sender === null ? { address: 'unknown@sandbox.example.com' } : address(sender),
    to: eml.toRecipients.map(address),
    cc: eml.ccRecipients.map(address),
    ...(eml.body.contentType === 'html' ? { html: eml.body.content } : { text: eml.body.content }),
    ...(eml.internetMessageId === null ? {} : { internetMessageId: eml.internetMessageId }),
    ...(inReplyTo === undefined ? {} : { inReplyTo }),
    ...(references === undefined ? {} : { references }),
    conversationId: `AAQk${createHash('sha256').update(root).digest('base64url').slice(0, 32)}`,
    ...(eml.sentDateTime === null ? {} : { sentAt: eml.sentDateTime }),
    receivedAt,
    categories: [...categories],
    headers: Object.fromEntries(eml.headers.map((entry) => [entry.name, entry.value])),
    attachments: eml.attachments.map((attachment) => ({
      name: attachment.name,
      contentType: attachment.contentType,
      contentBase64: attachment.contentBase64,
      isInline: attachment.isInline,
      ...(attachment.contentId === null ? {} : { contentId: attachment.contentId }),
    })),
  };
}

async function filesEndingWith(folder: string, extension: string): Promise<string[]> {
  return (await readdir(folder)).filter((name) => name.toLowerCase().endsWith(extension)).sort();
}
