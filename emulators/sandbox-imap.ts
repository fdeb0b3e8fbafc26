import { randomBytes } from 'node:crypto';
import { readdir, readFile, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import ICAL from 'ical.js';
import { ImapFlow } from 'imapflow';
import { startDovecot, startRadicale, type RunningServer, type TestUser } from './mail-servers.ts';
import { normalizeLineEndings, splitCards } from './graph/vcard-text.ts';
import { sampleIcsFor } from './sandbox-sample-ics.ts';

/**
 * The sandbox's IMAP/CalDAV mailbox: real Dovecot (IMAP) and Radicale (CalDAV/CardDAV) servers on loopback, with
 * their data in `<dataDir>/sandbox/{dovecot,radicale}` and one throwaway user, seeded with the same sample calendars,
 * tasks, contacts and emails as the Graph mailbox. The user's password is made fresh on every start and written
 * only into the servers' own user files under that folder.
 */

export const SANDBOX_IMAP_MAILBOX = { address: 'jordan.lee@sandbox.example.com', username: 'jordan', timeZone: 'Europe/Berlin' } as const;
/** Written once the sample data is on the servers; `syncline sandbox reset` removes it with the state. */
export const IMAP_SAMPLE_MARKER = 'imap-caldav-sample-seeded.json';
/** The IMAP keyword that marks an email for saving, the connector's default. */
const SALESFORCE_KEYWORD = '$Salesforce';
const SAMPLE_DATA_DIR = fileURLToPath(new URL('./sample-data/', import.meta.url));

/** The part of the sandbox's ready message that lets the product reach the IMAP/CalDAV mailbox. */
export interface SandboxImapReady {
  readonly imap: { readonly host: string; readonly port: number; readonly username: string; readonly password: string };
  readonly dav: { readonly serverUrl: string; readonly username: string; readonly password: string; readonly eventCalendarUrl: string; readonly taskCalendarUrl: string; readonly addressBookUrl: string };
  readonly salesforceKeyword: string;
  readonly mailbox: { readonly address: string; readonly timeZone: string; readonly salesforceUserEmail: string };
  /** Files seeded on this start, with their counts; null when an earlier start had seeded them. */
  readonly sampleData: readonly { readonly file: string; readonly added: number }[] | null;
}

export interface SandboxImapStart {
  readonly servers: readonly RunningServer[];
  readonly ready: SandboxImapReady;
}

export async function startSandboxImap(options: { readonly sandboxDir: string; readonly ports: { imap?: number; dav?: number } }): Promise<SandboxImapStart> {
  await requireReachableByDovecot(options.sandboxDir);
  const user: TestUser = { name: SANDBOX_IMAP_MAILBOX.username, password: randomBytes(18).toString('base64url') };
  const servers: RunningServer[] = [];
  try {
    const [dovecot, radicale] = await Promise.all([
      startDovecot([user], { dataDir: path.join(options.sandboxDir, 'dovecot'), port: options.ports.imap }).then((server) => (servers.push(server), server)),
      startRadicale([user], { dataDir: path.join(options.sandboxDir, 'radicale'), port: options.ports.dav }).then((server) => (servers.push(server), server)),
    ]);
    const serverUrl = `http://127.0.0.1:${radicale.port}/`;
    const home = `${serverUrl}${user.name}/`;
    const dav = { serverUrl, username: user.name, password: user.password, eventCalendarUrl: `${home}events/`, taskCalendarUrl: `${home}tasks/`, addressBookUrl: `${home}contacts/` };
    const sampleData = await seedOnce(options.sandboxDir, { user, imapPort: dovecot.port, home, dav });
    const ready: SandboxImapReady = {
      imap: { host: '127.0.0.1', port: dovecot.port, username: user.name, password: user.password },
      dav,
      salesforceKeyword: SALESFORCE_KEYWORD,
      mailbox: { address: SANDBOX_IMAP_MAILBOX.address, timeZone: SANDBOX_IMAP_MAILBOX.timeZone, salesforceUserEmail: SANDBOX_IMAP_MAILBOX.address },
      sampleData,
    };
    return { servers, ready };
  } catch (error) {
    await Promise.all(servers.map((server) => server.stop()));
    throw error;
  }
}

/**
 * Run as root, Dovecot stores the mail as its own unprivileged user, which must be able to enter every folder above
 * the data folder. A folder only its owner may enter (a `mktemp -d` folder) stops it, so this check names that folder.
 */
async function requireReachableByDovecot(sandboxDir: string): Promise<void> {
  if (process.getuid?.() !== 0) {
    return;
  }
  for (let folder = path.resolve(sandboxDir); ; folder = path.dirname(folder)) {
    const mode = (await stat(folder)).mode;
    if ((mode & 0o001) === 0) {
      throw new Error(`Dovecot's mail user cannot enter ${folder} (mode ${(mode & 0o777).toString(8)}); run \`chmod o+x ${folder}\` or use a --data-dir below a folder others may enter`);
    }
    if (path.dirname(folder) === folder) {
      return;
    }
  }
}

interface Seeding {
  readonly user: TestUser;
  readonly imapPort: number;
  readonly home: string;
  readonly dav: SandboxImapReady['dav'];
}

async function seedOnce(sandboxDir: string, seeding: Seeding): Promise<{ file: string; added: number }[] | null> {
  const marker = path.join(sandboxDir, IMAP_SAMPLE_MARKER);
  if (await readFile(marker, 'utf8').then(() => true, () => false)) {
    return null;
  }

  // Radicale makes the user's home on the first request; the collections are made like a client makes them. A start
  // that stopped halfway left them there (405), which is fine: resources are stored by name, so seeding again replaces them.
  await dav(seeding.user, 'PROPFIND', seeding.home, undefined, { depth: '0' });
  await dav(seeding.user, 'MKCALENDAR', seeding.dav.eventCalendarUrl, calendarBody('Calendar', 'VEVENT'), {}, [405]);
  await dav(seeding.user, 'MKCALENDAR', seeding.dav.taskCalendarUrl, calendarBody('Tasks', 'VTODO'), {}, [405]);
  await dav(seeding.user, 'MKCOL', seeding.dav.addressBookUrl, ADDRESS_BOOK_BODY, {}, [405]);

  const results: { file: string; added: number }[] = [];
  for (const file of await filesEndingWith(SAMPLE_DATA_DIR, '.ics')) {
    const resources = calendarResources(sampleIcsFor(file, await readFile(path.join(SAMPLE_DATA_DIR, file), 'utf8'), SANDBOX_IMAP_MAILBOX.address, false));
    for (const resource of resources) {
      await dav(seeding.user, 'PUT', `${seeding.dav.eventCalendarUrl}${resourceName(resource.uid)}.ics`, resource.text, { 'content-type': 'text/calendar; charset=utf-8' });
    }
    results.push({ file, added: resources.length });
  }
  for (const file of await filesEndingWith(SAMPLE_DATA_DIR, '.vcf')) {
    const cards = splitCards(normalizeLineEndings(await readFile(path.join(SAMPLE_DATA_DIR, file), 'utf8')));
    for (const [index, card] of cards.entries()) {
      const uid = /^UID:(.+)$/m.exec(card)?.[1]?.trim() ?? `${file}-${index + 1}`;
      await dav(seeding.user, 'PUT', `${seeding.dav.addressBookUrl}${resourceName(uid)}.vcf`, `${card.replace(/\n/g, '\r\n')}\r\n`, { 'content-type': 'text/vcard; charset=utf-8' });
    }
    results.push({ file, added: cards.length });
  }
  results.push(await seedTasks(seeding));
  results.push(...(await seedMail(seeding)));

  await writeFile(marker, `${JSON.stringify({ seededAt: new Date().toISOString() })}\n`);
  return results;
}

/**
 * Split an .ics file into one CalDAV resource per UID, as a client stores it: a series with its modified occurrences together, each
 * with the file's time zone definitions.
 */
function calendarResources(text: string): { uid: string; text: string }[] {
  const calendar = new ICAL.Component(ICAL.parse(text) as unknown[]);
  const zones = calendar.getAllSubcomponents('vtimezone');
  const byUid = new Map<string, ICAL.Component[]>();
  for (const event of calendar.getAllSubcomponents('vevent')) {
    const uid = String(event.getFirstPropertyValue('uid') ?? '');
    byUid.set(uid, [...(byUid.get(uid) ?? []), event]);
  }
  return [...byUid.entries()].map(([uid, events]) => {
    const resource = new ICAL.Component(['vcalendar', [], []]);
    resource.addPropertyWithValue('prodid', '-//Syncline//Sandbox//EN');
    resource.addPropertyWithValue('version', '2.0');
    for (const zone of zones) resource.addSubcomponent(new ICAL.Component(zone.toJSON() as unknown[]));
    for (const event of events) resource.addSubcomponent(new ICAL.Component(event.toJSON() as unknown[]));
    return { uid, text: resource.toString() };
  });
}

interface TodoTask {
  readonly title: string;
  readonly body?: { content?: string };
  readonly importance?: string;
  readonly status?: string;
  readonly categories?: string[];
  readonly startDateTime?: { dateTime: string };
  readonly dueDateTime?: { dateTime: string };
  readonly completedDateTime?: { dateTime: string };
}

const TODO_STATUS: Readonly<Record<string, string>> = { inProgress: 'IN-PROCESS', completed: 'COMPLETED' };
const PRIORITY: Readonly<Record<string, number>> = { high: 1, low: 9 };

/** Seed the sample To Do tasks as VTODOs: dates as DATE values, statuses without an iCalendar value as NEEDS-ACTION. */
async function seedTasks(seeding: Seeding): Promise<{ file: string; added: number }> {
  const tasks = JSON.parse(await readFile(path.join(SAMPLE_DATA_DIR, 'todo-tasks.json'), 'utf8')) as TodoTask[];
  for (const [index, task] of tasks.entries()) {
    const uid = `sandbox-task-${index + 1}@sandbox.example.com`;
    const todo = new ICAL.Component('vtodo');
    todo.addPropertyWithValue('uid', uid);
    todo.addPropertyWithValue('dtstamp', ICAL.Time.now());
    todo.addPropertyWithValue('summary', task.title);
    if (task.body?.content) todo.addPropertyWithValue('description', task.body.content);
    todo.addPropertyWithValue('status', TODO_STATUS[task.status ?? ''] ?? 'NEEDS-ACTION');
    const priority = PRIORITY[task.importance ?? ''];
    if (priority !== undefined) todo.addPropertyWithValue('priority', priority);
    if (task.categories && task.categories.length > 0) todo.addProperty(categoriesProperty(task.categories));
    if (task.startDateTime) todo.addPropertyWithValue('dtstart', ICAL.Time.fromDateString(task.startDateTime.dateTime.slice(0, 10)));
    if (task.dueDateTime) todo.addPropertyWithValue('due', ICAL.Time.fromDateString(task.dueDateTime.dateTime.slice(0, 10)));
    if (task.completedDateTime) todo.addPropertyWithValue('completed', ICAL.Time.fromDateTimeString(`${task.completedDateTime.dateTime.slice(0, 10)}T00:00:00Z`));
    const calendar = new ICAL.Component(['vcalendar', [], []]);
    calendar.addPropertyWithValue('prodid', '-//Syncline//Sandbox//EN');
    calendar.addPropertyWithValue('version', '2.0');
    calendar.addSubcomponent(todo);
    await dav(seeding.user, 'PUT', `${seeding.dav.taskCalendarUrl}${resourceName(uid)}.ics`, calendar.toString(), { 'content-type': 'text/calendar; charset=utf-8' });
  }
  return { file: 'todo-tasks.json', added: tasks.length };
}

function categoriesProperty(categories: readonly string[]): ICAL.Property {
  const property = new ICAL.Property('categories');
  property.setValues([...categories]);
  return property;
}

/**
 * Append the sample emails to the folders of `placement.json`: INBOX, the Sent folder, or the Salesforce folder; the
 * Salesforce category is the Salesforce keyword. They count as received now, one second apart in file order.
 */
async function seedMail(seeding: Seeding): Promise<{ file: string; added: number }[]> {
  const folder = path.join(SAMPLE_DATA_DIR, 'mail');
  const placement = JSON.parse(await readFile(path.join(folder, 'placement.json'), 'utf8')) as Record<string, { folder?: string; categories?: string[] }>;
  const files = await filesEndingWith(folder, '.eml');
  const client = new ImapFlow({ host: '127.0.0.1', port: seeding.imapPort, secure: false, auth: { user: seeding.user.name, pass: seeding.user.password }, logger: false });
  await client.connect();
  try {
    const mailboxes = await client.list();
    const sent = mailboxes.find((mailbox) => mailbox.specialUse === '\\Sent')?.path ?? 'Sent';
    if (!mailboxes.some((mailbox) => mailbox.path === 'Salesforce')) await client.mailboxCreate('Salesforce');

    const seededAt = Date.now();
    const results: { file: string; added: number }[] = [];
    for (const [index, file] of files.entries()) {
      const place = placement[file] ?? {};
      let target = 'INBOX';
      if (place.folder === 'sentitems') {
        target = sent;
      } else if (place.folder === 'Salesforce') {
        target = 'Salesforce';
      }
      const flags = ['\\Seen', ...(place.categories?.includes('Salesforce') ? [SALESFORCE_KEYWORD] : [])];
      const received = new Date(seededAt - (files.length - 1 - index) * 1000);
      const appended = await client.append(target, await readFile(path.join(folder, file)), flags, received);
      results.push({ file, added: appended === false ? 0 : 1 });
    }
    return results;
  } finally {
    await client.logout();
  }
}

/** Make a resource name from a UID, keeping only characters a URL path takes as they are. */
function resourceName(uid: string): string {
  return uid.replace(/[^A-Za-z0-9._-]/g, '-');
}

async function dav(user: TestUser, method: string, url: string, body?: string, headers: Record<string, string> = {}, accepted: readonly number[] = []): Promise<void> {
  const response = await fetch(url, {
    method,
    headers: { authorization: `Basic ${Buffer.from(`${user.name}:${user.password}`).toString('base64')}`, 'content-type': 'application/xml; charset=utf-8', ...headers },
    body,
  });
  const text = await response.text();
  if (response.status >= 300 && !accepted.includes(response.status)) {
    throw new Error(`${method} ${url} failed with status ${response.status}: ${text.slice(0, 300)}`);
  }
}

function calendarBody(name: string, component: string): string {
  return `<?xml version="1.0" encoding="utf-8"?><C:mkcalendar xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav"><D:set><D:prop><D:displayname>${name}</D:displayname><C:supported-calendar-component-set><C:comp name="${component}"/></C:supported-calendar-component-set></D:prop></D:set></C:mkcalendar>`;
}

const ADDRESS_BOOK_BODY =
  '<?xml version="1.0" encoding="utf-8"?><D:mkcol xmlns:D="DAV:" xmlns:CR="urn:ietf:params:xml:ns:carddav"><D:set><D:prop><D:resourcetype><D:collection/><CR:addressbook/></D:resourcetype><D:displayname>Contacts</D:displayname></D:prop></D:set></D:mkcol>';

async function filesEndingWith(folder: string, extension: string): Promise<string[]> {
  return (await readdir(folder)).filter((name) => name.toLowerCase().endsWith(extension)).sort();
}
