import type { InstantSyncTrigger, MailboxSetting, OrgSetting, SynclineConfig, WatchedResource } from '../config/resolved-config.ts';
import type { SessionTrigger } from '../domain/mailbox-state.ts';
import type { Logger } from '../observability/logger.ts';

/**
 * The part that the watchers of EWS, IMAP and Google mailboxes share. Each mailbox's watch is opened in the background
 * and opened again after a failure, with growing waits, until instant sync stops. A watch only requests a session from
 * the scheduler, and the session reads the changes itself.
 */

/** The watches of one connector kind, for every mailbox of that kind. */
export interface MailboxWatches {
  /** Promise that resolves once every watch has been tried once. A failed watch is logged and tried again later. */
  readonly ready: Promise<void>;
  /** Close every watch and stop the retries. */
  stop(): Promise<void>;
}

/** An open watch of one mailbox. */
export interface OpenWatch {
  close(): Promise<void>;
}

export interface WatchSettings {
  /** The current instant-sync triggers of the mailbox's org, read when a change arrives. */
  readonly triggersOf: (mailboxId: string) => Promise<ReadonlySet<InstantSyncTrigger>>;
  readonly resources: ReadonlySet<WatchedResource>;
  readonly requestSession: (mailboxId: string, trigger: SessionTrigger) => void;
  readonly logger: Logger;
  readonly fetch?: typeof fetch;
  /** Waits before a failed watch is opened again, in milliseconds; the last repeats. */
  readonly retryDelaysMs?: readonly number[];
}

export const ALL_TRIGGERS: readonly InstantSyncTrigger[] = ['create', 'update', 'delete'];
export const ALL_RESOURCES: readonly WatchedResource[] = ['events', 'inbox', 'sentItems'];
const DEFAULT_RETRY_DELAYS_MS = [5_000, 30_000, 120_000, 600_000];
/** How long stopping waits for watches that are still opening, and again for those closing. */
const STOP_WAIT_MS = 2_000;

/** Return the triggers and watched resources of the configuration, with the defaults. */
export function watchScope(config: SynclineConfig): { triggers: ReadonlySet<InstantSyncTrigger>; resources: ReadonlySet<WatchedResource> } {
  return { triggers: new Set(config.instantSync?.triggers ?? ALL_TRIGGERS), resources: new Set(config.instantSync?.resources ?? ALL_RESOURCES) };
}

/**
 * Request a session for a change of the mailbox when its org has the change's trigger among its triggers now. A change
 * of unknown kind (`null`, as Google push sends) passes when the org has any trigger.
 */
export function requestIfTriggered(settings: Pick<WatchSettings, 'triggersOf' | 'requestSession' | 'logger'>, mailboxId: string, trigger: InstantSyncTrigger | null): void {
  settings.triggersOf(mailboxId).then(
    (triggers) => {
      if (trigger === null ? triggers.size > 0 : triggers.has(trigger)) {
        settings.requestSession(mailboxId, 'notification');
      }
    },
    (error: unknown) => settings.logger.warn({ mailboxId, err: error }, 'A mailbox change was not checked against the instant sync triggers; the scheduled session reads it'),
  );
}

/** List every configured mailbox of one kind, with its org. */
export function mailboxesOfKind(orgs: readonly OrgSetting[], kind: NonNullable<MailboxSetting['kind']>): { org: OrgSetting; mailbox: MailboxSetting }[] {
  return orgs.flatMap((org) => org.mailboxes.filter((mailbox) => (mailbox.kind ?? 'graph') === kind).map((mailbox) => ({ org, mailbox })));
}

/**
 * Keep one watch per mailbox open: `open` is called for each, and again after a failure (after the next retry
 * delay) until it succeeds. A watch that recovers from dropped connections itself is not opened again.
 */
export function keepWatches(
  targets: readonly { readonly mailboxId: string; readonly open: () => Promise<OpenWatch> }[],
  settings: Pick<WatchSettings, 'logger' | 'retryDelaysMs'>,
  watchName: string,
): MailboxWatches {
  const delays = settings.retryDelaysMs ?? DEFAULT_RETRY_DELAYS_MS;
  const open = new Map<string, OpenWatch>();
  const timers = new Set<NodeJS.Timeout>();
  const attempts = new Set<Promise<void>>();
  let stopped = false;

  const attempt = async (mailboxId: string, connect: () => Promise<OpenWatch>, failures: number): Promise<void> => {
    if (stopped) {
      return;
    }
    try {
      const watch = await connect();
      if (stopped) {
        await watch.close();
        return;
      }
      open.set(mailboxId, watch);
    } catch (error) {
      if (stopped) {
        return;
      }
      const delayMs = delays[Math.min(failures, delays.length - 1)] ?? 600_000;
      settings.logger.warn({ mailboxId, err: error, retryInMs: delayMs }, `${watchName} could not start; the mailbox keeps its scheduled sessions and the watch is tried again`);
      const timer = setTimeout(() => {
        timers.delete(timer);
        track(attempt(mailboxId, connect, failures + 1));
      }, delayMs);
      timer.unref();
      timers.add(timer);
    }
  };

  const track = (running: Promise<void>): Promise<void> => {
    attempts.add(running);
    void running.finally(() => attempts.delete(running));
    return running;
  };

  const ready = Promise.all(targets.map((target) => track(attempt(target.mailboxId, target.open, 0)))).then(() => undefined);

  return {
    ready,
    async stop() {
      stopped = true;
      timers.forEach(clearTimeout);
      timers.clear();
      // A watch still opening (a slow server) closes itself when it opens; a shutdown does not wait for it long.
      await Promise.race([Promise.all([...attempts]), pause(STOP_WAIT_MS)]);
      const closing = [...open.entries()].map(([mailboxId, watch]) =>
        watch.close().catch((error: unknown) => settings.logger.warn({ mailboxId, err: error }, `${watchName} did not close cleanly`)),
      );
      open.clear();
      // Closing may call the server (Google stops its channels); a shutdown does not wait for a slow one long.
      await Promise.race([Promise.all(closing), pause(STOP_WAIT_MS)]);
    },
  };
}

function pause(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}
