import { ConnectorError } from '../../../domain/errors.ts';
import { classifyEwsError } from '../classify-ews-error.ts';
import type { EwsClient } from '../ews-client.ts';
import { parseEwsResponse } from '../soap/response.ts';
import { child, childText, children, type XmlNode } from '../soap/xml-tree.ts';
import { element, textElement } from '../soap/xml-write.ts';

/** Codes that mean the subscription is gone for good: a new one must be made, and events in between may be lost. */
const LOST_CODES = new Set(['ErrorInvalidSubscription', 'ErrorSubscriptionNotFound', 'ErrorExpiredSubscription', 'ErrorSubscriptionDelegateAccessNotSupported']);

/**
 * Hold one GetStreamingEvents connection open and hand each Notification to `onNotification`. Exchange writes one
 * SOAP envelope per batch of events (and one per keep-alive) into the same chunked response, and closes it after
 * `timeoutMinutes` with ConnectionStatus Closed. Returns `closed` then, or `subscriptionLost` when the server no
 * longer has the subscription.
 */
export async function streamEvents(
  client: EwsClient,
  subscriptionId: string,
  timeoutMinutes: number,
  signal: AbortSignal,
  onNotification: (notification: XmlNode) => void,
): Promise<'closed' | 'subscriptionLost'> {
  if (!Number.isInteger(timeoutMinutes) || timeoutMinutes < 1 || timeoutMinutes > 30) {
    throw new Error(`connectionTimeoutMinutes ${timeoutMinutes} is invalid: use a whole number from 1 to 30`);
  }
  const body = element(
    'm:GetStreamingEvents',
    {},
    element('m:SubscriptionIds', {}, textElement('t:SubscriptionId', subscriptionId)),
    textElement('m:ConnectionTimeout', String(timeoutMinutes)),
  );
  const response = await client.openStream(body, signal);
  if (!response.ok || response.body === null) {
    const text = await response.text().catch(() => '');
    const parsed = parseEwsResponse(text);
    const code = parsed.kind === 'fault' ? parsed.fault.responseCode : null;
    throw new ConnectorError(classifyEwsError({ status: response.status, responseCode: code, backOffMs: parsed.kind === 'fault' ? parsed.fault.backOffMs : null }));
  }

  const decoder = new TextDecoder();
  let buffer = '';
  for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
    buffer += decoder.decode(chunk, { stream: true });
    for (let end = envelopeEnd(buffer); end !== -1; end = envelopeEnd(buffer)) {
      const outcome = handleEnvelope(buffer.slice(0, end), onNotification);
      buffer = buffer.slice(end);
      if (outcome !== null) {
        return outcome;
      }
    }
  }
  return 'closed';
}

/** Index just past the first complete envelope in the buffer, or -1. The closing tag may carry any prefix. */
function envelopeEnd(buffer: string): number {
  const match = /<\/(?:[A-Za-z0-9_-]+:)?Envelope\s*>/.exec(buffer);
  return match === null ? -1 : match.index + match[0].length;
}

function handleEnvelope(text: string, onNotification: (notification: XmlNode) => void): 'closed' | 'subscriptionLost' | null {
  const parsed = parseEwsResponse(text.slice(Math.max(0, text.indexOf('<'))));
  if (parsed.kind === 'fault') {
    throw new ConnectorError(classifyEwsError({ status: 500, responseCode: parsed.fault.responseCode, backOffMs: parsed.fault.backOffMs }));
  }
  if (parsed.kind === 'unreadable') {
    throw new ConnectorError({ kind: 'bug', code: 'StreamUnreadable', message: `a GetStreamingEvents envelope could not be read: ${parsed.reason}` });
  }

  for (const message of parsed.messages) {
    if (message.responseClass === 'Error') {
      if (LOST_CODES.has(message.responseCode)) {
        return 'subscriptionLost';
      }
      throw new ConnectorError(classifyEwsError({ status: 200, responseCode: message.responseCode, backOffMs: message.backOffMs }));
    }
    for (const notification of children(child(message.node, 'Notifications'), 'Notification')) {
      onNotification(notification);
    }
    if (childText(message.node, 'ConnectionStatus')?.trim() === 'Closed') {
      return 'closed';
    }
  }
  return null;
}
