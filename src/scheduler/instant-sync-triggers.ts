import type { InstantSyncTrigger, OrgSetting, SynclineConfig } from '../config/resolved-config.ts';
import { orgTables, readStoredOrgEdit } from '../config/settings-edits.ts';
import type { Logger } from '../observability/logger.ts';
import type { ServerRoutes } from '../server/create-server.ts';
import type { SettingsEditStore } from '../store/index.ts';
import { ALL_TRIGGERS } from './instant-sync-watch.ts';

/**
 * Each org's instant-sync triggers as they stand now: the `instantSync` section of the org's settings edit saved in
 * the console, else `instantSync.triggers` of the configuration file. Notifications arrive in bursts, so an org's
 * triggers are read from the store at most once a minute. A save of the org's settings through this server's API
 * clears the cached value at once, and other processes on the same store read the edit within that minute.
 */

export interface OrgTriggers {
  /** The current triggers of the mailbox's org; the file's for a mailbox the configuration does not list. */
  ofMailbox(mailboxId: string): Promise<ReadonlySet<InstantSyncTrigger>>;
  ofOrg(orgId: string): Promise<ReadonlySet<InstantSyncTrigger>>;
  /** The org a configured mailbox belongs to. */
  orgOf(mailboxId: string): string | undefined;
  /** Clear the cached triggers of the org (of every org when none is given), so the next read loads the saved edit. */
  forget(orgId?: string): void;
}

export interface OrgTriggersOptions {
  readonly config: SynclineConfig;
  readonly store: Pick<SettingsEditStore, 'loadSettingsEdit'>;
  readonly logger: Logger;
  /** How long a read stays cached; default one minute. */
  readonly maxAgeMs?: number;
  readonly now?: () => number;
}

interface Cached {
  readonly readAt: number;
  readonly triggers: Promise<ReadonlySet<InstantSyncTrigger>>;
}

const DEFAULT_MAX_AGE_MS = 60_000;

export function createOrgTriggers(options: OrgTriggersOptions): OrgTriggers {
  const maxAgeMs = options.maxAgeMs ?? DEFAULT_MAX_AGE_MS;
  const now = options.now ?? Date.now;
  const logger = options.logger.child({ component: 'instant-sync-triggers' });
  const fileTriggers: ReadonlySet<InstantSyncTrigger> = new Set(options.config.instantSync?.triggers ?? ALL_TRIGGERS);
  const orgs = new Map(options.config.orgs.map((org) => [org.id, org]));
  const orgOfMailbox = new Map(options.config.orgs.flatMap((org) => org.mailboxes.map((mailbox) => [mailbox.id, org.id] as const)));
  const cache = new Map<string, Cached>();

  const read = async (org: OrgSetting): Promise<ReadonlySet<InstantSyncTrigger>> => {
    const row = await options.store.loadSettingsEdit(org.id, null);
    if (row === null) {
      return fileTriggers;
    }
    const stored = readStoredOrgEdit(row.sections);
    const problems = stored.ok ? [] : [...stored.problems];
    if (stored.ok) {
      // Sessions leave out an org edit whose tables no longer resolve against the file, so the triggers do too.
      orgTables(org, stored.edit, problems);
    }
    if (!stored.ok || problems.length > 0) {
      logger.warn({ org: org.id, problems }, "The org's stored settings edit no longer fits the configuration file; instant sync uses instantSync.triggers of the file until the settings are saved again");
      return fileTriggers;
    }
    return stored.edit.instantSync === undefined ? fileTriggers : new Set(stored.edit.instantSync.triggers);
  };

  const ofOrg = (orgId: string): Promise<ReadonlySet<InstantSyncTrigger>> => {
    const org = orgs.get(orgId);
    if (org === undefined) {
      return Promise.resolve(fileTriggers);
    }
    const cached = cache.get(orgId);
    if (cached !== undefined && now() - cached.readAt < maxAgeMs) {
      return cached.triggers;
    }
    const previous = cached?.triggers;
    const triggers: Promise<ReadonlySet<InstantSyncTrigger>> = read(org).catch((error: unknown) => {
      // A failed store read must not stop notifications, so the last known triggers apply until the next read.
      logger.warn({ org: orgId, err: error }, "Could not read the org's instant sync triggers from the store; using the last known ones");
      if (cache.get(orgId)?.triggers === triggers) {
        cache.delete(orgId);
      }
      return previous ?? fileTriggers;
    });
    cache.set(orgId, { readAt: now(), triggers });
    return triggers;
  };

  return {
    ofOrg,
    ofMailbox(mailboxId) {
      const orgId = orgOfMailbox.get(mailboxId);
      return orgId === undefined ? Promise.resolve(fileTriggers) : ofOrg(orgId);
    },
    orgOf: (mailboxId) => orgOfMailbox.get(mailboxId),
    forget(orgId) {
      if (orgId === undefined) {
        cache.clear();
      } else {
        cache.delete(orgId);
      }
    },
  };
}

/** The route that saves the org's settings edit (src/server/routes/org-settings-edits.ts). */
const ORG_SETTINGS_ROUTE = '/api/v1/org/settings';

/**
 * Call `onSaved` with the org after a successful save of an org's settings, so the new triggers take effect at once
 * instead of after the cache time.
 */
export function orgSettingsSavedHook(onSaved: (orgId: string | undefined) => void): ServerRoutes {
  return (app) => {
    app.addHook('onResponse', async (request, reply) => {
      if (request.method !== 'PUT' || request.routeOptions.url !== ORG_SETTINGS_ROUTE || reply.statusCode >= 300) {
        return;
      }
      // The caller is set where the HTTP API is installed; without it, every org is refreshed.
      onSaved(request.caller?.orgId);
    });
  };
}
