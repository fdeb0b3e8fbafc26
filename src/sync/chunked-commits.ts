import type { PendingItem, PlannedBase } from '../domain/link.ts';
import type { SessionCommit, SyncStateStore } from '../domain/sync-store.ts';

/**
 * The store as the chunks of a chunked full read see it. Each chunk commits its pairs like a session does, but:
 * - no cursor moves before the last commit, so a crash between chunks reads the whole listing again next time;
 * - the pending items the session started with, and those of earlier chunks, stay until the last commit, which
 *   replaces the set as a session does;
 * - the plans kept for failed writes of earlier chunks are not cleared by later commits;
 * - the held deletions are left alone: chunks delete nothing, so only the last commit decides them.
 */
export class ChunkCommits implements SyncStateStore {
  private final = false;
  private readonly carriedPending = new Map<string, PendingItem>();
  private keptPlanned: readonly PlannedBase[] = [];

  constructor(
    private readonly inner: SyncStateStore,
    private readonly startPending: readonly PendingItem[],
  ) {}

  /** From now on commits are the last one's: cursors, pending items and held deletions go through. */
  startFinalCommit(): void {
    this.final = true;
  }

  async commitSession(commit: SessionCommit): Promise<void> {
    const keptPlannedBases = [...this.keptPlanned, ...(commit.keptPlannedBases ?? [])];
    if (this.final) {
      await this.inner.commitSession({ ...commit, pending: withKeys([...this.carriedPending.values(), ...commit.pending]), keptPlannedBases });
    } else {
      const failures = [...this.carriedPending.values(), ...commit.pending];
      const { heldDeletions: _held, ...rest } = commit;
      await this.inner.commitSession({ ...rest, cursors: {}, pending: withKeys([...this.startPending, ...failures]), keptPlannedBases });
      for (const item of commit.pending) {
        this.carriedPending.set(keyOf(item), item);
      }
    }

    this.keptPlanned = keptPlannedBases;
  }

  loadSyncState(...args: Parameters<SyncStateStore['loadSyncState']>): ReturnType<SyncStateStore['loadSyncState']> {
    return this.inner.loadSyncState(...args);
  }

  recordIntents(...args: Parameters<SyncStateStore['recordIntents']>): ReturnType<SyncStateStore['recordIntents']> {
    return this.inner.recordIntents(...args);
  }

  recordPlannedBases(...args: Parameters<SyncStateStore['recordPlannedBases']>): ReturnType<SyncStateStore['recordPlannedBases']> {
    return this.inner.recordPlannedBases(...args);
  }

  loadReviewState(...args: Parameters<SyncStateStore['loadReviewState']>): ReturnType<SyncStateStore['loadReviewState']> {
    return this.inner.loadReviewState(...args);
  }

  acquireSessionLease(...args: Parameters<SyncStateStore['acquireSessionLease']>): ReturnType<SyncStateStore['acquireSessionLease']> {
    return this.inner.acquireSessionLease(...args);
  }

  releaseSessionLease(...args: Parameters<SyncStateStore['releaseSessionLease']>): ReturnType<SyncStateStore['releaseSessionLease']> {
    return this.inner.releaseSessionLease(...args);
  }
}

function keyOf(item: PendingItem): string {
  return `${item.side}:${item.itemId}`;
}

/** Keep one pending item per side and id. A later one wins, because it carries the newer attempt count. */
function withKeys(items: readonly PendingItem[]): PendingItem[] {
  return [...new Map(items.map((item) => [keyOf(item), item])).values()];
}
