import type { Side } from '../domain/glossary.ts';
import type { WriteCounts } from '../domain/session-report.ts';

/**
 * Error of a chunked full read that failed after some of its chunks committed. Those chunks' pairs, bases and writes
 * stay. The cursor does not move, so the next session lists again and finds their pairs by their links. `cause` is
 * the error that stopped the read.
 */
export class ChunksCommittedError extends Error {
  constructor(
    readonly committedChunks: number,
    /** The writes of the committed chunks, per side. */
    readonly writes: Readonly<Record<Side, WriteCounts>>,
    cause: unknown,
  ) {
    super(`the full listing failed after ${committedChunks} of its chunks were committed: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
    this.name = 'ChunksCommittedError';
  }
}
