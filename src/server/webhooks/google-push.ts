import type { HeaderBag } from '../../mailbox/google/watch/push-messages.ts';
import { parseCalendarNotification, parseGmailPush } from '../../mailbox/google/index.ts';
import type { Logger } from '../../observability/logger.ts';
import type { ServerRoutes } from '../create-server.ts';

/**
 * The webhooks Google calls for the engine's push: Calendar channel notifications (`X-Goog-*` headers, no body) and
 * Gmail changes that a Pub/Sub push subscription forwards (a JSON envelope, with the endpoint's secret in the
 * `token` query parameter). The mailbox's watch checks the channel id and token, or the push token and address,
 * and only requests a session. A request it refuses gets 403, is counted, and is logged without its secrets.
 */
export const GOOGLE_CALENDAR_WEBHOOK_PATH = '/webhooks/google/calendar';
export const GOOGLE_GMAIL_WEBHOOK_PATH = '/webhooks/google/gmail';

/** Receiver of the checked messages: each method returns true when a watch accepted the message. */
export interface GooglePushReceiver {
  handleCalendarNotification(headers: HeaderBag): boolean;
  handleGmailPush(body: unknown, token: string | null): boolean;
}

export interface GooglePushCounters {
  accepted: number;
  rejected: number;
}

export interface GooglePushRouteOptions {
  readonly receiver: GooglePushReceiver;
  readonly logger: Logger;
  /** Filled in as messages arrive; give one to read the counts. */
  readonly counters?: GooglePushCounters;
}

/** Rejected messages are logged at most once per this time, with the count since the last line. */
const REJECTION_LOG_INTERVAL_MS = 60_000;

export function googlePushRoutes(options: GooglePushRouteOptions): ServerRoutes {
  const logger = options.logger.child({ component: 'google-webhook' });
  const counters = options.counters ?? { accepted: 0, rejected: 0 };
  let lastLoggedAt = Number.NEGATIVE_INFINITY;
  let unlogged = 0;
  const reject = (source: 'calendar' | 'gmail', fields: Record<string, unknown>): void => {
    counters.rejected += 1;
    unlogged += 1;
    if (Date.now() - lastLoggedAt >= REJECTION_LOG_INTERVAL_MS) {
      logger.warn({ source, ...fields, rejected: unlogged }, 'Rejected Google push messages: wrong token, or a channel or mailbox the engine does not watch');
      lastLoggedAt = Date.now();
      unlogged = 0;
    }
  };

  return (app) => {
    // Calendar posts `Content-Type: application/json` with an empty body, which the JSON parser rejects. The headers
    // carry the whole notification, so an empty body loses its content type before parsing.
    const emptyBodyHook = async (request: { headers: Record<string, unknown> }): Promise<void> => {
      if (request.headers['content-length'] === '0' && request.headers['transfer-encoding'] === undefined) {
        delete request.headers['content-type'];
      }
    };
    app.post(GOOGLE_CALENDAR_WEBHOOK_PATH, { onRequest: emptyBodyHook }, async (request, reply) => {
      const headers = request.headers as HeaderBag;
      const notification = parseCalendarNotification(headers);
      if (notification === null) {
        return reply.code(400).send({ error: 'expected a Calendar push notification: X-Goog-Channel-ID and X-Goog-Resource-State headers' });
      }
      if (!options.receiver.handleCalendarNotification(headers)) {
        reject('calendar', { channelId: notification.channelId, tokenGiven: notification.token !== null });
        return reply.code(403).send({ error: 'unknown channel or wrong channel token' });
      }
      counters.accepted += 1;
      logger.debug({ channelId: notification.channelId, state: notification.state }, 'Calendar push notification');
      return reply.code(200).send();
    });

    app.post(GOOGLE_GMAIL_WEBHOOK_PATH, async (request, reply) => {
      const push = parseGmailPush(request.body);
      if (push === null) {
        return reply.code(400).send({ error: 'expected a Pub/Sub push message whose data is the base64 JSON {emailAddress, historyId} that Gmail publishes' });
      }
      const query = request.query as Record<string, unknown> | undefined;
      const token = typeof query?.token === 'string' ? query.token : null;
      if (!options.receiver.handleGmailPush(request.body, token)) {
        reject('gmail', { messageId: push.messageId, tokenGiven: token !== null });
        return reply.code(403).send({ error: 'wrong push token, or a mailbox the engine does not watch' });
      }
      counters.accepted += 1;
      logger.debug({ messageId: push.messageId, historyId: push.historyId }, 'Gmail push message');
      // Pub/Sub counts 204 as an acknowledgement and does not deliver the message again.
      return reply.code(204).send();
    });
  };
}
