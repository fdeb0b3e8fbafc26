import { timingSafeEqual } from 'node:crypto';

/**
 * Reading the two kinds of push message Google sends to the engine's webhook. Both are pure, so the webhook route
 * can find the mailbox a message belongs to before handing it to that mailbox's watch.
 */

export type HeaderBag = Readonly<Record<string, string | readonly string[] | undefined>>;

export interface CalendarNotification {
  readonly channelId: string;
  /** The secret the channel was opened with, echoed by Google; null when the request carries none. */
  readonly token: string | null;
  /** `sync` opens a channel; `exists` and `not_exists` report a change. */
  readonly state: string;
  readonly resourceId: string | null;
  readonly messageNumber: number | null;
}

/** Read a Calendar notification from its `X-Goog-*` headers (names in any case); null when it is not one. */
export function parseCalendarNotification(headers: HeaderBag): CalendarNotification | null {
  const get = (name: string): string | null => {
    const key = Object.keys(headers).find((candidate) => candidate.toLowerCase() === name);
    const value = key === undefined ? undefined : headers[key];
    const text = Array.isArray(value) ? value[0] : value;
    return typeof text === 'string' && text !== '' ? text : null;
  };
  const channelId = get('x-goog-channel-id');
  const state = get('x-goog-resource-state');
  if (channelId === null || state === null) {
    return null;
  }
  const number = Number(get('x-goog-message-number'));
  return { channelId, token: get('x-goog-channel-token'), state, resourceId: get('x-goog-resource-id'), messageNumber: Number.isFinite(number) ? number : null };
}

export interface GmailPush {
  readonly emailAddress: string;
  readonly historyId: string;
  readonly messageId: string | null;
}

/**
 * Read a Gmail change that Pub/Sub pushed: the envelope `{ message: { data, messageId }, subscription }`, whose
 * `data` is base64 JSON `{ emailAddress, historyId }`. Null when the body is not such a message.
 */
export function parseGmailPush(body: unknown): GmailPush | null {
  const message = (body as { message?: { data?: unknown; messageId?: unknown } } | null)?.message;
  if (typeof message?.data !== 'string') {
    return null;
  }
  let data: { emailAddress?: unknown; historyId?: unknown };
  try {
    data = JSON.parse(Buffer.from(message.data, 'base64').toString('utf8')) as typeof data;
  } catch {
    return null;
  }
  if (typeof data.emailAddress !== 'string' || (typeof data.historyId !== 'string' && typeof data.historyId !== 'number')) {
    return null;
  }
  return { emailAddress: data.emailAddress, historyId: String(data.historyId), messageId: typeof message.messageId === 'string' ? message.messageId : null };
}

/** Compare secrets in constant time, so a forged request learns nothing from how long the check took. */
export function sameSecret(given: string | null, expected: string): boolean {
  if (given === null) {
    return false;
  }
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}
