import { isConnectorError } from '../../../domain/errors.ts';
import type { FileWrite, WriteOutcome } from '../../../email/ports.ts';
import { responseLost } from '../record-writes.ts';
import { OutcomeUnknownError, type SalesforceRestClient } from '../rest-client.ts';

/**
 * Insert each file as a ContentVersion first published on its record, which makes Salesforce create the
 * ContentDocument and its ContentDocumentLink to the record. One request per file, as JSON with base64 data: a
 * Composite call would hold several files in memory at once for little saving.
 */
export async function uploadFiles(rest: SalesforceRestClient, files: readonly FileWrite[]): Promise<Map<string, WriteOutcome>> {
  const outcomes = new Map<string, WriteOutcome>();
  for (const file of files) {
    const body = {
      PathOnClient: file.pathOnClient,
      VersionData: Buffer.from(file.bytes.buffer, file.bytes.byteOffset, file.bytes.byteLength).toString('base64'),
      FirstPublishLocationId: file.recordId,
    };
    try {
      const response = await rest.request('POST', `${rest.dataPath}/sobjects/ContentVersion`, body, 'json', { idempotent: false });
      const id = (response.body as { id?: unknown } | null)?.id;
      outcomes.set(file.ref, typeof id === 'string'
        ? { ok: true, id, created: true }
        : { ok: false, failure: { kind: 'bug', code: 'MISSING_RECORD_ID', message: 'Salesforce reported a saved file without its id' }, recordId: file.recordId });
    } catch (error) {
      if (error instanceof OutcomeUnknownError) {
        // The next run finds the file by name and size if it was saved, and uploads it otherwise.
        outcomes.set(file.ref, { ok: false, failure: responseLost(error.failure), recordId: file.recordId });
        continue;
      }
      if (isConnectorError(error) && (error.failure.kind === 'itemError' || error.failure.kind === 'notFound' || error.failure.kind === 'bug')) {
        outcomes.set(file.ref, { ok: false, failure: error.failure, recordId: file.recordId });
        continue;
      }
      throw error;
    }
  }
  return outcomes;
}
