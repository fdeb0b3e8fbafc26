import { GRAPH_CHANGE_TYPES, type GraphChangeType } from './subscriptions.ts';

/**
 * Reading the collections Graph POSTs to a webhook (`{ "value": [ … ] }`). A change notification has `changeType`;
 * a lifecycle notification has `lifecycleEvent` instead; the two never appear together. Only the ids are kept:
 * the session that follows reads the item itself, so nothing in a notification is trusted as data.
 */

export const LIFECYCLE_EVENTS = ['reauthorizationRequired', 'subscriptionRemoved', 'missed'] as const;
export type LifecycleEvent = (typeof LIFECYCLE_EVENTS)[number];

export type GraphNotification =
  | {
      readonly kind: 'change';
      readonly subscriptionId: string;
      readonly clientState: string | null;
      readonly changeType: GraphChangeType;
      /** Id of the changed item (`resourceData.id`), null when Graph left it out. */
      readonly itemId: string | null;
    }
  | {
      readonly kind: 'lifecycle';
      readonly subscriptionId: string;
      readonly clientState: string | null;
      readonly lifecycleEvent: LifecycleEvent;
    };

/** The notifications of one collection; null when the body is not a collection at all. Unknown entries are skipped. */
export function parseNotificationCollection(body: unknown): GraphNotification[] | null {
  if (body === null || typeof body !== 'object' || !Array.isArray((body as { value?: unknown }).value)) {
    return null;
  }

  const notifications: GraphNotification[] = [];
  for (const entry of (body as { value: unknown[] }).value) {
    const notification = parseEntry(entry);
    if (notification) {
      notifications.push(notification);
    }
  }
  return notifications;
}

function parseEntry(entry: unknown): GraphNotification | null {
  if (entry === null || typeof entry !== 'object') {
    return null;
  }

  const record = entry as Record<string, unknown>;
  if (typeof record.subscriptionId !== 'string' || record.subscriptionId === '') {
    return null;
  }
  const subscriptionId = record.subscriptionId;
  const clientState = typeof record.clientState === 'string' ? record.clientState : null;

  if (typeof record.lifecycleEvent === 'string') {
    const lifecycleEvent = LIFECYCLE_EVENTS.find((known) => known === record.lifecycleEvent);
    return lifecycleEvent ? { kind: 'lifecycle', subscriptionId, clientState, lifecycleEvent } : null;
  }

  const changeType = GRAPH_CHANGE_TYPES.find((known) => known === record.changeType);
  if (!changeType) {
    return null;
  }
  const resourceData = record.resourceData as { id?: unknown } | undefined;
  const itemId = typeof resourceData?.id === 'string' ? resourceData.id : null;
  return { kind: 'change', subscriptionId, clientState, changeType, itemId };
}
