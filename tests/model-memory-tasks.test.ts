import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import type { CrmRecord, ItemSource, Write, WriteResult } from '../src/domain/connector.ts';
import { MemoryKindBackend } from './support/model-kind-backends.ts';
import { checkKindModel, modelSettings, runOnce } from './support/model-kind-runner.ts';
import { TASK_SPEC } from './support/model-kind-specs.ts';
import { describeOutcome } from './support/model-kind-world.ts';
import { MODEL_COUNTEREXAMPLES } from './support/model-kind-counterexamples.ts';

/**
 * The fast task model runs thousands of random sequences of creates, edits and deletions on both sides, sessions that
 * crash before any durable write, throttling, lost responses, locked items, token expiry and expired cursors. Both
 * sides are in memory, with the real store, planner and executor (tests/support/model-kind-world.ts lists what must
 * hold). The seed is fixed. MODEL_SEED, MODEL_RUNS, MODEL_SCALE=nightly and MODEL_REPLAY change the runs.
 */
const settings = modelSettings(20_261_206, 2_000);
// Runs take about 30 ms of CPU each; the limits leave room for a machine busy with other work.
const TIME_LIMIT_MS = Math.max(10 * 60_000, settings.runs * 300);
const RUN_COMMAND = 'npx vitest run tests/model-memory-tasks.test.ts';
let backend: MemoryKindBackend;

beforeAll(async () => {
  backend = await MemoryKindBackend.open(TASK_SPEC);
});

afterAll(async () => {
  await backend.close();
});

it.skipIf(settings.replay !== null)('task sync converges after random edits, crashes and faults (in memory)', async () => {
  const { failure, numRuns } = await checkKindModel(backend, settings, { maxCommands: 14, runCommand: RUN_COMMAND, timeLimitMs: TIME_LIMIT_MS });
  if (failure !== null) {
    expect.fail(failure);
  }
  expect(numRuns).toBe(settings.runs);
}, TIME_LIMIT_MS + 60_000);

it.runIf(settings.replay !== null)('task sync converges on the replayed sequence', async () => {
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

it.skipIf(settings.replay !== null)('finds and shrinks a lost update when Salesforce drops updates', async () => {
  const broken = await MemoryKindBackend.open(TASK_SPEC, { wrapCrm: droppingUpdates });
  try {
    const { failure } = await checkKindModel(broken, { seed: settings.seed, runs: 200, replay: null }, { maxCommands: 14, runCommand: RUN_COMMAND, timeLimitMs: 60_000 });
    expect(failure).toContain(`MODEL_SEED=${settings.seed}`);
    expect(failure).toContain("Replay: MODEL_REPLAY='[");
    expect(failure).toMatch(/diverged: T\d\d|lost edit: T\d\d/);
  } finally {
    await broken.close();
  }
}, 120_000);
