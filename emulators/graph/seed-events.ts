import { isDeepStrictEqual } from 'node:util';
import type { EventRecord, UserRecord } from './event-record.ts';
import { isInstance } from './event-record.ts';
import { resolveTimes } from './event-times.ts';
import { GraphError } from './graph-error.ts';
import { newEventId } from './ids.ts';
import type { MailboxStore } from './mailbox-store.ts';
import { matchSeeds } from './seed-matching.ts';
import type { GraphEventSeed } from './seed-types.ts';

export type SeedOutcome = 'added' | 'updated' | 'unchanged';

export interface SeedReport {
  /** Event id per seed, in seed order. */
  readonly ids: string[];
  /** The outcome of each seed, in seed order. */
  readonly outcomes: SeedOutcome[];
  /** Instances (single events, occurrences, exceptions) deleted because the seeds replaced them. */
  readonly removed: number;
}

/** The fields a seed sets. A stored event that a seed replaces keeps all others, extended properties included. */
const SEEDED_FIELDS = [
  'iCalUId', 'subject', 'body', 'start', 'end', 'startMs', 'endMs', 'isAllDay', 'originalStartTimeZone', 'originalEndTimeZone',
  'isCancelled', 'location', 'showAs', 'sensitivity', 'organizer', 'attendees', 'type', 'seriesMasterId', 'originalStart', 'recurrence',
] as const satisfies readonly (keyof EventRecord)[];

/**
 * Store seeds as events of one mailbox. A seed that matches a stored event (see seed-matching.ts) updates it in
 * place and keeps its id. Its change key moves only when a seeded field changed, so delta reports it as changed.
 * Any other seed is inserted. Occurrences and exceptions get the id of the master whose `seedKey` their
 * `seriesMasterSeedKey` names, wherever it sits in the list. Every seed is checked before the first is stored,
 * so a bad seed stores nothing.
 */
export function seedEvents(store: MailboxStore, owner: UserRecord, seeds: readonly GraphEventSeed[]): SeedReport {
  const seen = new Set<string>();
  for (const [index, seed] of seeds.entries()) {
    if (seen.has(seed.seedKey)) {
      throw new GraphError(400, 'BadRequest', `Seed ${index} repeats seedKey '${seed.seedKey}'; seed keys must be unique within one request.`);
    }
    seen.add(seed.seedKey);
  }

  const match = matchSeeds(store.liveEvents(owner.id), seeds);
  const records = seeds.map((seed, index) => recordOf(owner, seed, index, match.ids));

  let removed = 0;
  for (const event of match.removals) {
    store.remove(event);
    removed += isInstance(event) ? 1 : 0;
  }

  const outcomes = records.map((record, index) => storeRecord(store, record, match.replaced[index]));
  return { ids: records.map((record) => record.id), outcomes, removed };
}

function storeRecord(store: MailboxStore, record: EventRecord, replaced: EventRecord | undefined): SeedOutcome {
  if (!replaced) {
    store.insert(record);
    return 'added';
  }

  const changed = SEEDED_FIELDS.filter((field) => !isDeepStrictEqual(replaced[field], record[field]));
  if (changed.length === 0) {
    return 'unchanged';
  }

  for (const field of changed) {
    Object.assign(replaced, { [field]: record[field] });
  }
  store.touch(replaced);
  return 'updated';
}

function recordOf(owner: UserRecord, seed: GraphEventSeed, index: number, idsByKey: ReadonlyMap<string, string>): EventRecord {
  let seriesMasterId: string | null = null;
  if (seed.seriesMasterSeedKey !== null) {
    seriesMasterId = idsByKey.get(seed.seriesMasterSeedKey) ?? null;
    if (seriesMasterId === null) {
      throw new GraphError(400, 'BadRequest', `Seed ${index} ('${seed.subject}') names series master '${seed.seriesMasterSeedKey}', which is not in this request.`);
    }
  }

  let times: ReturnType<typeof resolveTimes>;
  try {
    times = resolveTimes(seed.start, seed.end, seed.isAllDay);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new GraphError(400, 'BadRequest', `Seed ${index} ('${seed.subject}', ${seed.iCalUId}) has invalid times: ${reason}`);
  }

  return {
    id: idsByKey.get(seed.seedKey) ?? newEventId(),
    ownerId: owner.id,
    seq: 0,
    createdSeq: 0,
    deleted: false,
    changeKey: '',
    createdDateTime: '',
    lastModifiedDateTime: '',
    iCalUId: seed.iCalUId,
    subject: seed.subject,
    body: { ...seed.body },
    ...times,
    originalStartTimeZone: seed.originalStartTimeZone,
    originalEndTimeZone: seed.originalEndTimeZone,
    isCancelled: seed.isCancelled,
    location: { ...seed.location },
    showAs: seed.showAs,
    sensitivity: seed.sensitivity,
    importance: 'normal',
    categories: [],
    isReminderOn: !seed.isAllDay,
    reminderMinutesBeforeStart: seed.isAllDay ? 1080 : 15,
    responseRequested: true,
    allowNewTimeProposals: true,
    hideAttendees: false,
    transactionId: null,
    organizer: seed.organizer ? { emailAddress: { ...seed.organizer.emailAddress } } : null,
    attendees: seed.attendees.map((attendee) => structuredClone(attendee)),
    type: seed.type,
    seriesMasterId,
    originalStart: seed.originalStart,
    recurrence: seed.recurrence,
    extendedProperties: [],
  };
}
