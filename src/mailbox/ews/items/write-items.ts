import { isConnectorError, type Failure } from '../../../domain/errors.ts';
import { busyWaitMs, EWS_RETRY_POLICY, messageFailure, tooLongBackOff, type EwsClient } from '../ews-client.ts';
import { itemsOf, type ResponseMessage } from '../soap/response.ts';
import { element } from '../soap/xml-write.ts';
import { itemIdOf } from './ews-item-xml.ts';

/** The outcome of one item of a CreateItem, UpdateItem or DeleteItem call. */
export type ItemOutcome = { readonly ok: true; readonly id: string | null; readonly changeKey: string | null } | { readonly ok: false; readonly failure: Failure };

export interface BatchedCall {
  readonly client: EwsClient;
  readonly batchSize: number;
  readonly label: string;
  /** True when sending an item twice cannot apply it twice (deletes, guarded updates). */
  readonly idempotent: boolean;
  /** The operation element around the item parts of one call. */
  readonly wrap: (parts: readonly string[]) => string;
}

/**
 * Send one part per item, `batchSize` per call, and return one outcome per part in input order. Items rejected with
 * ErrorServerBusy were not processed, so only they are sent again once the server's back-off has passed. The rounds
 * and waits have the limits of a whole request (EWS_RETRY_POLICY and the mailbox's server-wait allowance), and past
 * them the items fail with retryLater. A call that fails as a whole with a temporary failure fails its items alone.
 * Any other whole-call failure is thrown.
 */
export async function sendItemParts(call: BatchedCall, parts: readonly string[]): Promise<ItemOutcome[]> {
  const outcomes = new Map<number, ItemOutcome>();
  let pending = parts.map((part, index) => ({ part, index }));

  for (let round = 1; pending.length > 0; round += 1) {
    const busy: typeof pending = [];
    for (let start = 0; start < pending.length; start += call.batchSize) {
      const chunk = pending.slice(start, start + call.batchSize);
      const sent = await sendChunk(call, chunk.map((entry) => entry.part));
      if (!sent.ok) {
        chunk.forEach((entry) => outcomes.set(entry.index, { ok: false, failure: sent.failure }));
        continue;
      }
      const { messages } = sent;

      const chunkBusy: typeof pending = [];
      let backOffMs = 0;
      chunk.forEach((entry, position) => {
        const message = messages[position];
        if (message?.responseCode === 'ErrorServerBusy') {
          backOffMs = Math.max(backOffMs, busyWaitMs(message.backOffMs, round));
          chunkBusy.push(entry);
          return;
        }
        outcomes.set(entry.index, toOutcome(message, call.label));
      });
      if (chunkBusy.length === 0) {
        continue;
      }

      // The pause also delays the chunks still to send, because Exchange's budget is the mailbox's, not the item's.
      const limitFailure = pauseForBusyItems(call, round, backOffMs);
      if (limitFailure === null) {
        busy.push(...chunkBusy);
      } else {
        chunkBusy.forEach((entry) => outcomes.set(entry.index, { ok: false, failure: limitFailure }));
      }
    }
    pending = busy;
  }
  return parts.map((_, index) => outcomes.get(index) as ItemOutcome);
}

/** Pause the mailbox for a busy round. Returns the items' failure when the rounds or the waits would pass their limits, else null. */
function pauseForBusyItems(call: BatchedCall, round: number, backOffMs: number): Failure | null {
  const busy: Failure = { kind: 'retryLater', code: 'ErrorServerBusy', message: '', retryAfterMs: backOffMs };
  if (round >= EWS_RETRY_POLICY.maxThrottledAttempts) {
    return { ...busy, message: `Exchange returned ErrorServerBusy for these items of ${call.label} ${round} times, so they are left for the next session` };
  }
  if (!call.client.pause(backOffMs)) {
    return tooLongBackOff(busy, call.client.remainingServerWaitMs);
  }
  return null;
}

async function sendChunk(call: BatchedCall, parts: readonly string[]): Promise<{ ok: true; messages: readonly ResponseMessage[] } | { ok: false; failure: Failure }> {
  try {
    const reply = await call.client.call({ body: call.wrap(parts), idempotent: call.idempotent, label: call.label });
    return { ok: true, messages: reply.messages };
  } catch (error) {
    if (isConnectorError(error, 'retryLater')) {
      return { ok: false, failure: error.failure };
    }
    throw error;
  }
}

function toOutcome(message: ResponseMessage | undefined, label: string): ItemOutcome {
  if (message === undefined) {
    return { ok: false, failure: { kind: 'retryLater', code: 'MissingResponseMessage', message: `Exchange returned no response message for this item of ${label}, so it is repeated later` } };
  }
  if (message.responseClass === 'Error') {
    return { ok: false, failure: messageFailure(message) };
  }

  const item = itemsOf(message)[0];
  const ids = item === undefined ? null : itemIdOf(item);
  return { ok: true, id: ids?.id ?? null, changeKey: ids?.changeKey ?? null };
}

/** Attributes of CreateItem, UpdateItem and DeleteItem that keep Exchange from mailing anyone about Syncline's writes. */
export interface WriteAttributes {
  readonly create: Readonly<Record<string, string>>;
  readonly update: Readonly<Record<string, string>>;
  readonly delete: Readonly<Record<string, string>>;
}

export function createItemCall(client: EwsClient, batchSize: number, folderXml: string, attributes: Readonly<Record<string, string>>): BatchedCall {
  return {
    client,
    batchSize,
    label: 'CreateItem',
    idempotent: false,
    wrap: (parts) => element('m:CreateItem', attributes, element('m:SavedItemFolderId', {}, folderXml), element('m:Items', {}, ...parts)),
  };
}

/**
 * UpdateItem with the ChangeKey as the guard: NeverOverwrite makes Exchange refuse the change (ErrorIrresolvableConflict)
 * when the item moved on since that ChangeKey, so an edit made in between is never overwritten. Only a guarded update
 * is safe to repeat.
 */
export function updateItemCall(client: EwsClient, batchSize: number, attributes: Readonly<Record<string, string>>, guarded: boolean): BatchedCall {
  const conflictResolution = guarded ? 'NeverOverwrite' : 'AutoResolve';
  return {
    client,
    batchSize,
    label: 'UpdateItem',
    idempotent: guarded,
    wrap: (parts) => element('m:UpdateItem', { ...attributes, ConflictResolution: conflictResolution }, element('m:ItemChanges', {}, ...parts)),
  };
}

export function deleteItemCall(client: EwsClient, batchSize: number, attributes: Readonly<Record<string, string>>): BatchedCall {
  return {
    client,
    batchSize,
    label: 'DeleteItem',
    idempotent: true,
    wrap: (parts) => element('m:DeleteItem', { DeleteType: 'MoveToDeletedItems', ...attributes }, element('m:ItemIds', {}, ...parts)),
  };
}
