import { createGoogleClient, type GoogleClient } from '../google-client.ts';
import type { GoogleClientOptions } from '../google-options.ts';
import { openChannel, stopChannel, type ChannelInfo } from './calendar-channels.ts';
import { parseCalendarNotification, parseGmailPush, sameSecret, type HeaderBag } from './push-messages.ts';

export interface GoogleWatchOptions extends GoogleClientOptions {
  /** Calendar push: the webhook address Google posts to, and the secret token every notification must carry. */
  readonly calendar?: { readonly address: string; readonly token: string; readonly calendarId?: string; readonly ttlSeconds?: number };
  /**
   * Gmail push: the Pub/Sub topic Gmail publishes to (`projects/{project}/topics/{topic}`), the labels watched, and
   * the secret the push subscription's endpoint carries in its `token` query parameter.
   */
  readonly gmail?: { readonly topicName: string; readonly labelIds: readonly string[]; readonly pushToken: string };
  /** How long before expiry a channel or watch is renewed; one hour by default. */
  readonly renewMarginMs?: number;
}

/** What a push reported as changed; the callback decides what to run (a session), and the watch itself never syncs. */
export interface GoogleChange {
  readonly userEmail: string;
  readonly resource: 'events' | 'messages';
  /** Gmail's history id at the change; null for Calendar, which names no position. */
  readonly historyId: string | null;
}

export interface GoogleWatch {
  readonly calendarChannel: ChannelInfo | null;
  readonly gmailExpiration: number | null;
  /** Check a Calendar notification (channel id and token) and call back for a change; false when it is refused. */
  handleCalendarNotification(headers: HeaderBag): boolean;
  /** Check a Pub/Sub push (the endpoint's token and the mailbox address) and call back; false when it is refused. */
  handleGmailPush(body: unknown, token: string | null): boolean;
  /** Renew what expires within the margin now; the watch also does this on its own timer. */
  renew(): Promise<void>;
  stop(): Promise<void>;
}

const DEFAULT_TTL_SECONDS = 7 * 24 * 3600;
const DEFAULT_RENEW_MARGIN_MS = 3600_000;
/** Gmail advises calling watch again at least every seven days, and daily is its recommendation. */
const GMAIL_RENEW_INTERVAL_MS = 24 * 3600_000;
/** After a failed renewal the next attempt comes this much later. */
const RETRY_AFTER_FAILURE_MS = 5 * 60_000;

/**
 * Start push for one mailbox: a Calendar channel on its events and a Gmail watch on its labels. Each renews itself
 * before it expires: a Calendar channel cannot be extended, so a new one is opened and the old one stopped; Gmail's
 * watch is called again. Until the old channel is stopped, its notifications are accepted too.
 */
export async function watchGoogle(options: GoogleWatchOptions, onChange: (change: GoogleChange) => void): Promise<GoogleWatch> {
  const watcher = new Watcher(options, onChange);
  await watcher.renew();
  return watcher;
}

class Watcher implements GoogleWatch {
  private channels: ChannelInfo[] = [];
  private gmailExpires: number | null = null;
  private gmailRenewed = 0;
  private timer: NodeJS.Timeout | null = null;
  private stopped = false;
  private readonly now: () => number;
  private readonly calendarClient: GoogleClient | null;
  private readonly gmailClient: GoogleClient | null;

  constructor(
    private readonly options: GoogleWatchOptions,
    private readonly onChange: (change: GoogleChange) => void,
  ) {
    this.now = options.now ?? Date.now;
    this.calendarClient = options.calendar ? createGoogleClient(options, 'calendar') : null;
    this.gmailClient = options.gmail ? createGoogleClient(options, 'gmail') : null;
  }

  get calendarChannel(): ChannelInfo | null {
    return this.channels[this.channels.length - 1] ?? null;
  }

  get gmailExpiration(): number | null {
    return this.gmailExpires;
  }

  handleCalendarNotification(headers: HeaderBag): boolean {
    const notification = parseCalendarNotification(headers);
    const expected = this.options.calendar?.token;
    if (notification === null || expected === undefined || !sameSecret(notification.token, expected) || !this.channels.some((channel) => channel.id === notification.channelId)) {
      return false;
    }
    if (notification.state !== 'sync') {
      this.onChange({ userEmail: this.options.userEmail, resource: 'events', historyId: null });
    }
    return true;
  }

  handleGmailPush(body: unknown, token: string | null): boolean {
    const push = parseGmailPush(body);
    const expected = this.options.gmail?.pushToken;
    if (push === null || expected === undefined || !sameSecret(token, expected) || push.emailAddress.toLowerCase() !== this.options.userEmail.toLowerCase()) {
      return false;
    }
    this.onChange({ userEmail: this.options.userEmail, resource: 'messages', historyId: push.historyId });
    return true;
  }

  async renew(): Promise<void> {
    const margin = this.options.renewMarginMs ?? DEFAULT_RENEW_MARGIN_MS;
    let failed = false;
    try {
      const current = this.calendarChannel;
      if (this.calendarClient && (current === null || current.expiration - margin <= this.now())) {
        await this.renewChannel(this.calendarClient, current);
      }
      if (this.gmailClient && (this.gmailExpires === null || this.gmailExpires - margin <= this.now() || this.now() - this.gmailRenewed >= GMAIL_RENEW_INTERVAL_MS)) {
        await this.renewGmail(this.gmailClient);
      }
    } catch (error) {
      failed = true;
      this.logger().warn({ err: error }, 'Google push renewal failed; it is tried again later');
      if (this.calendarChannel === null && this.gmailExpires === null) {
        throw error;
      }
    } finally {
      this.schedule(failed ? RETRY_AFTER_FAILURE_MS : null);
    }
  }

  /**
   * Stop the channel and the Gmail watch, each with one request and no retries: a stop runs while the process shuts
   * down, and a channel or watch left open ends by itself at its expiry.
   */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer !== null) clearTimeout(this.timer);
    const channels = this.channels;
    this.channels = [];
    for (const channel of channels) {
      if (this.calendarClient) await stopChannel(this.calendarClient, channel, true);
    }
    if (this.gmailClient && this.gmailExpires !== null) {
      await this.gmailClient.http.sendOrThrow({ method: 'POST', url: `${this.gmailClient.apiBaseUrl}/gmail/v1/users/me/stop`, idempotent: true, label: 'stop', gmailMethod: 'stop', once: true });
      this.gmailExpires = null;
    }
  }

  private async renewChannel(client: GoogleClient, previous: ChannelInfo | null): Promise<void> {
    const calendar = this.options.calendar as NonNullable<GoogleWatchOptions['calendar']>;
    const eventsPath = `/calendar/v3/calendars/${encodeURIComponent(calendar.calendarId ?? 'primary')}/events`;
    const channel = await openChannel(client, eventsPath, { address: calendar.address, token: calendar.token, ttlSeconds: calendar.ttlSeconds ?? DEFAULT_TTL_SECONDS });
    this.channels.push(channel);
    if (previous !== null) {
      await stopChannel(client, previous);
      this.channels = this.channels.filter((candidate) => candidate.id !== previous.id);
    }
    this.logger().info({ expiration: new Date(channel.expiration).toISOString() }, 'Calendar push channel opened');
  }

  private async renewGmail(client: GoogleClient): Promise<void> {
    const gmail = this.options.gmail as NonNullable<GoogleWatchOptions['gmail']>;
    const { body } = await client.http.sendOrThrow({
      method: 'POST',
      url: `${client.apiBaseUrl}/gmail/v1/users/me/watch`,
      body: { topicName: gmail.topicName, labelIds: [...gmail.labelIds], labelFilterBehavior: 'INCLUDE' },
      idempotent: true,
      label: 'watch',
      gmailMethod: 'watch',
    });
    this.gmailExpires = Number((body as { expiration?: unknown } | null)?.expiration ?? 0);
    this.gmailRenewed = this.now();
    this.logger().info({ expiration: new Date(this.gmailExpires).toISOString() }, 'Gmail watch renewed');
  }

  /** Wake up when the first of the channel and the watch is due for renewal. */
  private schedule(afterMs: number | null): void {
    if (this.stopped) return;
    if (this.timer !== null) clearTimeout(this.timer);
    const margin = this.options.renewMarginMs ?? DEFAULT_RENEW_MARGIN_MS;
    const due = [this.calendarChannel?.expiration, this.gmailExpires, this.gmailExpires === null ? undefined : this.gmailRenewed + GMAIL_RENEW_INTERVAL_MS + margin]
      .filter((value): value is number => typeof value === 'number')
      .map((expiration) => expiration - margin - this.now());
    const delay = afterMs ?? Math.max(1_000, Math.min(...due, GMAIL_RENEW_INTERVAL_MS));
    this.timer = setTimeout(() => void this.renew().catch(() => undefined), delay);
    this.timer.unref();
  }

  private logger() {
    return (this.calendarClient ?? this.gmailClient)?.logger ?? this.options.logger;
  }
}
