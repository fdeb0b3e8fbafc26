import type { EmailRecordObject } from '../../../domain/email-saves.ts';
import type { EmailRecordWriter, RelationWrite, WriteOutcome } from '../../../email/ports.ts';
import type { Logger } from '../../../observability/logger.ts';
import type { OrgApiBudget } from '../api-budget.ts';
import type { SalesforceOrgCache } from '../org-cache.ts';
import type { SalesforceAuth } from '../auth.ts';
import { SalesforceRecordClient } from '../record-client.ts';
import { SalesforceRestClient } from '../rest-client.ts';
import type { RetryOptions } from '../retry-policy.ts';
import type { RecordWrite } from '../write-batches.ts';
import { loadEmailProfile, type EmailFieldNames } from './email-profile.ts';
import { createEmailRecords, findEmailRecords, relationValues, toOutcome } from './email-records.ts';
import { uploadFiles } from './file-uploads.ts';
import { resolveOwnerUserId } from './owner-user.ts';

export interface SalesforceEmailWriterOptions extends EmailFieldNames {
  /** e.g. https://login.salesforce.com or the emulator origin. */
  readonly loginUrl: string;
  readonly auth: SalesforceAuth;
  /** e.g. '62.0' */
  readonly apiVersion: string;
  readonly logger: Logger;
  readonly fetch?: typeof fetch;
  readonly retry?: RetryOptions;
  readonly sleep?: (ms: number) => Promise<void>;
  /** The org's API budget, shared by every connector of the org in this process. */
  readonly apiBudget?: OrgApiBudget;
  /** The org's Salesforce token and describes, shared by its sessions in this process. */
  readonly orgCache?: SalesforceOrgCache;
}

/** Create the Salesforce side of email saving (see `EmailRecordWriter`) over the REST client and Composite batching. */
export function createSalesforceEmailWriter(options: SalesforceEmailWriterOptions): EmailRecordWriter {
  const logger = options.logger.child({ side: 'crm', connector: 'salesforce', component: 'email-saving' });
  const rest = new SalesforceRestClient({
    loginUrl: options.loginUrl,
    auth: options.auth,
    apiVersion: options.apiVersion,
    logger,
    fetch: options.fetch ?? globalThis.fetch,
    ...(options.retry === undefined ? {} : { retry: options.retry }),
    ...(options.sleep === undefined ? {} : { sleep: options.sleep }),
    ...(options.apiBudget === undefined ? {} : { budget: options.apiBudget }),
    ...(options.orgCache === undefined ? {} : { orgCache: options.orgCache }),
  });
  const client = new SalesforceRecordClient({
    rest,
    logger,
    ...(options.retry === undefined ? {} : { retry: options.retry }),
    ...(options.sleep === undefined ? {} : { sleep: options.sleep }),
  });
  const fields: EmailFieldNames = { messageKeyField: options.messageKeyField, addInField: options.addInField };

  async function writeByRef(writes: readonly RecordWrite[]): Promise<Map<string, WriteOutcome>> {
    if (writes.length === 0) {
      return new Map();
    }
    return new Map((await client.write(writes)).map((result) => [result.ref, toOutcome(result)]));
  }

  return {
    get calls() {
      return rest.calls;
    },

    loadProfile: (mode) => loadEmailProfile(client, mode, fields),

    resolveUserId: (owner) => resolveOwnerUserId(rest, owner),

    findByKeys: (sobject, keys) => findEmailRecords(client, fields, sobject, keys),

    createRecords: (records) => createEmailRecords(client, fields, records),

    addRelations: (writes: readonly RelationWrite[]) =>
      writeByRef(writes.map((write) => ({
        op: 'insert', ref: write.ref, sobject: 'EmailMessageRelation', values: { EmailMessageId: write.emailRecordId, ...relationValues(write.relation) },
      }))),

    relinkRelations: (changes) =>
      writeByRef(changes.map((change) => ({
        op: 'update', ref: change.relationRecordId, sobject: 'EmailMessageRelation', id: change.relationRecordId, values: { RelationId: change.relationId },
      }))),

    deleteRelations: (ids) => writeByRef(ids.map((id) => ({ op: 'delete', ref: id, id }))),

    uploadFiles: (files) => uploadFiles(rest, files),

    async updateRecord(sobject: EmailRecordObject, recordId: string, values) {
      const outcomes = await writeByRef([{ op: 'update', ref: recordId, sobject, id: recordId, values }]);
      return outcomes.get(recordId)!;
    },

    recordUrl(recordId: string): string {
      // Salesforce redirects /{id} to the record's page in Lightning or Classic, whatever its object.
      return `${rest.instanceUrl ?? options.loginUrl.replace(/\/+$/, '')}/${encodeURIComponent(recordId)}`;
    },
  };
}
