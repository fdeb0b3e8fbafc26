import type { Logger } from '../../observability/logger.ts';
import type { EwsClient } from './ews-client.ts';

/** What every EWS source of one mailbox shares: the client (and with it the mailbox's limits) and the settings. */
export interface EwsSourceContext {
  readonly client: EwsClient;
  readonly mailboxTimeZone: string;
  readonly logger: Logger;
  readonly syncPageSize: number;
  /** Maximum SyncFolderItems pages per folder in an incremental pull, after which the next pull continues. */
  readonly syncPagesPerPull: number;
  readonly batchSize: number;
  /** Invitation setting: whether Exchange mails attendees about the meetings the engine writes. */
  readonly sendMeetingInvitations: 'none' | 'sendToAllAndSaveCopy';
}
