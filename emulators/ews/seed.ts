import { findWindows } from 'windows-iana';
import type { GraphAttendeeSeed, GraphEventSeed } from '../graph/seed-types.ts';
import { instantOf, resolveZone } from '../graph/zones.ts';
import type { CalendarType, EwsStore, ItemRecord, UserRecord } from './store.ts';
import { branch, leaf, type XmlNode } from './xml.ts';

const CALENDAR_TYPES: Readonly<Record<GraphEventSeed['type'], CalendarType>> = {
  singleInstance: 'Single',
  seriesMaster: 'RecurringMaster',
  occurrence: 'Occurrence',
  exception: 'Exception',
};
const FREE_BUSY: Readonly<Record<string, string>> = { free: 'Free', tentative: 'Tentative', busy: 'Busy', oof: 'OOF', workingElsewhere: 'WorkingElsewhere', unknown: 'NoData' };
const RESPONSES: Readonly<Record<string, string>> = {
  none: 'Unknown',
  organizer: 'Organizer',
  tentativelyAccepted: 'Tentative',
  accepted: 'Accept',
  declined: 'Decline',
  notResponded: 'NoResponseReceived',
};
const LISTS: Readonly<Record<GraphAttendeeSeed['type'], string>> = { required: 'RequiredAttendees', optional: 'OptionalAttendees', resource: 'Resources' };

/**
 * Store calendar seeds (the .ics importer's output, shared with the Graph emulator) as the calendar items an
 * Exchange mailbox contains after importing the same file: masters with their occurrences and exceptions, times as
 * UTC instants, zones as Windows zone ids. Returns the ids in seed order.
 */
export function seedCalendar(store: EwsStore, user: UserRecord, seeds: readonly GraphEventSeed[]): string[] {
  const calendar = store.distinguishedFolder(user.id, 'calendar');
  if (calendar === undefined) throw new Error(`mailbox ${user.smtp} has no calendar folder`);

  const masters = new Map<string, ItemRecord>();
  const ids = new Map<GraphEventSeed, string>();
  // Masters first, so every occurrence finds its master.
  for (const seed of [...seeds].sort((a, b) => Number(b.type === 'seriesMaster') - Number(a.type === 'seriesMaster'))) {
    const master = seed.seriesMasterSeedKey === null ? undefined : masters.get(seed.seriesMasterSeedKey);
    const item = store.addItem({
      userId: user.id,
      folderId: calendar.id,
      element: 'CalendarItem',
      props: propsOf(seed),
      calendarType: CALENDAR_TYPES[seed.type],
      masterId: master?.id ?? null,
      id: master === undefined ? undefined : `${master.id}.OCC${Buffer.from(seed.originalStart ?? seed.start.dateTime).toString('base64url')}`,
    });
    if (master !== undefined) master.instanceIds.push(item.id);
    if (seed.type === 'seriesMaster') masters.set(seed.seedKey, item);
    ids.set(seed, item.id);
  }
  return seeds.map((seed) => ids.get(seed) as string);
}

function propsOf(seed: GraphEventSeed): Map<string, XmlNode> {
  const props = new Map<string, XmlNode>();
  const set = (node: XmlNode | null) => {
    if (node !== null) props.set(node.name, node);
  };
  set(leaf('Subject', seed.subject));
  set(leaf('Sensitivity', capitalise(seed.sensitivity)));
  set(leaf('Body', seed.body.content, { BodyType: seed.body.contentType === 'html' ? 'HTML' : 'Text' }));
  set(leaf('UID', seed.iCalUId));
  set(leaf('Start', instant(seed.start)));
  set(leaf('End', instant(seed.end)));
  set(seed.originalStart === null ? null : leaf('OriginalStart', new Date(seed.originalStart).toISOString()));
  set(leaf('IsAllDayEvent', String(seed.isAllDay)));
  set(leaf('LegacyFreeBusyStatus', FREE_BUSY[seed.showAs] ?? 'Busy'));
  set(seed.location.displayName === '' ? null : leaf('Location', seed.location.displayName));
  set(leaf('IsCancelled', String(seed.isCancelled)));
  set(seed.organizer === null ? null : branch('Organizer', [mailbox(seed.organizer.emailAddress.name, seed.organizer.emailAddress.address)]));
  for (const type of ['required', 'optional', 'resource'] as const) {
    const attendees = seed.attendees.filter((attendee) => attendee.type === type);
    if (attendees.length > 0) {
      set(branch(LISTS[type], attendees.map((attendee) => branch('Attendee', [mailbox(attendee.emailAddress.name, attendee.emailAddress.address), leaf('ResponseType', RESPONSES[attendee.status.response] ?? 'Unknown')]))));
    }
  }
  set(leaf('StartTimeZone', '', { Id: windowsZone(seed.originalStartTimeZone) }));
  set(leaf('EndTimeZone', '', { Id: windowsZone(seed.originalEndTimeZone) }));
  return props;
}

function mailbox(name: string, address: string): XmlNode {
  return branch('Mailbox', [leaf('Name', name), leaf('EmailAddress', address), leaf('RoutingType', 'SMTP')]);
}

function instant(value: { dateTime: string; timeZone: string }): string {
  const ms = instantOf(value.dateTime, resolveZone(value.timeZone) ?? 'UTC');
  if (ms === null) throw new Error(`seed time ${JSON.stringify(value)} is not a date-time in a known zone`);
  return new Date(ms).toISOString();
}

/** Exchange names zones by Windows id: an IANA name is stored as its Windows zone, a Windows or unknown name as given. */
function windowsZone(name: string): string {
  if (/^(utc|etc\/utc|gmt|etc\/gmt)$/i.test(name)) return 'UTC';
  if (name.includes('/') && !name.startsWith('tzone:')) return findWindows(name)?.[0] ?? name;
  return name;
}

function capitalise(value: string): string {
  return value.charAt(0).toUpperCase() + value.slice(1);
}
