import type { EventRecord, UserRecord } from './event-record.ts';
import { resolveTimes } from './event-times.ts';
import { GraphError } from './graph-error.ts';
import { newEventId } from './ids.ts';
import type { MailboxStore } from './mailbox-store.ts';
import type { GraphEventSeed } from './seed-types.ts';

/**
 * Insert seeds as events of one mailbox and return their ids in seed order. Occurrences and exceptions get
 * the id of the master whose `seedKey` their `seriesMasterSeedKey` names, wherever it sits in the list.
 * Every seed is checked before the first is stored, so a bad seed stores nothing.
 */
export function seedEvents(store: MailboxStore, owner: UserRecord, seeds: readonly GraphEventSeed[]): string[] {
  const idsByKey = new Map<string, string>();
  for (const [index, seed] of seeds.entries()) {
    if (idsByKey.has(seed.seedKey)) {
      throw new GraphError(400, 'BadRequest', `Seed ${index} repeats seedKey '${seed.seedKey}'; seed keys must be unique within one request.`);
    }
    idsByKey.set(seed.seedKey, newEventId());
  }

  const records = seeds.map((seed, index) => recordOf(owner, seed, index, idsByKey));
  return records.map((record) => store.insert(record).id);
}

function recordOf(owner: UserRecord, seed: GraphEventSeed, index: number, idsByKey: Map<string, string>): EventRecord {
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
