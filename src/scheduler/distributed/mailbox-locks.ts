import pg from 'pg';
import type { Logger } from '../../observability/logger.ts';

/**
 * First key of every lock taken here, so Syncline's advisory locks do not collide with another application's
 * single-key locks in the same database. The second key is the hash of the mailbox id. Two mailboxes whose hashes
 * collide only wait for each other, which costs a deferral and nothing else.
 */
const LOCK_NAMESPACE = 0x5359_4e43;

/** How often waitForLock tries again; a session takes seconds, so this adds little to the wait. */
const LOCK_POLL_MS = 250;

export interface MailboxLock {
  release(): Promise<void>;
}

/**
 * PostgreSQL advisory locks, one per mailbox, held on a connection of their own for the length of a session.
 * graphile-worker runs a second job of a mailbox when the request came while the first was running. The lock
 * makes that job wait, so it does not meet the store's session lease and end as a skipped session. A process that
 * dies loses its connection, and the server frees its locks at once.
 */
export class MailboxLocks {
  private readonly pool: pg.Pool;
  /** Connections that hold a lock now; close() ends them, which frees their locks on the server. */
  private readonly held = new Set<pg.PoolClient>();

  constructor(connectionString: string, size: number, logger: Logger) {
    this.pool = new pg.Pool({ connectionString, max: size });
    // An idle client whose server goes away emits 'error' on the pool; without a listener Node ends the process.
    this.pool.on('error', (error) => {
      logger.warn({ err: { message: error.message } }, 'An idle PostgreSQL connection of the mailbox locks failed');
    });
  }

  /** Take the lock of the mailbox; resolves null while another session has it. */
  async tryLock(mailboxId: string): Promise<MailboxLock | null> {
    const client = await this.pool.connect();
    let taken = false;
    try {
      const result = await client.query<{ taken: boolean }>('select pg_try_advisory_lock($1, hashtext($2)) as taken', [LOCK_NAMESPACE, mailboxId]);
      taken = result.rows[0]?.taken === true;
    } catch (error) {
      client.release(true);
      throw error;
    }

    if (!taken) {
      client.release();
      return null;
    }
    this.held.add(client);
    return { release: () => this.unlock(client, mailboxId) };
  }

  /** Take the lock of the mailbox, waiting while another session has it; resolves null after `timeoutMs`. */
  async waitForLock(mailboxId: string, timeoutMs: number, pollMs = LOCK_POLL_MS): Promise<MailboxLock | null> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const lock = await this.tryLock(mailboxId);
      if (lock !== null || Date.now() >= deadline) {
        return lock;
      }
      await new Promise((resolve) => setTimeout(resolve, pollMs));
    }
  }

  /**
   * End every connection, those holding a lock too: a session abandoned at shutdown gives its lock up here, so other
   * workers may take its mailbox, instead of keeping it until its session ends.
   */
  async close(): Promise<void> {
    for (const client of this.held) {
      client.release(true);
    }
    this.held.clear();
    await this.pool.end();
  }

  private async unlock(client: pg.PoolClient, mailboxId: string): Promise<void> {
    // close() ended the connection already, and the lock with it.
    if (!this.held.delete(client)) {
      return;
    }
    try {
      await client.query('select pg_advisory_unlock($1, hashtext($2))', [LOCK_NAMESPACE, mailboxId]);
      client.release();
    } catch {
      // A connection that could not unlock may still hold the lock: closing it is the only sure way to free it.
      client.release(true);
    }
  }
}
