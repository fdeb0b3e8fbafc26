import { readEventRelations, statusOfResponse } from '../crm/salesforce/event-relations.ts';
import type { SalesforceRecordClient } from '../crm/salesforce/record-client.ts';
import type { RecordWrite } from '../crm/salesforce/write-batches.ts';
import { isConnectorError } from '../domain/errors.ts';
import type { ItemErrorReport } from '../domain/session-report.ts';
import type { Logger } from '../observability/logger.ts';
import type { InviteeCopy } from '../sync/shared-meetings.ts';

export interface OwnResponseOptions {
  readonly client: SalesforceRecordClient;
  /** Salesforce User id of this mailbox's owner, the invitee whose relation each copy sets. */
  readonly ownerUserId: () => Promise<string>;
  readonly recordUrl: (id: string) => string;
}

/**
 * Return the writer that puts this mailbox owner's response, as their copy of another mailbox's meeting shows it, on
 * their EventRelation of that mailbox's Event. Only their own relation is touched: the Event's fields and the other
 * invitees belong to the owner's copy. A failure becomes an item error; the copy's next change tries again.
 */
export function ownResponseWriter(options: OwnResponseOptions): (copies: readonly InviteeCopy[], logger: Logger) => Promise<ItemErrorReport[]> {
  return async (copies, logger) => {
    const report = (copy: InviteeCopy, code: string, message: string): ItemErrorReport => ({
      objectKind: 'event', side: 'crm', itemId: copy.crmRecordId, syncId: null, code, message, recordUrl: options.recordUrl(copy.crmRecordId),
    });
    try {
      const userId = await options.ownerUserId();
      const relations = await readEventRelations(options.client, copies.map((copy) => copy.crmRecordId));
      const writes = copies.flatMap((copy): RecordWrite[] => {
        const status = statusOfResponse(copy.response);
        const own = (relations.get(copy.crmRecordId) ?? []).find((relation) => relation.relationId === userId);
        if (status === null || own?.status === status) {
          return [];
        }
        return own === undefined
          ? [{ op: 'insert', ref: `own-relation-${copy.crmRecordId}`, sobject: 'EventRelation', values: { EventId: copy.crmRecordId, RelationId: userId, Status: status } }]
          : [{ op: 'update', ref: `own-relation-${copy.crmRecordId}`, sobject: 'EventRelation', id: own.id, values: { Status: status } }];
      });
      const results = writes.length === 0 ? [] : await options.client.write(writes);
      const failed = new Set(results.filter((result) => !result.ok).map((result) => result.ref));
      if (failed.size > 0) {
        logger.warn({ failed: failed.size }, 'Some responses to meetings of other synced mailboxes were not written; their next change tries again');
      }
      return copies
        .filter((copy) => failed.has(`own-relation-${copy.crmRecordId}`))
        .map((copy) => report(copy, 'RESPONSE_NOT_WRITTEN', `The response to Event ${copy.crmRecordId} was not written to this mailbox owner's EventRelation`));
    } catch (error) {
      if (!isConnectorError(error)) {
        throw error;
      }
      logger.warn({ err: error }, 'Writing responses to meetings of other synced mailboxes failed; their next change tries again');
      return copies.map((copy) => report(copy, error.failure.code, `Response not written: ${error.failure.message}`));
    }
  };
}
