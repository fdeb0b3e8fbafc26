import { ConnectorError, isConnectorError } from '../../../domain/errors.ts';
import { createMailboxShared, createSourceContext } from '../create-ews-client.ts';
import type { EwsClient } from '../ews-client.ts';
import { successMessage } from '../ews-client.ts';
import type { EwsConnectorOptions } from '../ews-options.ts';
import { distinguishedFolderXml, type DistinguishedFolder } from '../items/ews-item-xml.ts';
import { child, childText } from '../soap/xml-tree.ts';
import { element, textElement } from '../soap/xml-write.ts';
import { EVENT_TYPES, readNotification, type EwsChange } from './notification-events.ts';
import { streamEvents } from './streaming-connection.ts';

export type { EwsChange } from './notification-events.ts';

export interface EwsSubscriptionOptions extends EwsConnectorOptions {
  /** Folders to watch; default calendar, tasks, contacts, inbox and Sent Items. */
  readonly folders?: readonly DistinguishedFolder[];
  /** Minutes one GetStreamingEvents connection stays open, 1 to 30 (the EWS range); default 30. */
  readonly connectionTimeoutMinutes?: number;
  /** Pause between GetEvents calls of a pull subscription; default 60 s. */
  readonly pollIntervalMs?: number;
  /** `pull` skips streaming, for servers or proxies that cut long-lived responses. */
  readonly mode?: 'streaming' | 'pull';
}

export interface EwsSubscription {
  /** `pull` when the server refused streaming and the subscription fell back to polling GetEvents. */
  readonly mode: 'streaming' | 'pull';
  close(): Promise<void>;
}

const DEFAULT_FOLDERS: readonly DistinguishedFolder[] = ['calendar', 'tasks', 'contacts', 'inbox', 'sentitems'];
/** Minutes a pull subscription lives without a GetEvents call, 1 to 1440. */
const PULL_TIMEOUT_MINUTES = 30;
/** Pause before a streaming connection is opened again after a failure. */
const RECONNECT_DELAY_MS = 5_000;

/**
 * Watch the mailbox's folders and call `onChange` for every item change. A streaming subscription is tried first
 * (Subscribe with StreamingSubscriptionRequest, then GetStreamingEvents, opened again whenever the server closes
 * it); when the server refuses streaming, a pull subscription is polled with GetEvents from the last watermark. A
 * lost subscription is made anew, and `onChange` is called with `folder: 'other'` so a session runs and catches
 * what was missed.
 */
export async function subscribeEws(options: EwsSubscriptionOptions, onChange: (change: EwsChange) => void): Promise<EwsSubscription> {
  const ctx = createSourceContext(options, 'notifications', createMailboxShared(options));
  const folders = options.folders ?? DEFAULT_FOLDERS;
  const folderNames = await folderIds(ctx.client, folders);
  const stop = new AbortController();
  const watcher: Watcher = { client: ctx.client, options, folders, folderNames, onChange, signal: stop.signal, watermark: null };

  const mode = options.mode === 'pull' ? 'pull' : await tryStreaming(watcher);
  const running = mode === 'streaming' ? runStreaming(watcher) : runPull(watcher);
  return {
    mode,
    close: async () => {
      stop.abort();
      await running.catch(() => undefined);
    },
  };
}

interface Watcher {
  readonly client: EwsClient;
  readonly options: EwsSubscriptionOptions;
  readonly folders: readonly DistinguishedFolder[];
  readonly folderNames: ReadonlyMap<string, string>;
  readonly onChange: (change: EwsChange) => void;
  readonly signal: AbortSignal;
  watermark: string | null;
  subscriptionId?: string;
}

/** Subscribe for streaming; `pull` when the server refuses it (an older server, or streaming turned off). */
async function tryStreaming(watcher: Watcher): Promise<'streaming' | 'pull'> {
  try {
    watcher.subscriptionId = await subscribe(watcher, 'StreamingSubscriptionRequest');
    return 'streaming';
  } catch (error) {
    if (isConnectorError(error, 'bug') || isConnectorError(error, 'itemError')) {
      watcher.client.logger.warn({ code: error.failure.code }, 'EWS streaming subscription rejected, so a pull subscription is polled instead');
      return 'pull';
    }
    throw error;
  }
}

async function runStreaming(watcher: Watcher): Promise<void> {
  const timeout = watcher.options.connectionTimeoutMinutes ?? 30;
  // Set when a failure dropped the subscription, because the events it still queued are lost with it.
  let missedEvents = false;
  while (!watcher.signal.aborted) {
    try {
      if (watcher.subscriptionId === undefined) {
        watcher.subscriptionId = await subscribe(watcher, 'StreamingSubscriptionRequest');
        if (missedEvents) {
          missedEvents = false;
          watcher.onChange({ folder: 'other', changeType: 'updated', itemId: null });
        }
      }
      const outcome = await streamEvents(watcher.client, watcher.subscriptionId, timeout, watcher.signal, (notification) => deliver(watcher, notification));
      if (outcome === 'subscriptionLost') {
        watcher.subscriptionId = undefined;
        watcher.onChange({ folder: 'other', changeType: 'updated', itemId: null });
      }
    } catch (error) {
      if (watcher.signal.aborted) {
        return;
      }
      watcher.client.logger.warn({ err: error }, 'EWS streaming connection failed, so a new subscription is made');
      watcher.subscriptionId = undefined;
      missedEvents = true;
      await pauseFor(RECONNECT_DELAY_MS, watcher.signal);
    }
  }
}

async function runPull(watcher: Watcher): Promise<void> {
  const interval = watcher.options.pollIntervalMs ?? 60_000;
  while (!watcher.signal.aborted) {
    try {
      watcher.subscriptionId ??= await subscribe(watcher, 'PullSubscriptionRequest');
      await getEvents(watcher);
    } catch (error) {
      if (watcher.signal.aborted) {
        return;
      }
      const lost = isConnectorError(error) && ['ErrorInvalidSubscription', 'ErrorSubscriptionNotFound', 'ErrorExpiredSubscription', 'ErrorInvalidWatermark'].includes(error.failure.code);
      watcher.client.logger.warn({ err: error }, lost ? 'EWS pull subscription lost; subscribing again' : 'EWS GetEvents failed; trying again');
      watcher.subscriptionId = undefined;
      if (lost) {
        watcher.watermark = null;
        watcher.onChange({ folder: 'other', changeType: 'updated', itemId: null });
      }
    }
    await pauseFor(interval, watcher.signal);
  }
}

async function subscribe(watcher: Watcher, request: 'StreamingSubscriptionRequest' | 'PullSubscriptionRequest'): Promise<string> {
  const pull = request === 'PullSubscriptionRequest';
  const body = element(
    'm:Subscribe',
    {},
    element(
      `m:${request}`,
      {},
      element('t:FolderIds', {}, ...watcher.folders.map((folder) => distinguishedFolderXml(folder))),
      element('t:EventTypes', {}, ...EVENT_TYPES.map((type) => textElement('t:EventType', type))),
      pull && watcher.watermark !== null ? textElement('t:Watermark', watcher.watermark) : '',
      pull ? textElement('t:Timeout', String(PULL_TIMEOUT_MINUTES)) : '',
    ),
  );
  const reply = await watcher.client.call({ body, idempotent: true, label: 'Subscribe' });
  const message = successMessage(reply.messages[0], 'Subscribe');

  const id = childText(message.node, 'SubscriptionId')?.trim();
  if (!id) {
    throw new ConnectorError({ kind: 'bug', code: 'SubscriptionIdMissing', message: 'Exchange returned a Subscribe response without a SubscriptionId. Report this with the operation name' });
  }
  watcher.watermark = childText(message.node, 'Watermark')?.trim() || watcher.watermark;
  return id;
}

/** Poll GetEvents until the server has no more events; each response moves the watermark on. */
async function getEvents(watcher: Watcher): Promise<void> {
  for (let more = true; more && !watcher.signal.aborted; ) {
    const body = element('m:GetEvents', {}, textElement('m:SubscriptionId', watcher.subscriptionId ?? ''), textElement('m:Watermark', watcher.watermark ?? ''));
    const reply = await watcher.client.call({ body, idempotent: true, label: 'GetEvents' });
    const message = successMessage(reply.messages[0], 'GetEvents');
    const notification = child(message.node, 'Notification');
    if (notification !== null) {
      deliver(watcher, notification);
      more = childText(notification, 'MoreEvents')?.trim() === 'true';
    } else {
      more = false;
    }
  }
}

function deliver(watcher: Watcher, notification: Parameters<typeof readNotification>[0]): void {
  const { changes, watermark } = readNotification(notification, watcher.folderNames);
  watcher.watermark = watermark ?? watcher.watermark;
  for (const change of changes) {
    watcher.onChange(change);
  }
}

/** Folder id to well-known name, so a notification names the watched folder it is about. */
async function folderIds(client: EwsClient, folders: readonly DistinguishedFolder[]): Promise<Map<string, string>> {
  const body = element('m:GetFolder', {}, element('m:FolderShape', {}, '<t:BaseShape>IdOnly</t:BaseShape>'), element('m:FolderIds', {}, ...folders.map((folder) => distinguishedFolderXml(folder))));
  const reply = await client.call({ body, idempotent: true, label: 'GetFolder' });
  const names = new Map<string, string>();
  reply.messages.forEach((message, index) => {
    // The folder element is Folder, CalendarFolder, ContactsFolder or TasksFolder by the folder's kind.
    const id = child(child(message.node, 'Folders')?.children[0], 'FolderId')?.attributes.Id;
    const name = folders[index];
    if (id !== undefined && name !== undefined) {
      names.set(id, name);
    }
  });
  return names;
}

function pauseFor(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal.addEventListener('abort', () => {
      clearTimeout(timer);
      resolve();
    }, { once: true });
  });
}
