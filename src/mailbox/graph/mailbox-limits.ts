import { RequestWindow } from './request-window.ts';
import { Semaphore } from './semaphore.ts';

/**
 * Outlook's limits per app and mailbox, shared by every Graph source of one mailbox in this process (events, tasks,
 * contacts, messages, subscriptions): requests in flight, requests per sliding window, and a pause while the
 * mailbox is throttled. A 429 or 503 with Retry-After on any request holds back every request of the mailbox,
 * because Outlook throttles the mailbox, not the request.
 */
export interface MailboxLimitSettings {
  /** Requests in flight at once. */
  readonly maxConcurrency: number;
  /** Requests started within `windowMs`; a `$batch` counts each request it carries. */
  readonly maxRequests: number;
  readonly windowMs: number;
}

/**
 * Microsoft Graph throttling limits for the Outlook service: 4 concurrent requests and 10,000 API requests in a
 * 10-minute period, per app ID and mailbox.
 */
export const OUTLOOK_LIMITS: MailboxLimitSettings = { maxConcurrency: 4, maxRequests: 10_000, windowMs: 600_000 };

export interface LimitedRun {
  /** Requests this call spends from the window: 1, or the number of requests in a `$batch`. */
  readonly cost: number;
  /** Wait function of the caller, so tests can record waits without spending real time. */
  readonly sleep: (ms: number) => Promise<void>;
}

const realSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * A request reaches Outlook a little later than it leaves here, by a delay that varies, so a request counted out of
 * the window here may still be in Outlook's. The window here is longer by this share plus a fixed time.
 */
const WINDOW_MARGIN = { share: 0.02, fixedMs: 250 };

export class MailboxLimits {
  private readonly semaphore: Semaphore;
  private readonly window: RequestWindow;
  private pausedUntil = 0;
  private pauseId = 0;
  /** Milliseconds requests spent waiting for room in the window, for tests and benchmarks. */
  windowWaitMs = 0;

  constructor(
    readonly settings: MailboxLimitSettings,
    private readonly now: () => number = Date.now,
  ) {
    this.semaphore = new Semaphore(settings.maxConcurrency);
    const windowMs = settings.windowMs * (1 + WINDOW_MARGIN.share) + WINDOW_MARGIN.fixedMs;
    this.window = new RequestWindow({ maxRequests: settings.maxRequests, windowMs }, now);
  }

  /** Run `task` once the mailbox is not paused, the window has room and a concurrency permit is free. */
  run<T>(options: LimitedRun, task: () => Promise<T>): Promise<T> {
    return this.semaphore.run(async () => {
      await this.waitForPause(options);
      await this.waitForWindow(options.cost);
      return task();
    });
  }

  /**
   * Hold back every request of the mailbox for `ms`. Returns the id of the new pause, or null when a pause already
   * in force lasts longer, so the caller knows whether waiting `ms` itself covers it.
   */
  pause(ms: number): number | null {
    const until = this.now() + ms;
    if (until <= this.pausedUntil) {
      return null;
    }

    this.pausedUntil = until;
    this.pauseId += 1;
    return this.pauseId;
  }

  /**
   * End the pause `id` early: the request that was throttled waited out its Retry-After. With real time this is
   * when the pause ends anyway; with a test's instant sleep it keeps later requests from waiting a pause again.
   * A newer pause stays in force.
   */
  liftPause(id: number): void {
    if (this.pauseId === id) {
      this.pausedUntil = 0;
    }
  }

  private async waitForPause(options: LimitedRun): Promise<void> {
    // Each round waits out the pause it saw. A pause that did not move while it waited is over for this request,
    // so a test's instant sleep cannot spin on a clock that has not moved.
    let waited: number | null = null;
    while (this.pausedUntil > this.now() && this.pauseId !== waited) {
      waited = this.pauseId;
      await options.sleep(this.pausedUntil - this.now());
    }
  }

  private async waitForWindow(cost: number): Promise<void> {
    // Real time on purpose: the window counts real requests against Outlook's real clock.
    for (let waitMs = this.window.tryTake(cost); waitMs > 0; waitMs = this.window.tryTake(cost)) {
      this.windowWaitMs += waitMs;
      await realSleep(waitMs);
    }
  }
}

export interface MailboxLimitKey {
  /** Graph version root; only its origin counts. */
  readonly graphBaseUrl: string;
  /** Token endpoint, which names the tenant. */
  readonly tokenUrl: string;
  readonly clientId: string;
  /** The mailbox's user id or principal name. */
  readonly userId: string;
}

const shared = new Map<string, MailboxLimits>();

/**
 * Return the limits of one app on one mailbox, the same object for every caller in this process. The first caller
 * sets the settings. A later caller asking for other settings is a programming error and throws.
 */
export function sharedMailboxLimits(key: MailboxLimitKey, settings: MailboxLimitSettings = OUTLOOK_LIMITS): MailboxLimits {
  const id = [new URL(key.graphBaseUrl).origin, key.tokenUrl, key.clientId.toLowerCase(), key.userId.toLowerCase()].join('|');
  const existing = shared.get(id);
  if (existing === undefined) {
    const limits = new MailboxLimits(settings);
    shared.set(id, limits);
    return limits;
  }

  if (!sameSettings(existing.settings, settings)) {
    throw new Error(
      `Graph limits for this mailbox were already set to ${describe(existing.settings)}; another source asked for ${describe(settings)}. Give every source of one mailbox the same maxConcurrency and requestWindow`,
    );
  }
  return existing;
}

function sameSettings(a: MailboxLimitSettings, b: MailboxLimitSettings): boolean {
  return a.maxConcurrency === b.maxConcurrency && a.maxRequests === b.maxRequests && a.windowMs === b.windowMs;
}

function describe(settings: MailboxLimitSettings): string {
  return `${settings.maxConcurrency} in flight and ${settings.maxRequests} requests per ${settings.windowMs} ms`;
}
