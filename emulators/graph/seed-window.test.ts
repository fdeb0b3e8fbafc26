import { describe, expect, it } from 'vitest';
import { seedsInWindow } from './seed-window.ts';
import { singleSeed, weeklySeries } from './test-seeds.ts';

describe('seedsInWindow', () => {
  it('keeps inside instances and their master', () => {
    const seeds = [
      singleSeed('early', 'Early', '2026-04-01T09:00:00.0000000', '2026-04-01T10:00:00.0000000'),
      singleSeed('inside', 'Inside', '2026-05-14T09:00:00.0000000', '2026-05-14T10:00:00.0000000'),
      ...weeklySeries(4),
    ];

    const result = seedsInWindow(seeds, { start: '2026-05-10T00:00:00Z', end: '2026-05-20T00:00:00Z' });

    expect(result.seeds.map((seed) => seed.seedKey)).toEqual(['inside', 'series', 'series-1', 'series-2']);
    expect(result.outside).toBe(3);
  });

  it('drops a series outside the window', () => {
    const result = seedsInWindow(weeklySeries(3), { start: '2026-09-01T00:00:00Z', end: '2026-10-01T00:00:00Z' });

    expect(result).toEqual({ seeds: [], outside: 3 });
  });

  it('event ending at window start is outside', () => {
    const touching = singleSeed('touching', 'Touching', '2026-05-09T23:00:00.0000000', '2026-05-10T00:00:00.0000000');

    expect(seedsInWindow([touching], { start: '2026-05-10T00:00:00Z', end: '2026-05-20T00:00:00Z' }).outside).toBe(1);
  });
});
