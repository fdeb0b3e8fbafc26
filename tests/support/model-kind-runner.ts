import fc from 'fast-check';

import { SessionInjector, type SourceFault } from './model-faults.ts';
import { describeOutcome, kindCommands, readIntegerEnv, runKindModel, type KindBackend, type KindCommand, type KindRunOutcome } from './model-kind-world.ts';

/** How many runs `MODEL_SCALE=nightly` makes of a count CI makes. */
const NIGHTLY_FACTOR = 20;

interface ModelSettings {
  readonly seed: number;
  readonly runs: number;
  /** A counterexample's command array (JSON) to run alone, with its trace printed. */
  readonly replay: readonly KindCommand[] | null;
}

/**
 * Read the run settings: the fixed seed unless `MODEL_SEED` is set, `ciRuns` runs (times 20 with
 * `MODEL_SCALE=nightly`) unless `MODEL_RUNS` is set, and `MODEL_REPLAY`.
 */
export function modelSettings(defaultSeed: number, ciRuns: number): ModelSettings {
  const scale = process.env.MODEL_SCALE ?? 'ci';
  if (scale !== 'ci' && scale !== 'nightly') {
    throw new Error(`MODEL_SCALE=${scale} is invalid: set it to "ci" or "nightly", or unset it`);
  }
  const replayText = process.env.MODEL_REPLAY;
  let replay: KindCommand[] | null = null;
  if (replayText !== undefined && replayText !== '') {
    try {
      replay = JSON.parse(replayText) as KindCommand[];
    } catch (error) {
      throw new Error(`MODEL_REPLAY is not JSON: set it to the command array a failed run printed (${String(error)})`, { cause: error });
    }
  }
  return { seed: readIntegerEnv('MODEL_SEED', defaultSeed), runs: readIntegerEnv('MODEL_RUNS', scale === 'nightly' ? ciRuns * NIGHTLY_FACTOR : ciRuns), replay };
}

export function runOnce(backend: KindBackend, commands: readonly KindCommand[]): Promise<KindRunOutcome> {
  return runKindModel(backend, commands, (faults: readonly SourceFault[], crashBefore: number | null) => new SessionInjector(faults, crashBefore));
}

/**
 * Check the property over `settings.runs` generated sequences. On failure, return a message with the seed, fast-check's
 * report of the shrunk counterexample, the command that replays it (`runCommand` with MODEL_REPLAY set) and its trace.
 * The failure is null when every run held.
 */
export async function checkKindModel(backend: KindBackend, settings: ModelSettings, options: { maxCommands: number; runCommand: string; timeLimitMs: number }): Promise<{ failure: string | null; numRuns: number }> {
  const property = fc.asyncProperty(kindCommands(backend.spec, options.maxCommands), async (commands) => {
    // A run in memory never waits for I/O, so each run first lets the test runner's own messages through.
    await new Promise((resolve) => setImmediate(resolve));
    const outcome = await runOnce(backend, commands);
    if (outcome.problems.length > 0) {
      throw new Error(outcome.problems.join('\n'));
    }
  });
  const details = await fc.check(property, { seed: settings.seed, numRuns: settings.runs, interruptAfterTimeLimit: options.timeLimitMs });
  if (!details.failed) {
    return { failure: null, numRuns: details.numRuns };
  }
  const counterexample = details.counterexample?.[0] ?? [];
  // The last run fast-check made may be a passing shrink candidate, so the counterexample runs once more for its trace.
  const replay = await runOnce(backend, counterexample);
  const command = `MODEL_REPLAY='${JSON.stringify(counterexample)}' ${options.runCommand}`;
  return {
    failure: `${backend.spec.kind} model run failed with MODEL_SEED=${settings.seed} (MODEL_RUNS=${settings.runs}).\n${fc.defaultReportMessage(details) ?? ''}\nReplay: ${command}\n${describeOutcome(replay)}`,
    numRuns: details.numRuns,
  };
}
