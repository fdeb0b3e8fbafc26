import type { ServerResponse } from 'node:http';
import { resolveFolder, type OperationContext } from './context.ts';
import { invalidSubscription, notificationXml } from './notifications.ts';
import { failure, operationResponse, RequestFault, success } from './soap-reply.ts';
import { child, children, textOf, textTag } from './xml.ts';

/** Subscribe with a StreamingSubscriptionRequest or a PullSubscriptionRequest. */
export function subscribe(ctx: OperationContext): string {
  const streaming = child(ctx.operation, 'StreamingSubscriptionRequest');
  const request = streaming ?? child(ctx.operation, 'PullSubscriptionRequest');
  if (request === null) {
    return operationResponse('Subscribe', [failure('Subscribe', 'ErrorInvalidSubscriptionRequest', 'This emulator serves streaming and pull subscriptions only.')]);
  }

  const folderIds = new Set((child(request, 'FolderIds')?.children ?? []).map((id) => resolveFolder(ctx, { name: 'FolderIds', attributes: {}, text: '', children: [id] }).id));
  const eventTypes = new Set(children(child(request, 'EventTypes'), 'EventType').map((type) => type.text.trim()));
  const subscription = ctx.services.hub.subscribe(ctx.user.id, folderIds, eventTypes, streaming !== null);
  const watermark = streaming === null ? textTag('m:Watermark', subscription.lastWatermark) : '';
  return operationResponse('Subscribe', [success('Subscribe', textTag('m:SubscriptionId', subscription.id), watermark)]);
}

export function getEvents(ctx: OperationContext): string {
  const subscription = ctx.services.hub.get(textOf(ctx.operation, 'SubscriptionId') ?? '');
  if (subscription === undefined || subscription.streaming) {
    return invalidSubscription('GetEvents');
  }
  const previous = textOf(ctx.operation, 'Watermark') ?? subscription.lastWatermark;
  const events = ctx.services.hub.drain(subscription);
  return operationResponse('GetEvents', [success('GetEvents', notificationXml(subscription, events, previous))]);
}

export function unsubscribe(ctx: OperationContext): string {
  const removed = ctx.services.hub.unsubscribe(textOf(ctx.operation, 'SubscriptionId') ?? '');
  return removed ? operationResponse('Unsubscribe', [success('Unsubscribe')]) : invalidSubscription('Unsubscribe');
}

/**
 * GetStreamingEvents: responds at once for an unknown subscription, and otherwise keeps the response open for ConnectionTimeout
 * minutes (1 to 30) times the emulator's `streamMinuteMs`, writing events as they happen. Returns null when it took
 * over the response.
 */
export function getStreamingEvents(ctx: OperationContext, response: ServerResponse, minuteMs: number): string | null {
  const ids = children(child(ctx.operation, 'SubscriptionIds'), 'SubscriptionId').map((id) => id.text.trim());
  const minutes = Number(textOf(ctx.operation, 'ConnectionTimeout') ?? '30');
  if (!Number.isInteger(minutes) || minutes < 1 || minutes > 30) {
    throw new RequestFault('ErrorInvalidArgument', 'ConnectionTimeout must be from 1 to 30 minutes.');
  }
  if (ids.length === 0 || ids.some((id) => ctx.services.hub.get(id)?.streaming !== true)) {
    return invalidSubscription('GetStreamingEvents');
  }
  ctx.services.hub.openStream(ids, response, minutes * minuteMs);
  return null;
}
