import { GraphError } from './graph-error.ts';

/**
 * The state a To Do task or contact delta link carries. Graph's state tokens are opaque and encode the query
 * options of the first request (`$select`, `$expand`). Here they also encode the change-sequence range of the
 * round, so a token stays valid across emulator restarts and costs no server memory.
 */
export interface ItemDeltaState {
  readonly family: 'todoTask' | 'contact';
  readonly userId: string;
  /** The To Do list or contact folder the round tracks. */
  readonly containerId: string;
  /** Changes after this sequence number are still to be returned. */
  readonly afterSeq: number;
  /** Last sequence number of the round (skip tokens); null in a delta token, fixed when the round starts. */
  readonly upToSeq: number | null;
  /** Sequence number the round started from; items created after it were never seen by the client. */
  readonly baseSeq: number;
  /** True in the first round: only current items are listed, nothing is reported removed. */
  readonly full: boolean;
  /** Delta-token generation; `expireDeltaTokens` moves the store's generation on. */
  readonly epoch: number;
  readonly select: string | null;
  readonly expand: string | null;
}

const VERSION = 1;
const FIELD_COUNT = 11;

export function encodeItemDeltaState(state: ItemDeltaState): string {
  const fields = [
    VERSION,
    state.family,
    state.userId,
    state.containerId,
    state.afterSeq,
    state.upToSeq ?? -1,
    state.baseSeq,
    state.full ? 1 : 0,
    state.epoch,
    state.select,
    state.expand,
  ];
  return Buffer.from(JSON.stringify(fields)).toString('base64url');
}

export function decodeItemDeltaState(token: string, family: ItemDeltaState['family']): ItemDeltaState {
  const [version, tokenFamily, userId, containerId, afterSeq, upToSeq, baseSeq, full, epoch, select, expand] = parseFields(token);
  const numbers = [afterSeq, upToSeq, baseSeq, full, epoch];
  const optionalTexts = [select, expand];
  const valid =
    version === VERSION &&
    tokenFamily === family &&
    typeof userId === 'string' &&
    typeof containerId === 'string' &&
    numbers.every((value) => typeof value === 'number') &&
    optionalTexts.every((value) => value === null || typeof value === 'string');
  if (!valid) {
    throw invalidToken();
  }

  return {
    family,
    userId: userId as string,
    containerId: containerId as string,
    afterSeq: afterSeq as number,
    upToSeq: upToSeq === -1 ? null : (upToSeq as number),
    baseSeq: baseSeq as number,
    full: full === 1,
    epoch: epoch as number,
    select: select as string | null,
    expand: expand as string | null,
  };
}

function parseFields(token: string): unknown[] {
  try {
    const parsed: unknown = JSON.parse(Buffer.from(token, 'base64url').toString('utf8'));
    if (Array.isArray(parsed) && parsed.length === FIELD_COUNT) {
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
