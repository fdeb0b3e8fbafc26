import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import type { CrmRecord, ItemSource, Write, WriteResult } from '../../src/domain/connector.ts';
import { MemoryKindBackend } from './model-kind-backends.ts';
import { checkKindModel, modelSettings, runOnce } from './model-kind-runner.ts';
import type { KindSpec } from './model-kind-specs.ts';
import { describeOutcome } from './model-kind-world.ts';
import { MODEL_COUNTEREXAMPLES } from './model-kind-counterexamples.ts';

/** Settings of one kind's in-memory model suite. */
export interface MemoryModelSuite {
  readonly spec: KindSpec;
  /** Noun used in test names, such as "task" or "contact". */
  readonly noun: string;
  readonly defaultSeed: number;
  readonly testFile: string;
}

/**
 * Register the in-memory model tests of one kind: random runs, replay, stored counterexamples and a broken Salesforce
 * side the model must catch. MODEL_SEED, MODEL_RUNS, MODEL_SCALE=nightly and MODEL_REPLAY change the runs.
 */
export function describeMemoryModel(suite: MemoryModelSuite): void {
  const settings = modelSettings(suite.defaultSeed, 2_000);
  // Runs take about 30 ms of CPU each. The limits leave room for a machine busy with other work.
  const timeLimitMs = Math.max(10 * 60_000, settings.runs * 300);
  const runCommand = `npx vitest run ${suite.testFile}`;
  let backend: MemoryKindBackend;

  beforeAll(async () => {
    backend = await MemoryKindBackend.open(suite.spec);
  });

  afterAll(async () => {
    await backend.close();
  });

  it.skipIf(settings.replay !== null)(`${suite.noun} sync converges after random edits, crashes and faults (in memory)`, async () => {
    const { failure, numRuns } = await checkKindModel(backend, settings, { maxCommands: 14, runCommand, timeLimitMs });
    if (failure !== null) {
      expect.fail(failure);
    }
    expect(numRuns).toBe(settings.runs);
  }, timeLimitMs + 60_000);

  it.runIf(settings.replay !== null)(`${suite.noun} sync converges on the replayed sequence`, async () => {
    const outcome = await runOnce(backend, settings.replay ?? []);
    console.info(describeOutcome(outcome));
    expect(outcome.problems).toEqual([]);
  });

  // Smallest sequences the model found, checked on every run whatever the seed.
  describe.skipIf(settings.replay !== null)('model counterexamples', () => {
    it.each(MODEL_COUNTEREXAMPLES)('%s', async (_name, commands) => {
      const outcome = await runOnce(backend, commands);
      expect(outcome.problems, describeOutcome(outcome)).toEqual([]);
    });
  });

  it.skipIf(settings.replay !== null)('finds and shrinks a lost update when Salesforce drops updates', async () => {
    const broken = await MemoryKindBackend.open(suite.spec, { wrapCrm: droppingUpdates });
    try {
      const { failure } = await checkKindModel(broken, { seed: settings.seed, runs: 200, replay: null }, { maxCommands: 14, runCommand, timeLimitMs: 60_000 });
      expect(failure).toContain(`MODEL_SEED=${settings.seed}`);
      expect(failure).toContain("Replay: MODEL_REPLAY='[");
      expect(failure).toMatch(/diverged: T\d\d|lost edit: T\d\d/);
    } finally {
      await broken.close();
    }
  }, 120_000);
}

/** Return a Salesforce side that reports success for every update and keeps the record as it was. */
function droppingUpdates(source: ItemSource<CrmRecord>): ItemSource<CrmRecord> {
  return {
    get calls() {
      return source.calls;
    },
    pullChanges: (cursor, window) => source.pullChanges(cursor, window),
    readItems: (ids) => source.readItems(ids),
    findBySyncIds: (syncIds) => source.findBySyncIds(syncIds),
    applyWrites: async (writes: readonly Write<CrmRecord>[]): Promise<WriteResult[]> => {
      const kept = writes.filter((write) => write.op !== 'update');
      const results = await source.applyWrites(kept);
      const dropped = writes.filter((write) => write.op === 'update').map((write): WriteResult => ({ ref: write.ref, ok: true, id: write.id, version: null }));
      return [...results, ...dropped];
    },
  };
}
