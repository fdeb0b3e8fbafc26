import { randomUUID } from 'node:crypto';
import { ConnectorError, isConnectorError } from '../../../domain/errors.ts';
import type { GoogleClient } from '../google-client.ts';

export interface ChannelInfo {
  readonly id: string;
  readonly resourceId: string;
  /** Milliseconds since the epoch. */
  readonly expiration: number;
}

/**
 * Open a Calendar push channel (`events.watch`) to the webhook. Google first posts a `sync` message to the address,
 * then one after each change, each carrying the channel id and the token given here.
 */
export async function openChannel(client: GoogleClient, eventsPath: string, channel: { readonly address: string; readonly token: string; readonly ttlSeconds: number }): Promise<ChannelInfo> {
  const response = await client.http.send({
    method: 'POST',
    url: `${client.apiBaseUrl}${eventsPath}/watch`,
    body: { id: `syncline-${randomUUID()}`, type: 'web_hook', address: channel.address, token: channel.token, params: { ttl: String(channel.ttlSeconds) } },
    // A repeated watch would open a second channel; channels expire, so a failed open is retried at the next renewal.
    idempotent: false,
    label: 'events.watch',
  });
  if (!response.ok && response.status === 400) {
    throw new ConnectorError({
      ...response.failure,
      message: `Calendar refused the push channel (400 ${response.failure.code}). Google posts only to an https address with a certificate it trusts; check the webhook address ${new URL(channel.address).origin}`,
    });
  }
  if (!response.ok) {
    throw new ConnectorError(response.failure);
  }
  const body = (response.body ?? {}) as { id?: unknown; resourceId?: unknown; expiration?: unknown };
  if (typeof body.id !== 'string' || typeof body.resourceId !== 'string') {
    throw new ConnectorError({ kind: 'bug', code: 'UnexpectedChannelBody', message: 'Calendar returned an events.watch response without a channel id or resourceId' });
  }
  return { id: body.id, resourceId: body.resourceId, expiration: Number(body.expiration ?? 0) };
}

/** Stop a channel; a channel Google no longer has counts as stopped. `once` sends the request without retries. */
export async function stopChannel(client: GoogleClient, channel: ChannelInfo, once = false): Promise<void> {
  try {
    await client.http.sendOrThrow({ method: 'POST', url: `${client.apiBaseUrl}/calendar/v3/channels/stop`, body: { id: channel.id, resourceId: channel.resourceId }, idempotent: true, label: 'channels.stop', once });
  } catch (error) {
    if (!isConnectorError(error, 'notFound')) {
      throw error;
    }
  }
}
