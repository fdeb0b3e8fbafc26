import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { EmulatorKindBackend } from './support/model-kind-backends.ts';
import { checkKindModel, modelSettings, runOnce } from './support/model-kind-runner.ts';
import { CONTACT_SPEC, TASK_SPEC, type KindSpec } from './support/model-kind-specs.ts';
import { MODEL_COUNTEREXAMPLES } from './support/model-kind-counterexamples.ts';
import { describeOutcome, type KindCommand } from './support/model-kind-world.ts';

/**
 * The task and contact model over the wire: the real Salesforce record source, connection and REST client against the
 * Salesforce emulator, and the mailbox in memory. Salesforce throttling (Retry-After) and access tokens that expire
 * mid-session, with a token request that fails once, are the emulator's own faults, which the connector must absorb.
 * Crashes and the other faults are injected as in the fast model (tests/model-memory-*.test.ts), which makes
 * thousands of runs. The seed is fixed. MODEL_SEED, MODEL_RUNS, MODEL_SCALE=nightly and MODEL_REPLAY (with
 * MODEL_KIND=task or contact) change the runs.
 */
const settings = modelSettings(20_261_205, 25);
// Runs take about 0.3 s each; the limits leave room for a machine busy with other work.
const TIME_LIMIT_MS = Math.max(10 * 60_000, settings.runs * 5_000);
const replayKind = process.env.MODEL_KIND ?? 'task';

describe.each([
  ['task', TASK_SPEC],
  ['contact', CONTACT_SPEC],
] as const)('%s model against the Salesforce emulator', (kind: string, spec: KindSpec) => {
  let backend: EmulatorKindBackend;

  beforeAll(async () => {
    backend = await EmulatorKindBackend.start(spec);
  });

  afterAll(async () => {
    await backend.close();
  });

  it.skipIf(settings.replay !== null)('converges after random edits, crashes, throttling and token expiry', async () => {
    const { failure, numRuns } = await checkKindModel(backend, settings, { maxCommands: 12, runCommand: `MODEL_KIND=${kind} npx vitest run tests/model-kinds.test.ts`, timeLimitMs: TIME_LIMIT_MS });
    if (failure !== null) {
      expect.fail(failure);
    }
    expect(numRuns).toBe(settings.runs);
  }, TIME_LIMIT_MS + 60_000);

  it.runIf(settings.replay !== null && replayKind === kind)('converges on the replayed sequence', async () => {
    const outcome = await runOnce(backend, settings.replay ?? []);
    console.info(describeOutcome(outcome));
    expect(outcome.problems).toEqual([]);
  }, 120_000);

  it.skipIf(settings.replay !== null).each(MODEL_COUNTEREXAMPLES)('counterexample: %s', async (_name, commands) => {
    const outcome = await runOnce(backend, commands);
    expect(outcome.problems, describeOutcome(outcome)).toEqual([]);
  }, 60_000);

  // Fixed sequences for the faults the connector must absorb, checked on every run whatever the seed.
  it.skipIf(settings.replay !== null).each([
    ['an access token that expires mid-session', [{ type: 'tokenExpiry', side: 'crm', nth: 3, refreshFailsOnce: false }]],
    ['a token refresh that fails once', [{ type: 'tokenExpiry', side: 'crm', nth: 2, refreshFailsOnce: true }]],
    ['a 403 REQUEST_LIMIT_EXCEEDED with Retry-After', [{ type: 'throttle', side: 'crm', nth: 3 }]],
  ] as const)('absorbs %s', async (_name, faults) => {
    const commands: KindCommand[] = [
      { kind: 'create', side: 'mailbox', variant: 0 },
      { kind: 'create', side: 'crm', variant: 1 },
      { kind: 'sync' },
      { kind: 'edit', side: 'crm', pick: 0, field: 1, value: 2 },
      { kind: 'edit', side: 'mailbox', pick: 1, field: 2, value: 1 },
      { kind: 'faultySync', faults },
    ];
    const outcome = await runOnce(backend, commands);
    expect(outcome.problems, describeOutcome(outcome)).toEqual([]);
    // The faulty session must have met the fault on the wire and ended ok.
    const faulty = outcome.trace.find((line) => line.startsWith('sync under'));
    expect(faulty, describeOutcome(outcome)).toMatch(/^sync under .*: ok, .*\[Salesforce /);
    if (faults[0].type === 'throttle') {
      // The run's second session met the throttle; its connector waited the one second Retry-After asked for.
      expect(backend.waits[1]).toContain(1_000);
    }
  }, 60_000);
});
