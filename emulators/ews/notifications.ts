import { randomBytes } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import { envelope, failure, operationResponse, success } from './soap-reply.ts';
import type { ChangeType, EwsStore, ItemRecord } from './store.ts';
import { tag, textTag } from './xml.ts';

interface QueuedEvent {
  readonly watermark: string;
  readonly type: ChangeType;
  readonly timeStamp: string;
  readonly itemId: string;
  readonly changeKey: string;
  readonly folderId: string;
}

interface Subscription {
  readonly id: string;
  readonly userId: string;
  readonly folderIds: ReadonlySet<string>;
  readonly eventTypes: ReadonlySet<string>;
  readonly streaming: boolean;
  queue: QueuedEvent[];
  lastWatermark: string;
}

interface Stream {
  readonly subscriptionIds: readonly string[];
  readonly response: ServerResponse;
  readonly timer: NodeJS.Timeout;
}

/** Streaming and pull subscriptions: item events queued per subscription, pushed to open streams or handed out by GetEvents. */
export class NotificationHub {
  private readonly subscriptions = new Map<string, Subscription>();
  private streams: Stream[] = [];

  constructor(store: EwsStore) {
    store.listener = (item, folderId, type) => this.publish(item, folderId, type);
  }

  subscribe(userId: string, folderIds: ReadonlySet<string>, eventTypes: ReadonlySet<string>, streaming: boolean): Subscription {
    const subscription: Subscription = { id: randomBytes(24).toString('base64'), userId, folderIds, eventTypes, streaming, queue: [], lastWatermark: newWatermark() };
    this.subscriptions.set(subscription.id, subscription);
    return subscription;
  }

  get(id: string): Subscription | undefined {
    return this.subscriptions.get(id.trim());
  }

  unsubscribe(id: string): boolean {
    return this.subscriptions.delete(id.trim());
  }

  dropAll(): void {
    this.subscriptions.clear();
  }

  /** Take the queued events of a pull subscription. */
  drain(subscription: Subscription): QueuedEvent[] {
    const events = subscription.queue;
    subscription.queue = [];
    return events;
  }

  /** Hold `response` open, writing one envelope per batch of events, until `timeoutMs` or `closeAll`. */
  openStream(subscriptionIds: readonly string[], response: ServerResponse, timeoutMs: number): void {
    response.writeHead(200, { 'Content-Type': 'text/xml; charset=utf-8', 'Transfer-Encoding': 'chunked' });
    const timer = setTimeout(() => this.close(stream), timeoutMs);
    const stream: Stream = { subscriptionIds, response, timer };
    this.streams.push(stream);
    response.on('close', () => {
      clearTimeout(timer);
      this.streams = this.streams.filter((open) => open !== stream);
    });
    this.flush(stream);
  }

  closeAll(): void {
    for (const stream of [...this.streams]) this.close(stream);
  }

  private close(stream: Stream): void {
    clearTimeout(stream.timer);
    this.streams = this.streams.filter((open) => open !== stream);
    const closed = success('GetStreamingEvents', textTag('m:ConnectionStatus', 'Closed'));
    stream.response.end(envelope(operationResponse('GetStreamingEvents', [closed])));
  }

  private publish(item: ItemRecord, folderId: string, type: ChangeType): void {
    for (const subscription of this.subscriptions.values()) {
      if (subscription.userId !== item.userId || !subscription.folderIds.has(folderId) || !subscription.eventTypes.has(type)) continue;
      const event: QueuedEvent = { watermark: newWatermark(), type, timeStamp: new Date().toISOString(), itemId: item.id, changeKey: item.changeKey, folderId };
      subscription.queue.push(event);
      subscription.lastWatermark = event.watermark;
    }
    for (const stream of this.streams) this.flush(stream);
  }

  private flush(stream: Stream): void {
    const notifications = stream.subscriptionIds.flatMap((id) => {
      const subscription = this.subscriptions.get(id);
      if (subscription === undefined || subscription.queue.length === 0) return [];
      return [notificationXml(subscription, this.drain(subscription))];
    });
    if (notifications.length === 0) return;
    const message = success('GetStreamingEvents', tag('m:Notifications', {}, ...notifications), textTag('m:ConnectionStatus', 'OK'));
    stream.response.write(envelope(operationResponse('GetStreamingEvents', [message])));
  }
}

/** A `m:Notification` with its events, as GetEvents and GetStreamingEvents return it. */
export function notificationXml(subscription: Subscription, events: readonly QueuedEvent[], previousWatermark?: string): string {
  const body = events.map((event) =>
    tag(
      `t:${event.type}`,
      {},
      textTag('t:Watermark', event.watermark),
      textTag('t:TimeStamp', event.timeStamp),
      tag('t:ItemId', { Id: event.itemId, ChangeKey: event.changeKey }),
      tag('t:ParentFolderId', { Id: event.folderId, ChangeKey: 'AQAAAA==' }),
    ),
  );
  const status = events.length === 0 ? [tag('t:StatusEvent', {}, textTag('t:Watermark', subscription.lastWatermark))] : [];
  return tag(
    'm:Notification',
    {},
    textTag('t:SubscriptionId', subscription.id),
    previousWatermark === undefined ? '' : textTag('t:PreviousWatermark', previousWatermark),
    subscription.streaming ? '' : textTag('t:MoreEvents', 'false'),
    ...body,
    ...status,
  );
}

export function invalidSubscription(operation: string): string {
  return operationResponse(operation, [failure(operation, 'ErrorInvalidSubscription', 'The subscription is invalid.', { content: operation === 'GetStreamingEvents' ? textTag('m:ConnectionStatus', 'Closed') : '' })]);
}

function newWatermark(): string {
  return randomBytes(24).toString('base64');
}
