import { ImapFlow } from 'imapflow';
import type { Logger } from '../../../observability/logger.ts';
import type { ImapServerOptions } from '../connector-options.ts';
import { toConnectorError } from './classify-imap-error.ts';

/** What every IMAP operation of one mailbox shares: how to connect and the running count of commands. */
export interface ImapContext {
  readonly server: ImapServerOptions;
  readonly logger: Logger;
  readonly timeoutMs: number;
  /** False when change detection is limited to UIDs and flags, as on servers without CONDSTORE. */
  readonly useCondstore: boolean;
  readonly keyword: string;
  /** Name of the Salesforce folder, set by `ensureMarkers` or read back from a cursor. */
  salesforceFolderName: string | null;
  /** Category name the Salesforce keyword is reported as; `ensureMarkers` sets it. */
  salesforceCategory: string;
  calls: number;
}

/**
 * Open a connection, run `work` and log out. Each operation gets its own connection, so a dropped one never
 * outlives the operation it failed, and every failure leaves as a ConnectorError.
 */
export async function withImap<T>(ctx: ImapContext, work: (client: ImapFlow) => Promise<T>): Promise<T> {
  const client = new ImapFlow({
    host: ctx.server.host,
    port: ctx.server.port,
    secure: ctx.server.secure,
    doSTARTTLS: startTlsPolicy(ctx.server),
    auth: { user: ctx.server.username, pass: ctx.server.password },
    logger: false,
    qresync: ctx.useCondstore,
    disableAutoIdle: true,
    connectionTimeout: ctx.timeoutMs,
    greetingTimeout: ctx.timeoutMs,
    socketTimeout: ctx.timeoutMs,
  });
  // imapflow reports a dropped socket as an 'error' event too; the failed command carries the same error.
  client.on('error', (error: unknown) => ctx.logger.debug({ err: error }, 'IMAP connection error'));

  try {
    ctx.calls += 1;
    await client.connect();
    const result = await work(client);
    await client.logout().catch(() => undefined);
    return result;
  } catch (error) {
    client.close();
    throw toConnectorError(error);
  }
}

/**
 * STARTTLS policy for imapflow: required (true) on a plain connection to a host that is not a loopback address,
 * unless `allowPlainLogin` states that the password may cross the network in clear text; otherwise upgrade when offered
 * (undefined). A TLS connection needs no policy.
 */
export function startTlsPolicy(server: ImapServerOptions): true | undefined {
  if (server.secure || server.allowPlainLogin === true || isLoopbackHost(server.host)) {
    return undefined;
  }
  return true;
}

/** `localhost`, an address in 127.0.0.0/8, or ::1, with or without brackets. */
export function isLoopbackHost(host: string): boolean {
  const name = host.trim().toLowerCase().replace(/^\[(.*)\]$/, '$1').replace(/\.$/, '');
  return name === 'localhost' || name === '::1' || name === '0:0:0:0:0:0:0:1' || /^127(\.\d{1,3}){3}$/.test(name);
}

/** True when the server offers CONDSTORE and this connection enabled it. */
export function hasCondstore(client: ImapFlow): boolean {
  return client.enabled.has('CONDSTORE') || client.enabled.has('QRESYNC') || client.capabilities.has('CONDSTORE');
}
