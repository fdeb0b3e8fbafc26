import type { GoogleClient } from '../google-client.ts';
import type { LabelDirectory } from './label-directory.ts';

/** State shared by every operation of one mailbox's Gmail message source. */
export interface GmailContext {
  readonly client: GoogleClient;
  /** `/gmail/v1/users/me`: with a delegated token, `me` is the mailbox. */
  readonly userPath: string;
  readonly batchUrl: string;
  readonly labels: LabelDirectory;
}

export function gmailUrl(ctx: GmailContext, path: string): string {
  return `${ctx.client.apiBaseUrl}${ctx.userPath}${path}`;
}
