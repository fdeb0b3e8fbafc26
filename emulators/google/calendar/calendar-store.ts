import { GoogleApiError, notFound } from '../google-error.ts';
import { newEventId, newNumericEtag, nowIso } from '../ids.ts';
import type { CalendarEventRecord, UserState } from '../state.ts';
import { buildEventResource, INHERITED_FIELDS, mergePatch } from './event-resource.ts';
import { instanceSuffix, instantOfTime, type EventDateTime } from './event-times.ts';
import { expandSeries, type Slot } from './recurrence.ts';

/**
 * The events of one user's primary calendar: singles, series masters and their instances, each stored as its own
 * record. Every change takes the next number of the calendar's change sequence, which sync tokens point into. A
 * deleted event stays as a record with status `cancelled`, as Calendar keeps it for incremental sync.
 */

export interface StoreHooks {
  /** Called once per write, after the records changed. */
  readonly changed: (user: UserState) => void;
}

export interface InsertOptions {
  /** Import semantics: keep the given organizer and iCalUID. */
  readonly imported?: boolean;
  /** Instances are given by the caller (a seeded series), so the rule is not expanded. */
  readonly seededInstances?: readonly { readonly slot: Slot; readonly overrides: Record<string, unknown> }[];
}

export function getRecord(user: UserState, id: string): CalendarEventRecord {
  const record = user.calendar.events[id];
  if (!record) {
    throw notFound('Event');
  }
  return record;
}

export function insertEvent(user: UserState, input: Record<string, unknown>, hooks: StoreHooks, options: InsertOptions = {}): Record<string, unknown> {
  const id = newEventId();
  const resource = buildEventResource(user, input, { id, created: nowIso(), existing: null, imported: options.imported === true });
  const seq = nextSeq(user);
  user.calendar.events[id] = { resource, seq, isException: false, ...(options.seededInstances ? { seeded: true } : {}) };

  if (Array.isArray(resource.recurrence)) {
    const slots = options.seededInstances ?? expandSeries(resource, user.timeZone).map((slot) => ({ slot, overrides: {} }));
    for (const { slot, overrides } of slots) {
      addInstance(user, resource, slot, overrides, seq);
    }
  }
  hooks.changed(user);
  return resource;
}

/** Apply a patch (merge) or an update (replace) to an event or an instance, guarded by `If-Match` when given. */
export function writeEvent(
  user: UserState,
  id: string,
  body: Record<string, unknown>,
  write: { readonly mode: 'patch' | 'update'; readonly ifMatch?: string | undefined; readonly imported?: boolean },
  hooks: StoreHooks,
): Record<string, unknown> {
  const { mode, ifMatch } = write;
  const record = getRecord(user, id);
  checkEtag(record, ifMatch);
  if (record.resource.status === 'cancelled' && body.status !== 'confirmed' && body.status !== 'tentative') {
    throw new GoogleApiError(410, 'deleted', 'Resource has been deleted');
  }

  const previous = record.resource;
  const input = mode === 'patch' ? mergePatch(previous, body) : { ...body };
  record.resource = buildEventResource(user, input, { id, created: String(previous.created), existing: previous, imported: write.imported === true });
  record.seq = nextSeq(user);
  if (previous.recurringEventId !== undefined) {
    record.isException = true;
  }
  if (Array.isArray(previous.recurrence)) {
    followMaster(user, record, previous);
  }
  hooks.changed(user);
  return record.resource;
}

export function deleteEvent(user: UserState, id: string, ifMatch: string | undefined, hooks: StoreHooks): void {
  const record = getRecord(user, id);
  checkEtag(record, ifMatch);
  if (record.resource.status === 'cancelled') {
    throw new GoogleApiError(410, 'deleted', 'Resource has been deleted');
  }

  const seq = nextSeq(user);
  cancel(record, seq);
  if (Array.isArray(record.resource.recurrence)) {
    for (const instance of instancesOf(user, id)) {
      if (instance.resource.status !== 'cancelled') {
        cancel(instance, seq);
      }
    }
  }
  hooks.changed(user);
}

export function instancesOf(user: UserState, masterId: string): CalendarEventRecord[] {
  return Object.values(user.calendar.events).filter((record) => record.resource.recurringEventId === masterId);
}

function checkEtag(record: CalendarEventRecord, ifMatch: string | undefined): void {
  if (ifMatch !== undefined && ifMatch !== '*' && ifMatch !== record.resource.etag) {
    throw new GoogleApiError(412, 'conditionNotMet', 'Precondition Failed');
  }
}

function cancel(record: CalendarEventRecord, seq: number): void {
  record.resource = { ...record.resource, status: 'cancelled', etag: newNumericEtag(), updated: nowIso() };
  record.seq = seq;
}

function nextSeq(user: UserState): number {
  user.calendar.seq += 1;
  return user.calendar.seq;
}

function addInstance(user: UserState, master: Record<string, unknown>, slot: Slot, overrides: Record<string, unknown>, seq: number): void {
  const id = `${String(master.id)}_${instanceSuffix(slot.originalStart, user.timeZone)}`;
  const resource: Record<string, unknown> = {
    kind: 'calendar#event',
    etag: newNumericEtag(),
    id,
    status: master.status,
    htmlLink: master.htmlLink,
    created: master.created,
    updated: master.updated,
    start: slot.start,
    end: slot.end,
    recurringEventId: master.id,
    originalStartTime: slot.originalStart,
  };
  for (const field of INHERITED_FIELDS) {
    if (master[field] !== undefined) {
      resource[field] = master[field];
    }
  }
  for (const [field, value] of Object.entries(overrides)) {
    if (value === null) delete resource[field];
    else resource[field] = value;
  }
  user.calendar.events[id] = { resource, seq, isException: Object.keys(overrides).length > 0 };
}

/**
 * Carry a master's change to its unedited instances. New times or a new rule make new slots: the old instances
 * are cancelled and new ones made, because an instance id names its original start. A seeded series has no rule the
 * emulator expands, so its instances move by the master's shift instead.
 */
function followMaster(user: UserState, master: CalendarEventRecord, previous: Record<string, unknown>): void {
  const resource = master.resource;
  const instances = instancesOf(user, String(resource.id)).filter((instance) => !instance.isException && instance.resource.status !== 'cancelled');
  const retimed = JSON.stringify(previous.start) !== JSON.stringify(resource.start) || JSON.stringify(previous.end) !== JSON.stringify(resource.end) || JSON.stringify(previous.recurrence) !== JSON.stringify(resource.recurrence);

  if (retimed && master.seeded !== true) {
    for (const instance of instances) {
      cancel(instance, master.seq);
    }
    for (const slot of expandSeries(resource, user.timeZone)) {
      const id = `${String(resource.id)}_${instanceSuffix(slot.originalStart, user.timeZone)}`;
      if (!user.calendar.events[id]?.isException) {
        addInstance(user, resource, slot, {}, master.seq);
      }
    }
    return;
  }

  const shift = retimed ? instantOfTime(resource.start as EventDateTime, user.timeZone) - instantOfTime(previous.start as EventDateTime, user.timeZone) : 0;
  for (const instance of instances) {
    const next: Record<string, unknown> = { ...instance.resource, etag: newNumericEtag(), updated: resource.updated };
    for (const field of INHERITED_FIELDS) {
      next[field] = resource[field];
    }
    if (shift !== 0) {
      next.start = shiftTime(next.start as EventDateTime, shift, user.timeZone);
      next.end = shiftTime(next.end as EventDateTime, shift, user.timeZone);
    }
    instance.resource = next;
    instance.seq = master.seq;
  }
}

function shiftTime(time: EventDateTime, shiftMs: number, calendarZone: string): EventDateTime {
  if (time.date) {
    const date = new Date(Date.parse(`${time.date}T00:00:00Z`) + Math.round(shiftMs / 86_400_000) * 86_400_000).toISOString().slice(0, 10);
    return { ...time, date };
  }
  const ms = instantOfTime(time, calendarZone) + shiftMs;
  return { ...time, dateTime: new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z') };
}
