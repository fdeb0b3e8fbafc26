import type { BulkOptions } from './bulk/bulk-writer.ts';
import { createSalesforceConnection, type SalesforceConnectionOptions } from './connection.ts';
import { EVENT_SCOPE } from './record-scope.ts';
import { createSalesforceRecordSource, type SalesforceRecordSource } from './record-source.ts';

export interface SalesforceConnectorOptions extends SalesforceConnectionOptions {
  /** External ID field on Event that carries the sync id, e.g. 'Syncline_Sync_Id__c'. */
  syncIdField: string;
  /** Event fields the mapping reads and writes; Id, SystemModstamp, LastModifiedDate and the sync id field are added. */
  fields: readonly string[];
  /** When and how large back-fills go through Bulk API 2.0 jobs instead of Composite (see bulk/break-even.ts). */
  bulk?: BulkOptions;
}

export type SalesforceEventSource = SalesforceRecordSource;

/** A source over the owner's Events in the sync window, on a connection of its own. */
export function createSalesforceEventSource(options: SalesforceConnectorOptions): SalesforceEventSource {
  return createSalesforceRecordSource({
    connection: createSalesforceConnection(options),
    sobject: 'Event',
    scope: EVENT_SCOPE,
    syncIdField: options.syncIdField,
    fields: options.fields,
    ...(options.bulk === undefined ? {} : { bulk: options.bulk }),
  });
}
