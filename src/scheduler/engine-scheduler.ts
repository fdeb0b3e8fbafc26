import type { SynclineConfig } from '../config/resolved-config.ts';
import type { Logger } from '../observability/logger.ts';
import type { Clock } from './clock.ts';
import type { Engine } from './engine.ts';
import { createScheduler, type Scheduler } from './scheduler.ts';
import { createSessionRunner, type SessionRunner } from './session-runner.ts';

const DEFAULT_COALESCE_SECONDS = 60;

export interface EngineSchedulerOptions {
  readonly clock?: Clock;
  readonly random?: () => number;
  readonly pollMs?: number;
  readonly gracePeriodMs?: number;
  /** Default: instantSync.coalesceSeconds of the configuration. */
  readonly coalesceMs?: number;
}

/** At most one notification-triggered session per mailbox per this many milliseconds. */
export function coalesceMsOf(config: SynclineConfig): number {
  return (config.instantSync?.coalesceSeconds ?? DEFAULT_COALESCE_SECONDS) * 1000;
}

/** Create the session runner over an engine; each mailbox's interval comes from its configuration. */
export function createEngineRunner(engine: Engine, config: SynclineConfig, logger: Logger, options: EngineSchedulerOptions = {}): SessionRunner {
  const intervals = new Map(engine.mailboxes.map((mailbox) => [mailbox.record.id, mailbox.setting.sessionIntervalMinutes * 60_000]));
  return createSessionRunner({
    store: engine.store,
    runSession: (mailboxId) => engine.runSession(mailboxId),
    intervalMs: (mailboxId) => {
      // The interval the last session resolved, so an interval saved in the console applies from that session on.
      const resolved = engine.intervalMinutes?.(mailboxId);
      const interval = resolved === undefined ? intervals.get(mailboxId) : resolved * 60_000;
      if (interval === undefined) {
        throw new Error(`Unknown mailbox id '${mailboxId}'; it is not in the configuration`);
      }
      return interval;
    },
    jitter: config.jitter,
    logger,
    ...(options.clock ? { now: () => options.clock?.now() ?? new Date() } : {}),
    ...(options.random ? { random: options.random } : {}),
  });
}

/** Create the embedded scheduler for every mailbox of the engine, with the configuration's limits. */
export function createEngineScheduler(engine: Engine, config: SynclineConfig, logger: Logger, options: EngineSchedulerOptions = {}): Scheduler {
  return createScheduler({
    mailboxIds: engine.mailboxes.map((mailbox) => mailbox.record.id),
    runner: createEngineRunner(engine, config, logger, options),
    store: engine.store,
    maxConcurrentSessions: config.maxConcurrentSessions,
    coalesceMs: options.coalesceMs ?? coalesceMsOf(config),
    logger,
    ...(options.clock ? { clock: options.clock } : {}),
    ...(options.pollMs === undefined ? {} : { pollMs: options.pollMs }),
    ...(options.gracePeriodMs === undefined ? {} : { gracePeriodMs: options.gracePeriodMs }),
  });
}
