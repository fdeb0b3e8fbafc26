import type { WorkerUtils } from 'graphile-worker';
import type { Runner } from 'graphile-worker';
import type { Logger } from '../../observability/logger.ts';
import { sessionJobKey } from './session-jobs.ts';
import type { ActiveRun } from './session-task.ts';

/**
 * Let running sessions finish within the grace period, and tell whether they did. When the grace period ends first,
 * graphile-worker's forceful shutdown starts (`killed`), which puts the jobs of the unfinished sessions back in the
 * queue.
 */
export async function stopWithin(runner: Runner, graceMs: number): Promise<{ finished: boolean; killed: Promise<void> }> {
  let timer: NodeJS.Timeout | undefined;
  const graceEnded = new Promise<'timeout'>((resolve) => {
    timer = setTimeout(() => resolve('timeout'), graceMs);
  });

  const outcome = await Promise.race([runner.stop().then(() => 'stopped' as const), graceEnded]);
  clearTimeout(timer);
  if (outcome === 'stopped') {
    return { finished: true, killed: Promise.resolve() };
  }
  return { finished: false, killed: runner.kill() };
}

/**
 * Make the jobs of abandoned sessions run now on another worker, once their sessions can commit nothing more (the
 * caller closed their store and released their leases). graphile-worker's forceful shutdown put them back with a
 * retry delay and counted the cut run as an attempt. A hand-over at shutdown is no worker death, so both are undone.
 * A job a later request replaced (its key moved to a new job, which carries every trigger) is deleted instead.
 */
export async function handBackSessionJobs(utils: WorkerUtils, jobSchema: string, workerIds: readonly string[], runs: readonly ActiveRun[], logger: Logger): Promise<void> {
  // A job the forceful shutdown could not put back is still locked by this process, and no other worker frees it.
  await utils.forceUnlockWorkers([...workerIds]);

  const keys = runs.map((run) => sessionJobKey(run.mailboxId));
  await utils.withPgClient(async (client) => {
    const replaced = await client.query<{ id: string }>(`select id from "${jobSchema}".jobs where id = any($1::bigint[]) and key is null`, [runs.map((run) => run.jobId)]);
    if (replaced.rows.length > 0) {
      await client.query(`select id from "${jobSchema}".complete_jobs($1::bigint[])`, [replaced.rows.map((row) => row.id)]);
    }
    for (const run of runs) {
      await client.query(`select id from "${jobSchema}".reschedule_jobs(array[$1::bigint], attempts => $2::int)`, [run.jobId, Math.max(0, run.attempts - 1)]);
    }
    await client.query(`select id from "${jobSchema}".reschedule_jobs(array(select id from "${jobSchema}".jobs where key = any($1::text[])), run_at => now())`, [keys]);
  });
  logger.info({ mailboxes: runs.map((run) => run.mailboxId) }, 'Handed the abandoned sessions back to the queue; another worker runs them now');
}
