import { ConnectorError, type Failure } from '../../../domain/errors.ts';

/** Node socket codes and imapflow codes for a connection that failed or dropped: the next try may well work. */
const NETWORK_CODES = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'ECONNABORTED',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EAI_AGAIN',
  'ENOTFOUND',
  'NoConnection',
  'EConnectionClosed',
  'ClosedAfterConnectText',
  'ClosedAfterConnectTLS',
  'CONNECT_TIMEOUT',
  'GREETING_TIMEOUT',
  'UPGRADE_TIMEOUT',
  'ETIMEOUT',
  'LockTimeout',
  'ETHROTTLE',
  'StateLogout',
]);

/** RFC 5530 response codes that say the server is busy or limiting this client. */
const BUSY_RESPONSE_CODES = new Set(['UNAVAILABLE', 'INUSE', 'LIMIT', 'SERVERBUG']);
const AUTH_RESPONSE_CODES = new Set(['AUTHENTICATIONFAILED', 'AUTHORIZATIONFAILED', 'EXPIRED', 'PRIVACYREQUIRED']);

interface ImapErrorShape {
  readonly code?: unknown;
  readonly authenticationFailed?: unknown;
  readonly serverResponseCode?: unknown;
  readonly responseStatus?: unknown;
  readonly tlsFailed?: unknown;
}

/**
 * Turn an imapflow or socket error into a failure kind, from its codes only. A rejected login suspends the mailbox:
 * a password does not renew itself, so only a person with a new (app) password can fix it.
 */
export function classifyImapError(error: unknown): Failure {
  const shape = (typeof error === 'object' && error !== null ? error : {}) as ImapErrorShape;
  const code = typeof shape.code === 'string' ? shape.code : null;
  const responseCode = typeof shape.serverResponseCode === 'string' ? shape.serverResponseCode.toUpperCase() : null;

  if (shape.authenticationFailed === true || (responseCode !== null && AUTH_RESPONSE_CODES.has(responseCode))) {
    return {
      kind: 'suspend',
      code: responseCode ?? 'AUTHENTICATIONFAILED',
      message: 'the IMAP server rejected the login: check imap.username and the (app) password, then resume the mailbox',
    };
  }
  if (shape.tlsFailed === true && code !== 'STARTTLS_INJECTION') {
    return {
      kind: 'suspend',
      code: 'STARTTLS_REQUIRED',
      message:
        'the IMAP server offers no STARTTLS, so logging in would send the password in clear text: use TLS (imap.secure true, port 993), or set imap.allowPlainLogin to true to accept a clear-text login, then resume the mailbox',
    };
  }
  if (responseCode !== null && BUSY_RESPONSE_CODES.has(responseCode)) {
    return { kind: 'retryLater', code: responseCode, message: `the IMAP server answered ${responseCode}, so the request is repeated later` };
  }
  if (code !== null && NETWORK_CODES.has(code)) {
    return { kind: 'retryLater', code, message: `the IMAP connection failed (${code}), so the request is repeated later` };
  }
  if (responseCode === 'NONEXISTENT') {
    return { kind: 'notFound', code: responseCode, message: 'the IMAP folder no longer exists' };
  }
  if (responseCode === 'OVERQUOTA') {
    return { kind: 'suspend', code: responseCode, message: 'the IMAP mailbox is over its quota: free space in it, then resume the mailbox' };
  }

  const label = responseCode ?? code ?? (typeof shape.responseStatus === 'string' ? shape.responseStatus : 'unknown');
  return { kind: 'bug', code: `IMAP_${label}`, message: `the IMAP server rejected a command that Syncline built (${label}). Report this with the code` };
}

/** Rethrow any error from imapflow as a ConnectorError, keeping the original as its cause. */
export function toConnectorError(error: unknown): ConnectorError {
  if (error instanceof ConnectorError) {
    return error;
  }
  return new ConnectorError(classifyImapError(error), { cause: error });
}
