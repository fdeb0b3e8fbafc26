import type { ChannelRecord, UserState } from './state.ts';

/**
 * Push notifications as Google sends them:
 * - Calendar: a POST with an empty body and `X-Goog-*` headers to each watch channel's address, first a `sync`
 *   message when the channel opens, then `exists` after every change of the calendar.
 * - Gmail: Gmail publishes `{ emailAddress, historyId }` to the watch's Pub/Sub topic, and Pub/Sub POSTs it to the
 *   push subscription's endpoint in its JSON envelope. The emulator takes the place of Pub/Sub: `/_admin/pubsub` maps a
 *   topic to the push endpoint.
 * Deliveries go to loopback addresses only, so the emulator never reaches another machine.
 */

export interface DeliveryRecord {
  readonly kind: 'calendar' | 'gmail';
  readonly url: string;
  readonly status: number | null;
  readonly error: string | null;
}

const DELIVERY_TIMEOUT_MS = 10_000;
const LOOPBACK_HOSTS = new Set(['127.0.0.1', '[::1]', 'localhost']);

export function isLoopbackUrl(url: string): boolean {
  try {
    const parsed = new URL(url);
    return (parsed.protocol === 'http:' || parsed.protocol === 'https:') && LOOPBACK_HOSTS.has(parsed.hostname.toLowerCase());
  } catch {
    return false;
  }
}

export class PushDelivery {
  readonly pubsubEndpoints = new Map<string, string>();
  readonly log: DeliveryRecord[] = [];
  private pubsubMessageNumber = 0;
  private inFlight = new Set<Promise<void>>();

  /** Post a Calendar notification to every live channel of the user. */
  calendarChanged(user: UserState, state: 'sync' | 'exists' = 'exists', only?: ChannelRecord): void {
    const now = Date.now();
    user.calendar.channels = user.calendar.channels.filter((channel) => channel.expiration > now);
    for (const channel of only ? [only] : user.calendar.channels) {
      channel.messageNumber += 1;
      const headers: Record<string, string> = {
        'X-Goog-Channel-ID': channel.id,
        'X-Goog-Channel-Expiration': new Date(channel.expiration).toUTCString(),
        'X-Goog-Message-Number': String(channel.messageNumber),
        'X-Goog-Resource-ID': channel.resourceId,
        'X-Goog-Resource-State': state,
        'X-Goog-Resource-URI': `https://www.googleapis.com/calendar/v3/calendars/${encodeURIComponent(user.email)}/events?alt=json`,
      };
      if (channel.token !== null) {
        headers['X-Goog-Channel-Token'] = channel.token;
      }
      this.post('calendar', channel.address, headers, undefined);
    }
  }

  /** Publish a Gmail change to the watch's topic when the change touches a watched label. */
  gmailChanged(user: UserState, historyId: number, labelIds: readonly string[]): void {
    const watch = user.gmail.watch;
    if (!watch || watch.expiration <= Date.now()) {
      return;
    }
    const matches = watch.labelIds.length === 0 || labelIds.some((label) => watch.labelIds.includes(label));
    if (watch.labelFilterBehavior === 'include' ? !matches : matches && watch.labelIds.length > 0) {
      return;
    }

    const endpoint = this.pubsubEndpoints.get(watch.topicName);
    if (endpoint === undefined) {
      return;
    }
    this.pubsubMessageNumber += 1;
    const published = new Date().toISOString();
    const messageId = String(this.pubsubMessageNumber);
    const data = Buffer.from(JSON.stringify({ emailAddress: user.email, historyId })).toString('base64');
    const subscription = `${watch.topicName.replace('/topics/', '/subscriptions/')}-push`;
    const envelope = {
      message: { data, attributes: {}, messageId, message_id: messageId, publishTime: published, publish_time: published },
      subscription,
    };
    this.post('gmail', endpoint, { 'Content-Type': 'application/json' }, JSON.stringify(envelope));
  }

  /** Wait for the deliveries started so far; tests call it before they look at what arrived. */
  async settle(): Promise<void> {
    while (this.inFlight.size > 0) {
      await Promise.all([...this.inFlight]);
    }
  }

  private post(kind: DeliveryRecord['kind'], url: string, headers: Record<string, string>, body: string | undefined): void {
    if (!isLoopbackUrl(url)) {
      this.log.push({ kind, url, status: null, error: 'not a loopback address; the emulator delivers to this machine only' });
      return;
    }

    const delivery = fetch(url, { method: 'POST', headers, body, signal: AbortSignal.timeout(DELIVERY_TIMEOUT_MS) })
      .then(async (response) => {
        await response.arrayBuffer().catch(() => undefined);
        this.log.push({ kind, url, status: response.status, error: null });
      })
      .catch((error: unknown) => {
        this.log.push({ kind, url, status: null, error: error instanceof Error ? error.message : String(error) });
      })
      .finally(() => this.inFlight.delete(delivery));
    this.inFlight.add(delivery);
  }
}
