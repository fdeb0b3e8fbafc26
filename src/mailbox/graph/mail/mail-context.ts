import type { GraphClient } from '../graph-client.ts';
import type { FolderDirectory } from './mail-folders.ts';

/** Shared state of every operation of one mailbox's message source. */
export interface MailContext {
  readonly client: GraphClient;
  /** `odata.maxpagesize` for delta pages. */
  readonly pageSize: number;
  readonly folders: FolderDirectory;
}
