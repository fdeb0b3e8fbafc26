import type { InsertOutcome } from '../../../linking/ports.ts';
import type { SalesforceRestClient } from '../rest-client.ts';
import { OutcomeUnknownError } from '../rest-client.ts';
import { isConnectorError } from '../../../domain/errors.ts';

/**
 * Saves past no duplicate alert: a record that an active duplicate rule matches is rejected with
 * DUPLICATES_DETECTED and the matches, instead of being saved beside them.
 */
export const DUPLICATE_RULE_HEADER = 'allowSave=false; includeRecordDetails=false; runAsCurrentUser=false';

interface SaveError {
  readonly statusCode?: string;
  readonly message?: string;
  readonly duplicateResult?: {
    readonly duplicateRule?: string;
    readonly matchResults?: readonly { readonly matchRecords?: readonly { readonly record?: { readonly Id?: string } }[] }[];
  };
}

/**
 * Insert one record through sObject Collections, with `Sforce-Duplicate-Rule-Header` so that duplicate rules block
 * the save. Collections respond with 200 and per-record errors, which keep the `duplicateResult` with the matched ids.
 * The request is not repeated after a lost response (it may have created the record); that case is `failed`, and
 * the caller's next look-up finds the record if it exists.
 */
export async function insertWithDuplicateCheck(rest: SalesforceRestClient, sobject: string, values: Readonly<Record<string, unknown>>): Promise<InsertOutcome> {
  let body: unknown;
  try {
    const response = await rest.request(
      'POST',
      `${rest.dataPath}/composite/sobjects`,
      { allOrNone: false, records: [{ attributes: { type: sobject }, ...values }] },
      'json',
      { idempotent: false, headers: { 'Sforce-Duplicate-Rule-Header': DUPLICATE_RULE_HEADER } },
    );
    body = response.body;
  } catch (error) {
    if (error instanceof OutcomeUnknownError || isConnectorError(error, 'itemError')) {
      return { kind: 'failed', code: error.failure.code, message: error.failure.message };
    }
    throw error;
  }

  const result = Array.isArray(body) ? (body[0] as { id?: unknown; success?: unknown; errors?: SaveError[] } | undefined) : undefined;
  if (result?.success === true && typeof result.id === 'string') {
    return { kind: 'created', id: result.id };
  }
  const errors = result?.errors ?? [];
  const duplicate = errors.find((error) => error.statusCode === 'DUPLICATES_DETECTED');
  if (duplicate !== undefined) {
    const ids = (duplicate.duplicateResult?.matchResults ?? [])
      .flatMap((match) => match.matchRecords ?? [])
      .flatMap((record) => (typeof record.record?.Id === 'string' ? [record.record.Id] : []));
    return { kind: 'duplicate', ids: [...new Set(ids)], rule: duplicate.duplicateResult?.duplicateRule ?? 'a duplicate rule' };
  }
  const first = errors[0];
  return { kind: 'failed', code: first?.statusCode ?? 'UNKNOWN', message: first?.message ?? `Salesforce did not create the ${sobject}` };
}
