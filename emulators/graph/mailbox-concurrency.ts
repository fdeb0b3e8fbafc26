/**
 * Outlook's per-app, per-mailbox concurrency limit: at most four requests in flight against one mailbox. A
 * fifth gets 429 `ApplicationThrottled` ("MailboxConcurrency" limit, Microsoft Graph throttling limits for
 * Outlook service).
 */
const MAILBOX_CONCURRENCY_LIMIT = 4;

export class MailboxConcurrency {
  private readonly inFlight = new Map<string, number>();

  tryAcquire(mailboxId: string): boolean {
    const current = this.inFlight.get(mailboxId) ?? 0;
    if (current >= MAILBOX_CONCURRENCY_LIMIT) {
      return false;
    }
    this.inFlight.set(mailboxId, current + 1);
    return true;
  }

  release(mailboxId: string): void {
    const current = this.inFlight.get(mailboxId) ?? 0;
    if (current <= 1) {
      this.inFlight.delete(mailboxId);
      return;
    }
    this.inFlight.set(mailboxId, current - 1);
  }
}
