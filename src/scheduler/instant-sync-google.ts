import { randomBytes } from 'node:crypto';
import type { OrgSetting } from '../config/resolved-config.ts';
import type { RefreshTokenStore } from '../mailbox/graph/auth/refresh-token-store.ts';
import { googleConnectorOptions, parseGmailPush, watchGoogle, type GoogleWatch, type GoogleWatchOptions } from '../mailbox/google/index.ts';
import { parseCalendarNotification, sameSecret, type HeaderBag } from '../mailbox/google/watch/push-messages.ts';
import { GOOGLE_CALENDAR_WEBHOOK_PATH, GOOGLE_GMAIL_WEBHOOK_PATH, type GooglePushReceiver } from '../server/webhooks/google-push.ts';
import { keepWatches, mailboxesOfKind, requestIfTriggered, type MailboxWatches, type WatchSettings } from './instant-sync-watch.ts';

/**
 * Instant sync for mailboxes of kind `google`: a Calendar push channel per mailbox, and a Gmail watch where the org
 * set a Pub/Sub topic and push token. Both post to the engine's webhooks (src/server/webhooks/google-push.ts), which
 * hand each message to the watch of its mailbox; the watch checks it and requests a session. Channels and watches
 * renew themselves before they expire, and are stopped at shutdown.
 */

export interface GoogleWatchesOptions extends WatchSettings {
  readonly orgs: readonly OrgSetting[];
  /** Store of the refresh tokens that Google owners' sign-ins saved, for mailboxes under user OAuth. */
  readonly refreshTokens?: RefreshTokenStore;
  /** Tests only: channel lifetime, and how long before expiry a channel or watch is renewed. */
  readonly channelTtlSeconds?: number;
  readonly renewMarginMs?: number;
}

export interface GoogleWatches extends GooglePushReceiver {
  /** Open every mailbox's channel and watch, pointed at the webhooks under this base URL. */
  start(webhookBaseUrl: string): MailboxWatches;
}

/** Gmail's system labels for the watched mail resources. */
const LABEL_OF = { inbox: 'INBOX', sentItems: 'SENT' } as const;

export function createGoogleWatches(options: GoogleWatchesOptions): GoogleWatches {
  const logger = options.logger.child({ component: 'instant-sync-google' });
  const open = new Map<string, { readonly address: string; readonly watch: GoogleWatch }>();
  /**
   * Channel tokens of the watches still opening, by mailbox. Calendar posts its `sync` message (and may post a
   * change) before `events.watch` has returned the channel id, so until then the token alone identifies it.
   */
  const opening = new Map<string, string>();

  return {
    handleCalendarNotification(headers: HeaderBag) {
      // Each watch checks the channel id and token in constant time; at most one accepts.
      if ([...open.values()].some(({ watch }) => watch.handleCalendarNotification(headers))) {
        return true;
      }
      const notification = parseCalendarNotification(headers);
      const mailboxId = [...opening.entries()].find(([, token]) => sameSecret(notification?.token ?? null, token))?.[0];
      if (notification === null || mailboxId === undefined) {
        return false;
      }
      if (notification.state !== 'sync') {
        requestIfTriggered({ ...options, logger }, mailboxId, null);
      }
      return true;
    },

    handleGmailPush(body: unknown, token: string | null) {
      const address = parseGmailPush(body)?.emailAddress.toLowerCase();
      const target = [...open.values()].find((candidate) => candidate.address === address);
      return target !== undefined && target.watch.handleGmailPush(body, token);
    },

    start(webhookBaseUrl) {
      const labelIds = (['inbox', 'sentItems'] as const).filter((resource) => options.resources.has(resource)).map((resource) => LABEL_OF[resource]);
      const targets = mailboxesOfKind(options.orgs, 'google').flatMap(({ org, mailbox }) => {
        const google = org.google;
        const gmail = google?.pubsubTopic !== undefined && google.pushToken !== undefined && labelIds.length > 0 ? { topicName: google.pubsubTopic, labelIds, pushToken: google.pushToken } : null;
        const calendar = options.resources.has('events') && acceptsCalendarPush(webhookBaseUrl)
          ? {
              address: `${webhookBaseUrl}${GOOGLE_CALENDAR_WEBHOOK_PATH}`,
              // A channel works only while this process keeps its token, so a restart opens new channels.
              token: randomBytes(32).toString('base64url'),
              ...(options.channelTtlSeconds === undefined ? {} : { ttlSeconds: options.channelTtlSeconds }),
            }
          : null;
        if (google === undefined || (gmail === null && calendar === null)) {
          return [];
        }
        const connect = async () => {
          if (calendar !== null) {
            opening.set(mailbox.id, calendar.token);
          }
          const watchOptions: GoogleWatchOptions = {
            ...googleConnectorOptions(org, mailbox, logger.child({ org: org.id, mailboxId: mailbox.id }), options.refreshTokens === undefined ? {} : { refreshTokens: options.refreshTokens }),
            ...(calendar === null ? {} : { calendar }),
            ...(gmail === null ? {} : { gmail }),
            ...(options.fetch === undefined ? {} : { fetch: options.fetch }),
            ...(options.renewMarginMs === undefined ? {} : { renewMarginMs: options.renewMarginMs }),
          };
          const watch = await watchGoogle(watchOptions, (change) => {
            logger.debug({ mailboxId: mailbox.id, resource: change.resource }, 'Google push names a change');
            // Google names no change type, so any trigger of the org lets the change through.
            requestIfTriggered({ ...options, logger }, mailbox.id, null);
          }).finally(() => opening.delete(mailbox.id));
          open.set(mailbox.id, { address: mailbox.address.toLowerCase(), watch });
          logger.info({ mailboxId: mailbox.id, calendar: calendar !== null, gmail: gmail !== null }, 'Google push started');
          return {
            close: async () => {
              open.delete(mailbox.id);
              await watch.stop();
            },
          };
        };
        return [{ mailboxId: mailbox.id, open: connect }];
      });
      if (options.resources.has('events') && !acceptsCalendarPush(webhookBaseUrl) && mailboxesOfKind(options.orgs, 'google').length > 0) {
        logger.warn({ webhookBaseUrl }, 'Calendar push is off: Google posts only to https addresses, so set server.publicUrl to the https URL of this server');
      }
      if (targets.length > 0) {
        logger.info({ calendarWebhook: `${webhookBaseUrl}${GOOGLE_CALENDAR_WEBHOOK_PATH}`, gmailWebhook: `${webhookBaseUrl}${GOOGLE_GMAIL_WEBHOOK_PATH}` }, 'Google push webhooks');
      }
      return keepWatches(targets, { ...options, logger }, 'Google push');
    },
  };
}

/** Tell whether Calendar can post to this base URL: Google requires https, and the emulator posts to loopback only. */
function acceptsCalendarPush(baseUrl: string): boolean {
  const url = new URL(baseUrl);
  return url.protocol === 'https:' || ['127.0.0.1', '[::1]', 'localhost'].includes(url.hostname);
}
