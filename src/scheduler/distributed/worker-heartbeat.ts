import type { Logger } from '../../observability/logger.ts';
import type { WorkerHeartbeats } from '../../store/worker-heartbeats.ts';

export interface HeartbeatOptions {
  readonly store: WorkerHeartbeats;
  /** The id graphile-worker locks this process's jobs with (its worker pool id). */
  readonly workerId: string;
  readonly beatMs: number;
  /** A worker silent this long is taken for dead; several beats, so one slow write is not a death. */
  readonly deadAfterMs: number;
  /** Unlock every job these dead workers held, so other workers run them (graphile-worker's forceUnlockWorkers). */
  readonly unlockJobsOf: (workerIds: string[]) => Promise<void>;
  readonly logger: Logger;
}

export interface Heartbeat {
  /** Stop beating and remove this worker's row, so no other worker takes a clean stop for a death. */
  stop(): Promise<void>;
  /** Stop beating and leave the row to go stale, so other workers unlock the jobs this one can no longer finish. */
  abandon(): void;
}

/**
 * Beat into the store every `beatMs` and, on each beat, free the jobs of workers that stopped beating.
 * graphile-worker would otherwise keep a dead worker's jobs locked for four hours; this frees them within
 * `deadAfterMs` plus one beat. Times are this machine's clock: keep the workers' clocks in sync (NTP), or raise
 * `deadAfterMs` above the largest skew.
 */
export function startHeartbeat(options: HeartbeatOptions): Heartbeat {
  const { store, workerId, logger } = options;
  let timer: NodeJS.Timeout | null = null;
  let running: Promise<void> = Promise.resolve();
  let stopped = false;

  const tick = async () => {
    try {
      await store.beatWorker(workerId, new Date().toISOString());
      await reapDeadWorkers(options);
    } catch (error) {
      logger.warn({ err: error }, 'Heartbeat failed; retrying on the next beat');
    }
  };

  const loop = () => {
    if (stopped) {
      return;
    }
    running = tick().finally(() => {
      if (!stopped) {
        timer = setTimeout(loop, options.beatMs);
      }
    });
  };

  // The first beat goes out at once, so the worker is known within milliseconds of taking its first job.
  loop();

  return {
    abandon() {
      stopped = true;
      if (timer !== null) {
        clearTimeout(timer);
      }
    },

    async stop() {
      stopped = true;
      if (timer !== null) {
        clearTimeout(timer);
      }
      await running;
      await store.forgetWorkers([workerId]);
    },
  };
}

async function reapDeadWorkers(options: HeartbeatOptions): Promise<void> {
  const before = new Date(Date.now() - options.deadAfterMs).toISOString();
  const dead = (await options.store.listStaleWorkers(before)).filter((id) => id !== options.workerId);
  if (dead.length === 0) {
    return;
  }

  await options.unlockJobsOf(dead);
  await options.store.forgetWorkers(dead);
  options.logger.warn({ deadWorkers: dead }, 'Workers stopped beating; their jobs are unlocked and run on the live workers');
}
