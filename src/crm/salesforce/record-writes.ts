import { isConnectorError, type ConnectorError, type Failure } from '../../domain/errors.ts';
import type { Logger } from '../../observability/logger.ts';
import { OutcomeUnknownError, type SalesforceRestClient } from './rest-client.ts';
import { decideRetry, type RetryOptions } from './retry-policy.ts';
import { failAll, mapRecordResults, packRecordWrites, type CompositeWriteCall, type RecordWrite, type RecordWriteResult } from './write-batches.ts';

export interface WriteDeps {
  readonly client: SalesforceRestClient;
  readonly logger: Logger;
  readonly sleep: (ms: number) => Promise<void>;
  readonly retry: RetryOptions | undefined;
}

/**
 * Send the writes in packed Composite calls, then send again only the records that failed for a temporary reason
 * (a locked row). An insert that Salesforce reports as failed wrote nothing, and upserts, updates and deletes are
 * keyed, so a repeat cannot double a record.
 *
 * A call that carries inserts and loses its response is not sent again (see `RequestOptions.idempotent`), so its
 * writes fail with `retryLater` and the caller decides. When a failure stops the calls part-way (an API limit, a
 * failure that retries did not cure), the results of the calls that completed are kept and every write left gets
 * that failure. Only when nothing was sent at all is the failure thrown.
 */
export async function sendRecordWrites(writes: readonly RecordWrite[], deps: WriteDeps): Promise<RecordWriteResult[]> {
  const results = new Map<string, RecordWriteResult>();
  const uncertain = new Set<string>();
  let pending = writes;

  for (let attempt = 1; pending.length > 0; attempt += 1) {
    const stop = await sendCalls(pending, deps, results, uncertain);
    if (stop !== null) {
      return settleAfterStop(writes, results, stop);
    }

    const retryable = pending.filter((write) => {
      const result = results.get(write.ref);
      return result !== undefined && !result.ok && result.failure.kind === 'retryLater' && !uncertain.has(write.ref);
    });
    const first = retryable[0] === undefined ? undefined : results.get(retryable[0].ref);
    if (first === undefined || first.ok) {
      break;
    }
    const decision = decideRetry(first.failure, attempt, deps.retry);
    if (!decision.retry) {
      break;
    }
    deps.logger.warn(
      { code: first.failure.code, records: retryable.length, attempt, waitMs: decision.waitMs, reason: decision.reason },
      'Some Salesforce records failed for a temporary reason; retrying them',
    );
    await deps.sleep(decision.waitMs);
    pending = retryable;
  }

  return writes.map((write) => results.get(write.ref)!);
}

/** Send each call in turn; return the failure that stopped them, or null when every call completed or lost its response. */
async function sendCalls(
  writes: readonly RecordWrite[],
  deps: WriteDeps,
  results: Map<string, RecordWriteResult>,
  uncertain: Set<string>,
): Promise<ConnectorError | null> {
  for (const call of packRecordWrites(writes, deps.client.dataPath)) {
    const callWrites = call.batches.flatMap((batch) => batch.writes);
    try {
      const response = await deps.client.request('POST', `${deps.client.dataPath}/composite`, call.body, 'json', { idempotent: !carriesInserts(call) });
      for (const result of mapRecordResults(call, response.body)) {
        results.set(result.ref, result);
      }
    } catch (error) {
      if (error instanceof OutcomeUnknownError) {
        deps.logger.warn({ code: error.failure.code, records: callWrites.length }, 'Salesforce response lost for a call with inserts; not sending it again');
        for (const result of failAll(callWrites, responseLost(error.failure))) {
          results.set(result.ref, result);
          uncertain.add(result.ref);
        }
        continue;
      }
      if (isConnectorError(error)) {
        return error;
      }
      throw error;
    }
  }
  return null;
}

function carriesInserts(call: CompositeWriteCall): boolean {
  return call.batches.some((batch) => batch.writes.some((write) => write.op === 'insert'));
}

/** Build the failure of each write of a call whose response was lost: it may have been applied, so the caller decides. */
export function responseLost(failure: Failure): Failure {
  return {
    kind: 'retryLater',
    code: failure.code,
    message: `The Salesforce response was lost (${failure.code}), so this write may have been applied. It was not sent again, because the request carried inserts that a repeat could double: look the records up before sending them again`,
  };
}

/**
 * Keep the results of the calls that completed and give every other write the failure that stopped the calls. Throws that failure when no write has a result: then nothing was sent, and the whole batch failed.
 */
export function settleAfterStop(writes: readonly RecordWrite[], results: ReadonlyMap<string, RecordWriteResult>, stop: ConnectorError): RecordWriteResult[] {
  if (results.size === 0) {
    throw stop;
  }
  const unsent = new Map(failAll(writes.filter((write) => !results.has(write.ref)), stop.failure).map((result) => [result.ref, result]));
  return writes.map((write) => results.get(write.ref) ?? unsent.get(write.ref)!);
}
