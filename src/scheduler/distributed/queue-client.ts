import { makeWorkerUtils, type WorkerUtils } from 'graphile-worker';
import pg from 'pg';
import type { SessionTrigger } from '../../domain/mailbox-state.ts';
import type { Logger } from '../../observability/logger.ts';
import { jobEngineLogger } from './job-engine-logger.ts';
import { migrateOneAtATime } from './migration-lock.ts';
import { sessionJobKey } from './session-jobs.ts';
import { enqueueSession } from './session-queue.ts';

/** The state of a mailbox's session job when a command read it. */
export type SessionJobState = 'none' | 'queued' | 'running';

/**
 * The job queue of distributed mode as `syncline force`, `suspend` and `resume` use it from outside the workers: they
 * add and remove session jobs by the mailbox's job key, so whatever they ask never runs beside another session of
 * the mailbox.
 */
export interface SessionQueueClient {
  /** Add a session job that runs as soon as a worker is free, or move the mailbox's pending job forward. */
  requestSessionNow(mailboxId: string, trigger: SessionTrigger): Promise<void>;
  /** Remove the mailbox's pending session job; a running one finishes and then runs no more. Returns what it found. */
  removeSession(mailboxId: string): Promise<SessionJobState>;
  /** Read the state of the mailbox's session job. */
  sessionState(mailboxId: string): Promise<SessionJobState>;
  close(): Promise<void>;
}

export interface SessionQueueClientOptions {
  readonly connectionString: string;
  readonly jobSchema: string;
  readonly logger: Logger;
}

/** Connect to the job queue, installing its schema first when no worker ever ran on this database. */
export async function openSessionQueueClient(options: SessionQueueClientOptions): Promise<SessionQueueClient> {
  const pool = new pg.Pool({ connectionString: options.connectionString, max: 2 });
  const onError = (error: Error) => options.logger.warn({ err: { message: error.message } }, 'A PostgreSQL connection of the job queue failed');
  // graphile-worker warns unless both exist: an idle client's error reaches the pool, a checked-out client's only itself.
  pool.on('error', onError);
  pool.on('connect', (client) => client.on('error', onError));
  let utils: WorkerUtils;
  try {
    utils = await makeWorkerUtils({ pgPool: pool, schema: options.jobSchema, logger: jobEngineLogger(options.logger) });
    const migrating = utils;
    await migrateOneAtATime(pool, options.jobSchema, () => migrating.migrate());
  } catch (error) {
    await pool.end();
    throw error;
  }

  const sessionState = async (mailboxId: string): Promise<SessionJobState> => {
    // The schema name was checked to be a plain identifier (jobSchemaFor).
    const result = await pool.query<{ locked: boolean }>(`select locked_at is not null as locked from "${options.jobSchema}".jobs where key = $1`, [sessionJobKey(mailboxId)]);
    const row = result.rows[0];
    if (row === undefined) {
      return 'none';
    }
    return row.locked ? 'running' : 'queued';
  };

  return {
    requestSessionNow: (mailboxId, trigger) => enqueueSession(utils.addJob, { mailboxId, trigger }, { mode: 'now', runAt: new Date() }),

    async removeSession(mailboxId) {
      const state = await sessionState(mailboxId);
      if (state !== 'none') {
        // remove_job deletes a pending job; a locked one loses its key and its retries, so it ends with its session.
        await pool.query(`select id from "${options.jobSchema}".remove_job($1)`, [sessionJobKey(mailboxId)]);
      }
      return state;
    },

    sessionState,

    async close() {
      await utils.release();
      await pool.end();
    },
  };
}
