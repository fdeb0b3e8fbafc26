import { orgSecretVariable } from '../config/env-secrets.ts';
import type { InstantSyncTrigger, OrgSetting } from '../config/resolved-config.ts';
import { subscribeEws, type EwsChange } from '../mailbox/ews/index.ts';
import type { DistinguishedFolder } from '../mailbox/ews/items/ews-item-xml.ts';
import { keepWatches, mailboxesOfKind, requestIfTriggered, type MailboxWatches, type WatchSettings } from './instant-sync-watch.ts';

/**
 * Instant sync for mailboxes of kind `ews`: one EWS streaming subscription per mailbox (a pull subscription where
 * the server refuses streaming), which reconnects by itself. Each item change of a watched kind requests a session.
 * A lost subscription, whose events in between are gone, always does.
 */

export interface EwsWatchOptions extends WatchSettings {
  readonly orgs: readonly OrgSetting[];
  /** Tests only: minutes one streaming connection stays open, and the pause between GetEvents calls. */
  readonly connectionTimeoutMinutes?: number;
  readonly pollIntervalMs?: number;
}

const TRIGGER_OF: Readonly<Record<EwsChange['changeType'], InstantSyncTrigger>> = {
  created: 'create',
  newMail: 'create',
  updated: 'update',
  moved: 'update',
  deleted: 'delete',
};

export function startEwsWatches(options: EwsWatchOptions): MailboxWatches {
  const logger = options.logger.child({ component: 'instant-sync-ews' });
  const folders = watchedFolders(options);
  const targets = mailboxesOfKind(options.orgs, 'ews').flatMap(({ org, mailbox }) => {
    const ews = org.ews;
    if (ews === undefined || folders.length === 0) {
      return [];
    }
    const onChange = (change: EwsChange): void => {
      // A change without an item follows a lost subscription: what happened meanwhile is unknown, so a session reads the mailbox.
      if (change.itemId === null) {
        options.requestSession(mailbox.id, 'force');
      } else {
        requestIfTriggered({ ...options, logger }, mailbox.id, TRIGGER_OF[change.changeType]);
      }
    };
    const open = () =>
      subscribeEws(
        {
          ewsUrl: ews.url,
          auth: ews.auth,
          passwordVariable: orgSecretVariable(org.id, 'EWS_PASSWORD'),
          mailboxAddress: mailbox.address,
          mailboxTimeZone: mailbox.timeZone,
          maxConcurrency: ews.maxConcurrency,
          logger: logger.child({ org: org.id, mailboxId: mailbox.id }),
          folders,
          ...(options.fetch === undefined ? {} : { fetch: options.fetch }),
          ...(options.connectionTimeoutMinutes === undefined ? {} : { connectionTimeoutMinutes: options.connectionTimeoutMinutes }),
          ...(options.pollIntervalMs === undefined ? {} : { pollIntervalMs: options.pollIntervalMs }),
        },
        onChange,
      ).then((subscription) => {
        logger.info({ mailboxId: mailbox.id, mode: subscription.mode }, 'EWS change subscription started');
        return subscription;
      });
    return [{ mailboxId: mailbox.id, open }];
  });
  return keepWatches(targets, { ...options, logger }, 'EWS change subscription');
}

/** The calendar resource covers the folders of every mirrored kind; mail folders follow their own resources. */
function watchedFolders(options: EwsWatchOptions): DistinguishedFolder[] {
  const folders: DistinguishedFolder[] = [];
  if (options.resources.has('events')) {
    folders.push('calendar', 'tasks', 'contacts');
  }
  if (options.resources.has('inbox')) {
    folders.push('inbox');
  }
  if (options.resources.has('sentItems')) {
    folders.push('sentitems');
  }
  return folders;
}
