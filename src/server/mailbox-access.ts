import type { Caller } from '../auth/sign-in-sessions.ts';
import type { AccountStore, MailboxRecord } from '../domain/accounts.ts';
import { ApiError } from './api-errors.ts';

/**
 * Decide whether the caller may see a mailbox. An admin sees every mailbox of the org, and a user sees the mailboxes
 * whose address is the user's own email. The routes respond 404 for every other mailbox, never 403, so ids of other
 * orgs and other people reveal nothing.
 */
export function canSeeMailbox(caller: Caller, mailbox: MailboxRecord): boolean {
  if (mailbox.orgId !== caller.orgId) {
    return false;
  }
  return caller.role === 'admin' || mailbox.address.trim().toLowerCase() === caller.email;
}

/** Return the mailbox with this id if the caller may see it; 404 otherwise. */
export async function visibleMailbox(store: AccountStore, caller: Caller, mailboxId: string): Promise<MailboxRecord> {
  const mailbox = await store.getMailbox(mailboxId);
  if (mailbox === null || !canSeeMailbox(caller, mailbox)) {
    throw new ApiError(404, 'not_found', `no mailbox with id '${mailboxId}' among yours; GET /api/v1/mailboxes lists them`, 'id');
  }
  return mailbox;
}

/** List every mailbox the caller may see, in address order. */
export async function visibleMailboxes(store: AccountStore, caller: Caller): Promise<MailboxRecord[]> {
  const mailboxes = await store.listMailboxes(caller.orgId);
  return mailboxes.filter((mailbox) => canSeeMailbox(caller, mailbox));
}
