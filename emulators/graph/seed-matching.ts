import type { EventRecord } from './event-record.ts';
import { isInstance } from './event-record.ts';
import { newEventId } from './ids.ts';
import type { GraphEventSeed } from './seed-types.ts';

/**
 * The stored events a seeding replaces, so that importing the same calendar twice updates the mailbox instead
 * of doubling it, as Outlook does when a file is opened again. A single event or series master matches a stored
 * one with the same iCalUId. An occurrence or exception matches the instance of that series with the same
 * originalStart. A series seeded again replaces its instances, so those it no longer has are removed.
 */
export interface SeedMatch {
  /** Event id per seed key: the id of the stored event it replaces, or a new one. */
  readonly ids: Map<string, string>;
  /** The stored event each seed replaces, by seed index (undefined for a new event). */
  readonly replaced: (EventRecord | undefined)[];
  /** Stored events to delete: instances a series no longer has, and events whose kind changed (single ↔ series). */
  readonly removals: EventRecord[];
}

export function matchSeeds(stored: readonly EventRecord[], seeds: readonly GraphEventSeed[]): SeedMatch {
  const index = indexStored(stored);
  const claimed = new Set<string>();
  const ids = new Map<string, string>();
  const replaced: (EventRecord | undefined)[] = seeds.map(() => undefined);
  const removals: EventRecord[] = [];
  const reusedMasters: EventRecord[] = [];

  // Single events and masters first, so that instances know which stored series they belong to.
  seeds.forEach((seed, position) => {
    if (seed.seriesMasterSeedKey !== null) return;
    const match = pickTopLevel(index.topLevel.get(seed.iCalUId) ?? [], seed, claimed);
    if (match) claimed.add(match.id);

    // A single event that became a series, or the reverse, is a new item: Graph lists masters and instances apart.
    if (match && isInstance(match) === (seed.type !== 'seriesMaster')) {
      ids.set(seed.seedKey, match.id);
      replaced[position] = match;
      if (!isInstance(match)) reusedMasters.push(match);
      return;
    }

    ids.set(seed.seedKey, newEventId());
    if (match) removals.push(match, ...(index.instances.get(match.id)?.values() ?? []));
  });

  seeds.forEach((seed, position) => {
    if (seed.seriesMasterSeedKey === null) return;
    const masterId = ids.get(seed.seriesMasterSeedKey);
    const match = masterId === undefined ? undefined : index.instances.get(masterId)?.get(slotKey(seed.originalStart));
    if (match && !claimed.has(match.id)) {
      claimed.add(match.id);
      ids.set(seed.seedKey, match.id);
      replaced[position] = match;
      return;
    }
    ids.set(seed.seedKey, newEventId());
  });

  for (const master of reusedMasters) {
    for (const instance of index.instances.get(master.id)?.values() ?? []) {
      if (!claimed.has(instance.id)) removals.push(instance);
    }
  }
  return { ids, replaced, removals };
}

interface StoredIndex {
  /** Single events and series masters by iCalUId, oldest first. */
  readonly topLevel: Map<string, EventRecord[]>;
  /** Occurrences and exceptions by series master id, then by original start. */
  readonly instances: Map<string, Map<string, EventRecord>>;
}

function indexStored(stored: readonly EventRecord[]): StoredIndex {
  const topLevel = new Map<string, EventRecord[]>();
  const instances = new Map<string, Map<string, EventRecord>>();

  for (const event of [...stored].sort((a, b) => a.createdSeq - b.createdSeq)) {
    if (event.seriesMasterId === null) {
      topLevel.set(event.iCalUId, [...(topLevel.get(event.iCalUId) ?? []), event]);
      continue;
    }

    const slots = instances.get(event.seriesMasterId) ?? new Map<string, EventRecord>();
    const key = slotKey(event.originalStart);
    if (!slots.has(key)) slots.set(key, event);
    instances.set(event.seriesMasterId, slots);
  }
  return { topLevel, instances };
}

// Of several stored events with one UID (orphaned overrides seeded as singles), the oldest unclaimed one of
// the same kind is replaced first, so the same file seeded again pairs up with its earlier events.
function pickTopLevel(candidates: readonly EventRecord[], seed: GraphEventSeed, claimed: ReadonlySet<string>): EventRecord | undefined {
  const open = candidates.filter((event) => !claimed.has(event.id));
  const wantsInstance = seed.type !== 'seriesMaster';
  return open.find((event) => isInstance(event) === wantsInstance) ?? open[0];
}

// The same instant can be written with or without milliseconds, so instants are compared, not strings.
function slotKey(originalStart: string | null): string {
  if (originalStart === null) return '';
  const instant = Date.parse(originalStart);
  return Number.isNaN(instant) ? originalStart : String(instant);
}
