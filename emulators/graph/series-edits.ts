import { patchEventRecord } from './event-input.ts';
import type { EventRecord } from './event-record.ts';
import type { MailboxStore } from './mailbox-store.ts';
import { resolveZone, wallTimeOf } from './zones.ts';

/** Properties a series master passes down to its unmodified occurrences. */
const NOT_INHERITED = new Set(['start', 'end', 'isAllDay', 'singleValueExtendedProperties', 'recurrence']);

/**
 * Keep a series consistent after an edit. An edited instance changes its master too (Exchange stores the
 * exception on the master, so the master's change key moves). An edited master passes its changed
 * properties to every plain occurrence, and a moved master moves them by the same offset. Exceptions keep
 * their own values.
 */
export function applySeriesEdit(store: MailboxStore, event: EventRecord, previous: { startMs: number; endMs: number }, body: unknown): void {
  if (event.type !== 'seriesMaster') {
    touchMaster(store, event);
    return;
  }

  const inherited = Object.fromEntries(Object.entries(body as Record<string, unknown>).filter(([key]) => !NOT_INHERITED.has(key)));
  const shiftMs = event.startMs - previous.startMs;
  const durationMs = event.endMs - event.startMs;
  const durationChanged = durationMs !== previous.endMs - previous.startMs;

  for (const occurrence of seriesInstances(store, event)) {
    if (occurrence.type !== 'occurrence') {
      continue;
    }

    patchEventRecord(occurrence, inherited);
    if (shiftMs !== 0 || durationChanged) {
      moveOccurrence(occurrence, shiftMs, durationMs);
    }
    store.touch(occurrence);
  }
}

/** Deleting a master deletes its whole series; deleting one instance leaves the series and edits the master. */
export function removeSeriesInstances(store: MailboxStore, event: EventRecord): void {
  if (event.type !== 'seriesMaster') {
    touchMaster(store, event);
    return;
  }

  for (const instance of seriesInstances(store, event)) {
    store.remove(instance);
  }
}

function seriesInstances(store: MailboxStore, master: EventRecord): EventRecord[] {
  return store.liveEvents(master.ownerId).filter((candidate) => candidate.seriesMasterId === master.id);
}

function touchMaster(store: MailboxStore, instance: EventRecord): void {
  const master = instance.seriesMasterId === null ? null : store.getEvent(instance.ownerId, instance.seriesMasterId);
  if (master) {
    store.touch(master);
  }
}

function moveOccurrence(occurrence: EventRecord, shiftMs: number, durationMs: number): void {
  occurrence.startMs += shiftMs;
  occurrence.endMs = occurrence.startMs + durationMs;
  occurrence.start = { ...occurrence.start, dateTime: wallTimeOf(occurrence.startMs, resolveZone(occurrence.start.timeZone) ?? 'UTC') };
  occurrence.end = { ...occurrence.end, dateTime: wallTimeOf(occurrence.endMs, resolveZone(occurrence.end.timeZone) ?? 'UTC') };
}
