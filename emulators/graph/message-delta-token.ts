import { GraphError } from './graph-error.ts';

/**
 * The state a message delta link carries. Graph encodes the first request's query options (`$select`,
 * `$expand`, `$filter`, `$orderby`, `$top`) into its opaque tokens, so later links carry none. Here the token also
 * contains the change-sequence range of the round, so it survives a restart and costs no server memory.
 */
export interface MessageDeltaState {
  readonly userId: string;
  readonly folderId: string;
  /** Changes after this sequence number are still to be returned. */
  readonly afterSeq: number;
  /** Last sequence number of the round (skip tokens); null in a delta token, fixed when the round starts. */
  readonly upToSeq: number | null;
  /** Sequence number the previous round ended at; what sat in the folder then is what the client has seen. */
  readonly baseSeq: number;
  /** True in the first round: only current messages are listed, nothing is reported removed. */
  readonly full: boolean;
  /** Delta-token generation; `expireDeltaTokens` and `/_admin/reset` move the store's generation on. */
  readonly epoch: number;
  readonly select: string | null;
  readonly expand: string | null;
  readonly filter: string | null;
  readonly orderByReceivedDesc: boolean;
  readonly top: number | null;
}

const VERSION = 1;

export function encodeMessageDeltaState(state: MessageDeltaState): string {
  return Buffer.from(JSON.stringify({ v: VERSION, ...state })).toString('base64url');
}

export function decodeMessageDeltaState(token: string): MessageDeltaState {
  let parsed: Record<string, unknown>;
  try {
    parsed = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as Record<string, unknown>;
  } catch {
    throw invalidToken();
  }

  const texts = ['userId', 'folderId'];
  const numbers = ['afterSeq', 'baseSeq', 'epoch'];
  const optionalTexts = ['select', 'expand', 'filter'];
  const valid =
    typeof parsed === 'object' &&
    parsed !== null &&
    parsed.v === VERSION &&
    texts.every((key) => typeof parsed[key] === 'string') &&
    numbers.every((key) => typeof parsed[key] === 'number') &&
    optionalTexts.every((key) => parsed[key] === null || typeof parsed[key] === 'string') &&
    (parsed.upToSeq === null || typeof parsed.upToSeq === 'number') &&
    (parsed.top === null || typeof parsed.top === 'number') &&
    typeof parsed.full === 'boolean' &&
    typeof parsed.orderByReceivedDesc === 'boolean';
  if (!valid) {
    throw invalidToken();
  }

  const { v: _version, ...state } = parsed;
  return state as unknown as MessageDeltaState;
}

function invalidToken(): GraphError {
  return new GraphError(400, 'BadRequest', 'The $skiptoken or $deltatoken is not valid; copy the whole @odata.nextLink or @odata.deltaLink as returned.');
}
