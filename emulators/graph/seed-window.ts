import { overlapsWindow } from './event-record.ts';
import { resolveTimes } from './event-times.ts';
import type { GraphEventSeed } from './seed-types.ts';

export interface WindowedSeeds {
  /** The seeds a calendar view of the window lists, with the masters of the series among them. */
  readonly seeds: GraphEventSeed[];
  /** Instances (single events, occurrences, exceptions) left out because they lie outside the window. */
  readonly outside: number;
}

/**
 * Keep the seeds that a calendar view of `window` (ISO instants) would list: instances that overlap it, and the
 * masters of series that keep an instance. The sandbox syncs only that window, so importing more would only
 * add events that never reach Salesforce.
 */
export function seedsInWindow(seeds: readonly GraphEventSeed[], window: { start: string; end: string }): WindowedSeeds {
  const startMs = Date.parse(window.start);
  const endMs = Date.parse(window.end);
  const instances = seeds.filter((seed) => seed.type !== 'seriesMaster');
  const kept = new Set(instances.filter((seed) => isInside(seed, startMs, endMs)));
  const keptSeries = new Set([...kept].map((seed) => seed.seriesMasterSeedKey));

  return {
    seeds: seeds.filter((seed) => kept.has(seed) || (seed.type === 'seriesMaster' && keptSeries.has(seed.seedKey))),
    outside: instances.length - kept.size,
  };
}

function isInside(seed: GraphEventSeed, windowStart: number, windowEnd: number): boolean {
  try {
    return overlapsWindow(resolveTimes(seed.start, seed.end, seed.isAllDay), windowStart, windowEnd);
  } catch {
    // Kept, so that the emulator rejects the seed with its reason instead of the import dropping it silently.
    return true;
  }
}
