import { GraphError } from './graph-error.ts';

/**
 * The state a calendar-view delta link carries. Graph's state tokens are opaque and encode the window and
 * query of the first request. Here they also encode the change-sequence range of the round, so a token
 * stays valid across emulator restarts and costs no server memory.
 */
export interface DeltaState {
  /** Mailbox the round belongs to. */
  readonly userId: string;
  readonly windowStartMs: number;
  readonly windowEndMs: number;
  /** Changes after this sequence number are still to be returned. */
  readonly afterSeq: number;
  /** Last sequence number of the round (skip tokens); null in a delta token, fixed when the round starts. */
  readonly upToSeq: number | null;
  /** Sequence number the round started from; events created after it were never seen by the client. */
  readonly baseSeq: number;
  /** True in the first round: only current instances are listed, nothing is reported removed. */
  readonly full: boolean;
  /** Delta-token generation; `expireDeltaTokens` moves the store's generation on. */
  readonly epoch: number;
}

const VERSION = 1;

export function encodeDeltaState(state: DeltaState): string {
  const fields = [
    VERSION,
    state.userId,
    state.windowStartMs,
    state.windowEndMs,
    state.afterSeq,
    state.upToSeq ?? -1,
    state.baseSeq,
    state.full ? 1 : 0,
    state.epoch,
  ];
  return Buffer.from(JSON.stringify(fields)).toString('base64url');
}

export function decodeDeltaState(token: string): DeltaState {
  const fields = parseFields(token);
  const [version, userId, windowStartMs, windowEndMs, afterSeq, upToSeq, baseSeq, full, epoch] = fields;
  const numbers = [windowStartMs, windowEndMs, afterSeq, upToSeq, baseSeq, full, epoch];
  if (version !== VERSION || typeof userId !== 'string' || numbers.some((value) => typeof value !== 'number')) {
    throw invalidToken();
  }

  return {
    userId,
    windowStartMs: windowStartMs as number,
    windowEndMs: windowEndMs as number,
    afterSeq: afterSeq as number,
    upToSeq: upToSeq === -1 ? null : (upToSeq as number),
    baseSeq: baseSeq as number,
    full: full === 1,
    epoch: epoch as number,
  };
}

function parseFields(token: string): unknown[] {
  try {
    const parsed: unknown = JSON.parse(Buffer.from(token, 'base64url').toString('utf8'));
    if (Array.isArray(parsed) && parsed.length === 9) {
      return parsed;
    }
  } catch {
    // Fall through: anything that is not our encoding is an invalid token.
  }
  throw invalidToken();
}

function invalidToken(): GraphError {
  return new GraphError(400, 'BadRequest', 'The $skiptoken or $deltatoken is not valid; copy the whole @odata.nextLink or @odata.deltaLink as returned.');
}
