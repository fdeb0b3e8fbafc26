/**
 * Outlook's per-app, per-mailbox request limit: at most 10,000 requests in any 10-minute window. A request over
 * the limit gets 429 `ApplicationThrottled` with a Retry-After that names when the oldest request in the window
 * leaves it. Tests lower the limit through the emulator's `mailboxRequestLimit` option.
 */
export interface RequestLimit {
  readonly requests: number;
  readonly windowMs: number;
}

export const OUTLOOK_REQUEST_LIMIT: RequestLimit = { requests: 10_000, windowMs: 600_000 };

export class MailboxRequestWindow {
  /** Start times of the requests in the window, oldest first, by `appId|userId`. */
  private readonly starts = new Map<string, number[]>();

  constructor(readonly limit: RequestLimit = OUTLOOK_REQUEST_LIMIT) {}

  /** Count the request and return null, or return the seconds to wait when the window is full. */
  admit(appId: string, userId: string, now = Date.now()): number | null {
    const key = `${appId.toLowerCase()}|${userId}`;
    const starts = this.starts.get(key) ?? [];
    this.starts.set(key, starts);
    // Start times only grow, so the ones that left the window are at the front.
    while (starts.length > 0 && (starts[0] ?? 0) <= now - this.limit.windowMs) {
      starts.shift();
    }
    if (starts.length < this.limit.requests) {
      starts.push(now);
      return null;
    }

    const oldest = starts[0] ?? now;
    return Math.max(1, Math.ceil((oldest + this.limit.windowMs - now) / 1000));
  }
}
