import type { EventRecord, ExtendedProperty, UserRecord } from './event-record.ts';
import { readDateTimeInput, resolveTimes } from './event-times.ts';
import { GraphError, badRequest } from './graph-error.ts';
import { newEventId, newICalUId } from './ids.ts';
import { readAttendees, readEnum, readExtendedProperties, readLocation, readOrganizer } from './event-input-values.ts';

/** Properties the client may write on an event; each is parsed by its own reader below. */
type Writer = (event: EventRecord, value: unknown) => void;

const WRITERS: Record<string, Writer> = {
  subject: (event, value) => (event.subject = readString(value, 'subject')),
  body: (event, value) => (event.body = readBody(value)),
  location: (event, value) => (event.location = readLocation(value)),
  showAs: (event, value) => (event.showAs = readEnum(value, 'showAs', ['free', 'tentative', 'busy', 'oof', 'workingElsewhere', 'unknown'])),
  sensitivity: (event, value) => (event.sensitivity = readEnum(value, 'sensitivity', ['normal', 'personal', 'private', 'confidential'])),
  importance: (event, value) => (event.importance = readEnum(value, 'importance', ['low', 'normal', 'high'])),
  categories: (event, value) => (event.categories = readStringArray(value, 'categories')),
  isReminderOn: (event, value) => (event.isReminderOn = readBoolean(value, 'isReminderOn')),
  reminderMinutesBeforeStart: (event, value) => (event.reminderMinutesBeforeStart = readInteger(value, 'reminderMinutesBeforeStart')),
  responseRequested: (event, value) => (event.responseRequested = readBoolean(value, 'responseRequested')),
  allowNewTimeProposals: (event, value) => (event.allowNewTimeProposals = readBoolean(value, 'allowNewTimeProposals')),
  hideAttendees: (event, value) => (event.hideAttendees = readBoolean(value, 'hideAttendees')),
  attendees: (event, value) => (event.attendees = readAttendees(value)),
  organizer: (event, value) => (event.organizer = readOrganizer(value)),
  singleValueExtendedProperties: (event, value) => mergeExtendedProperties(event, readExtendedProperties(value)),
};

/** Written by the server; a client sending them back (a read-modify-write) is tolerated and ignored. */
const IGNORED = new Set([
  '@odata.context', '@odata.etag', '@odata.type', 'id', 'changeKey', 'createdDateTime', 'lastModifiedDateTime',
  'iCalUId', 'type', 'seriesMasterId', 'originalStart', 'originalStartTimeZone', 'originalEndTimeZone', 'webLink',
  'bodyPreview', 'isOrganizer', 'isDraft', 'hasAttachments', 'responseStatus', 'isCancelled', 'locations',
  'isOnlineMeeting', 'onlineMeetingProvider', 'onlineMeeting', 'onlineMeetingUrl', 'uid',
]);

const TIME_PROPERTIES = new Set(['start', 'end', 'isAllDay']);

export function createEventRecord(owner: UserRecord, body: unknown): EventRecord {
  const input = requireObject(body);
  if (input.start === undefined || input.end === undefined) {
    throw badRequest("An event needs both 'start' and 'end'.", 'ErrorInvalidRequest');
  }

  const times = resolveTimes(
    readDateTimeInput(input.start, 'start'),
    readDateTimeInput(input.end, 'end'),
    input.isAllDay === undefined ? false : readBoolean(input.isAllDay, 'isAllDay'),
  );
  const event = blankEvent(owner, times);
  event.transactionId = typeof input.transactionId === 'string' ? input.transactionId : null;
  if (input.recurrence !== undefined && input.recurrence !== null) {
    event.type = 'seriesMaster';
    event.recurrence = requireObject(input.recurrence, 'recurrence');
  }

  applyWritable(event, input, new Set(['transactionId', 'recurrence']));
  return event;
}

/** Apply a PATCH: only the properties sent change. */
export function patchEventRecord(event: EventRecord, body: unknown): void {
  const input = requireObject(body);
  const touchesTimes = Object.keys(input).some((key) => TIME_PROPERTIES.has(key));
  if (touchesTimes) {
    const times = resolveTimes(
      input.start === undefined ? event.start : readDateTimeInput(input.start, 'start'),
      input.end === undefined ? event.end : readDateTimeInput(input.end, 'end'),
      input.isAllDay === undefined ? event.isAllDay : readBoolean(input.isAllDay, 'isAllDay'),
    );
    Object.assign(event, times);
    event.originalStartTimeZone = event.start.timeZone;
    event.originalEndTimeZone = event.end.timeZone;
  }

  if (input.recurrence !== undefined && event.type === 'seriesMaster' && input.recurrence !== null) {
    event.recurrence = requireObject(input.recurrence, 'recurrence');
  }

  applyWritable(event, input, new Set(['transactionId', 'recurrence']));
}

function applyWritable(event: EventRecord, input: Record<string, unknown>, handled: Set<string>): void {
  for (const [key, value] of Object.entries(input)) {
    if (TIME_PROPERTIES.has(key) || handled.has(key) || IGNORED.has(key) || key.includes('@odata.')) {
      continue;
    }

    const writer = WRITERS[key];
    if (!writer) {
      throw badRequest(`Property '${key}' does not exist on type 'microsoft.graph.event'; send only event properties.`, 'RequestBodyRead');
    }
    writer(event, value);
  }
}

function blankEvent(owner: UserRecord, times: ReturnType<typeof resolveTimes>): EventRecord {
  return {
    id: newEventId(),
    ownerId: owner.id,
    seq: 0,
    createdSeq: 0,
    deleted: false,
    changeKey: '',
    createdDateTime: '',
    lastModifiedDateTime: '',
    iCalUId: newICalUId(),
    subject: '',
    body: { contentType: 'html', content: '' },
    ...times,
    originalStartTimeZone: times.start.timeZone,
    originalEndTimeZone: times.end.timeZone,
    isCancelled: false,
    location: { displayName: '' },
    showAs: 'busy',
    sensitivity: 'normal',
    importance: 'normal',
    categories: [],
    isReminderOn: true,
    reminderMinutesBeforeStart: 15,
    responseRequested: true,
    allowNewTimeProposals: true,
    hideAttendees: false,
    transactionId: null,
    organizer: { emailAddress: { name: owner.displayName, address: owner.userPrincipalName } },
    attendees: [],
    type: 'singleInstance',
    seriesMasterId: null,
    originalStart: null,
    recurrence: null,
    extendedProperties: [],
  };
}

function mergeExtendedProperties(event: EventRecord, incoming: ExtendedProperty[]): void {
  for (const property of incoming) {
    const key = propertyKey(property.id);
    const existing = event.extendedProperties.find((candidate) => propertyKey(candidate.id) === key);
    if (existing) {
      existing.value = property.value;
    } else {
      event.extendedProperties.push({ ...property });
    }
  }
}

/** Extended property ids compare with the GUID and type case-insensitive, the name exact (MAPI named props). */
export function propertyKey(id: string): string {
  const match = /^(\S+)\s+(\{[0-9a-f-]+\})\s+(Name|Id)\s+(.+)$/i.exec(id.trim());
  if (!match) {
    return id.trim().toLowerCase();
  }
  return `${match[1]?.toLowerCase()} ${match[2]?.toLowerCase()} ${match[3]?.toLowerCase()} ${match[4]}`;
}

function requireObject(value: unknown, property = 'body'): Record<string, unknown> {
  if (!value || typeof value !== 'object' || Array.isArray(value)) {
    throw badRequest(`Expected a JSON object in '${property}'.`, 'BadRequest');
  }
  return value as Record<string, unknown>;
}

function readString(value: unknown, property: string): string {
  if (typeof value !== 'string') {
    throw new GraphError(400, 'BadRequest', `Property '${property}' needs a string, got ${JSON.stringify(value)}.`);
  }
  return value;
}

function readBoolean(value: unknown, property: string): boolean {
  if (typeof value !== 'boolean') {
    throw new GraphError(400, 'BadRequest', `Property '${property}' needs true or false, got ${JSON.stringify(value)}.`);
  }
  return value;
}

function readInteger(value: unknown, property: string): number {
  if (typeof value !== 'number' || !Number.isInteger(value)) {
    throw new GraphError(400, 'BadRequest', `Property '${property}' needs an integer, got ${JSON.stringify(value)}.`);
  }
  return value;
}

function readStringArray(value: unknown, property: string): string[] {
  if (!Array.isArray(value) || value.some((entry) => typeof entry !== 'string')) {
    throw new GraphError(400, 'BadRequest', `Property '${property}' needs an array of strings.`);
  }
  return value as string[];
}

function readBody(value: unknown): EventRecord['body'] {
  const body = requireObject(value, 'body');
  const type = typeof body.contentType === 'string' ? body.contentType.toLowerCase() : 'text';
  if (type !== 'text' && type !== 'html') {
    throw new GraphError(400, 'BadRequest', `body.contentType must be 'text' or 'html', got '${String(body.contentType)}'.`);
  }
  return { contentType: type, content: typeof body.content === 'string' ? body.content : '' };
}
