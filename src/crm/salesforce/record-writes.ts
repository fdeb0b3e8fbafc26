import type { Logger } from '../../observability/logger.ts';
import type { SalesforceRestClient } from './rest-client.ts';
import { decideRetry, type RetryOptions } from './retry-policy.ts';
import { mapRecordResults, packRecordWrites, type RecordWrite, type RecordWriteResult } from './write-batches.ts';

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
 */
export async function sendRecordWrites(writes: readonly RecordWrite[], deps: WriteDeps): Promise<RecordWriteResult[]> {
  const results = new Map<string, RecordWriteResult>();
  let pending = writes;

  for (let attempt = 1; pending.length > 0; attempt += 1) {
    for (const call of packRecordWrites(pending, deps.client.dataPath)) {
      const response = await deps.client.request('POST', `${deps.client.dataPath}/composite`, call.body);
      for (const result of mapRecordResults(call, response.body)) {
        results.set(result.ref, result);
      }
    }

    const retryable = pending.filter((write) => {
      const result = results.get(write.ref);
      return result !== undefined && !result.ok && result.failure.kind === 'retryLater';
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
