import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseCalendarNotification, parseGmailPush, watchGoogle, type GoogleChange, type GoogleWatch, type GoogleWatchOptions } from '../src/mailbox/google/index.ts';
import { GoogleWorld, type GoogleUser } from './support/google-world.ts';

/** Calendar channels and Gmail watch with Pub/Sub push, delivered by the emulator to a webhook on loopback. */

const TOPIC = 'projects/syncline-test/topics/gmail-push';
const CHANNEL_TOKEN = 'channel-secret-0123456789';
const PUSH_TOKEN = 'push-secret-0123456789';
const world = new GoogleWorld();
let webhook: Server;
let webhookUrl = '';
/** The watch the webhook hands requests to, found by channel id or mailbox address as a webhook route would. */
let current: GoogleWatch | null = null;
let currentEmail = '';
const answers: { path: string; accepted: boolean }[] = [];

beforeAll(async () => {
  await world.start();
  webhook = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const url = new URL(request.url ?? '/', 'http://127.0.0.1');
      const body: unknown = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}');
      const watch = url.pathname === '/calendar' ? routeCalendar(request.headers) : routeGmail(body);
      const accepted =
        url.pathname === '/calendar' ? (watch?.handleCalendarNotification(request.headers) ?? false) : (watch?.handleGmailPush(body, url.searchParams.get('token')) ?? false);
      answers.push({ path: url.pathname, accepted });
      response.statusCode = accepted ? 200 : 403;
      response.end();
    });
  });
  await new Promise<void>((resolve) => webhook.listen(0, '127.0.0.1', resolve));
  webhookUrl = `http://127.0.0.1:${(webhook.address() as AddressInfo).port}`;
  await world.admin('POST', '/_admin/pubsub', { topicName: TOPIC, pushEndpoint: `${webhookUrl}/gmail?token=${PUSH_TOKEN}` });
});

afterAll(async () => {
  await current?.stop().catch(() => undefined);
  await world.stop();
  await new Promise((resolve) => webhook.close(resolve));
});

function routeCalendar(headers: Record<string, string | string[] | undefined>): GoogleWatch | null {
  const notification = parseCalendarNotification(headers);
  return notification !== null && current?.calendarChannel?.id === notification.channelId ? current : null;
}

function routeGmail(body: unknown): GoogleWatch | null {
  const push = parseGmailPush(body);
  return push !== null && push.emailAddress === currentEmail ? current : null;
}

async function startWatch(user: GoogleUser, changes: GoogleChange[], renewMarginMs?: number): Promise<GoogleWatch> {
  const options: GoogleWatchOptions = {
    ...user.options,
    calendar: { address: `${webhookUrl}/calendar`, token: CHANNEL_TOKEN },
    gmail: { topicName: TOPIC, labelIds: ['INBOX', 'SENT'], pushToken: PUSH_TOKEN },
    ...(renewMarginMs === undefined ? {} : { renewMarginMs }),
  };
  currentEmail = user.email;
  current = await watchGoogle(options, (change) => changes.push(change));
  return current;
}

async function settle(): Promise<void> {
  await world.admin('GET', '/_admin/push');
}

describe('Google push', () => {
  it('calls back for a calendar change, not for the sync message', async () => {
    const user = await world.newUser();
    const changes: GoogleChange[] = [];
    const watch = await startWatch(user, changes);
    await settle();
    expect(changes).toEqual([]);

    await world.api(user, 'POST', '/calendar/v3/calendars/primary/events', { summary: 'New', start: { dateTime: '2026-05-04T10:00:00Z' }, end: { dateTime: '2026-05-04T11:00:00Z' } });
    await settle();
    expect(changes).toEqual([{ userEmail: user.email, resource: 'events', historyId: null }]);
    await watch.stop();
  });

  it('refuses a notification with the wrong token or channel', async () => {
    const user = await world.newUser();
    const changes: GoogleChange[] = [];
    const watch = await startWatch(user, changes);
    const channel = watch.calendarChannel;

    expect(watch.handleCalendarNotification({ 'X-Goog-Channel-ID': channel?.id, 'X-Goog-Channel-Token': 'guess', 'X-Goog-Resource-State': 'exists' })).toBe(false);
    expect(watch.handleCalendarNotification({ 'X-Goog-Channel-ID': 'other-channel', 'X-Goog-Channel-Token': CHANNEL_TOKEN, 'X-Goog-Resource-State': 'exists' })).toBe(false);
    expect(watch.handleCalendarNotification({ 'x-goog-channel-id': channel?.id, 'x-goog-channel-token': CHANNEL_TOKEN, 'x-goog-resource-state': 'exists' })).toBe(true);
    expect(changes).toHaveLength(1);
    await watch.stop();
  });

  it('calls back for new mail with its history id', async () => {
    const user = await world.newUser();
    const changes: GoogleChange[] = [];
    const watch = await startWatch(user, changes);
    const eml = Buffer.from('From: ana@customer.example\r\nTo: someone@example.com\r\nSubject: Renewal\r\nMessage-ID: <renewal-1@customer.example>\r\n\r\nHello\r\n');

    const seeded = await world.admin<{ id: string }>('POST', `/_admin/users/${user.email}/gmail/seed-eml`, { emlBase64: eml.toString('base64'), labelIds: ['INBOX'] });
    await settle();
    const state = await world.admin<{ gmail: { messages: Record<string, { historyId: number }> } }>('GET', `/_admin/users/${user.email}/state`);
    expect(changes).toEqual([{ userEmail: user.email, resource: 'messages', historyId: String(state.gmail.messages[seeded.id]?.historyId) }]);

    const forged = { message: { data: Buffer.from(JSON.stringify({ emailAddress: user.email, historyId: '1' })).toString('base64'), messageId: '1' } };
    expect(watch.handleGmailPush(forged, 'wrong-token')).toBe(false);
    const otherMailbox = { message: { data: Buffer.from(JSON.stringify({ emailAddress: 'other@example.com', historyId: '1' })).toString('base64'), messageId: '2' } };
    expect(watch.handleGmailPush(otherMailbox, PUSH_TOKEN)).toBe(false);
    expect(changes).toHaveLength(1);
    await watch.stop();
  });

  it('stops once when Google is gone', async () => {
    const user = await world.newUser();
    let down = false;
    const stops: string[] = [];
    const waits: number[] = [];
    const options: GoogleWatchOptions = {
      ...user.options,
      calendar: { address: `${webhookUrl}/calendar`, token: CHANNEL_TOKEN },
      gmail: { topicName: TOPIC, labelIds: ['INBOX'], pushToken: PUSH_TOKEN },
      fetch: (input, init) => {
        const url = String(input instanceof Request ? input.url : input);
        if (down && url.includes('/stop')) {
          stops.push(url);
          return Promise.reject(new TypeError('fetch failed'));
        }
        return fetch(input, init);
      },
      sleep: async (ms) => {
        waits.push(ms);
      },
    };
    const watch = await watchGoogle(options, () => undefined);

    // The process shuts down after the API went away: one request per stop, no back-off.
    down = true;
    await expect(watch.stop()).rejects.toThrow();
    expect(stops).toHaveLength(1);
    expect(waits).toEqual([]);
  });

  it('renews the calendar channel', async () => {
    const user = await world.newUser();
    const watch = await startWatch(user, [], 8 * 24 * 3600_000);
    const first = watch.calendarChannel;

    await watch.renew();
    const second = watch.calendarChannel;
    expect(second?.id).not.toBe(first?.id);
    const state = await world.admin<{ calendar: { channels: { id: string }[] }; gmail: { watch: { topicName: string } | null } }>('GET', `/_admin/users/${user.email}/state`);
    expect(state.calendar.channels.map((channel) => channel.id)).toEqual([second?.id]);
    expect(watch.handleCalendarNotification({ 'X-Goog-Channel-ID': first?.id, 'X-Goog-Channel-Token': CHANNEL_TOKEN, 'X-Goog-Resource-State': 'exists' })).toBe(false);

    await watch.stop();
    const stopped = await world.admin<{ calendar: { channels: unknown[] }; gmail: { watch: unknown } }>('GET', `/_admin/users/${user.email}/state`);
    expect(stopped.calendar.channels).toEqual([]);
    expect(stopped.gmail.watch).toBeNull();
  });
});
