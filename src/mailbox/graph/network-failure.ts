import type { Failure } from '../../domain/errors.ts';

/** The destination of a request, so that a failure without a response can name what to check. */
export interface RequestTarget {
  /** The URL requested; the message names its origin and path, never its query (delta and skip tokens). */
  readonly url: string;
  /** The service at that URL, e.g. `the token endpoint` or `Microsoft Graph`. */
  readonly service: string;
  /** The org's configuration key that sets this URL, e.g. `graph.authorityUrl`. */
  readonly configKey: string;
}

/** Plain words for the socket and DNS error codes Node reports in `error.cause.code`. */
const CAUSES: Record<string, string> = {
  ECONNREFUSED: 'connection refused: nothing listens on that host and port',
  ENOTFOUND: 'host name not found in DNS',
  EAI_AGAIN: 'DNS lookup failed for now',
  ETIMEDOUT: 'connection timed out',
  UND_ERR_CONNECT_TIMEOUT: 'connection timed out',
  ECONNRESET: 'connection reset by the server or a proxy',
  EHOSTUNREACH: 'host unreachable',
  ENETUNREACH: 'network unreachable',
  UND_ERR_SOCKET: 'the connection closed unexpectedly',
  CERT_HAS_EXPIRED: "the server's TLS certificate has expired",
  DEPTH_ZERO_SELF_SIGNED_CERT: "the server's TLS certificate is self-signed",
  SELF_SIGNED_CERT_IN_CHAIN: "the server's TLS certificate chain is not trusted",
  UNABLE_TO_VERIFY_LEAF_SIGNATURE: "the server's TLS certificate cannot be verified",
  ERR_TLS_CERT_ALTNAME_INVALID: "the server's TLS certificate is for another host name",
};

/**
 * Classify a request that got no HTTP response (connection refused, reset, timeout) as a temporary failure. The
 * message names the URL, the cause and the setting to check, because a wrong URL in the configuration fails the
 * same way.
 */
export function networkFailure(error: unknown, target: RequestTarget): Failure {
  const isTimeout = error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError');
  const code = isTimeout ? 'Timeout' : 'NetworkError';
  const cause = isTimeout ? 'no answer before the timeout' : describeCause(error);
  return {
    kind: 'retryLater',
    code,
    message: `no response from ${target.service} at ${describeUrl(target.url)} (${cause}); check the org's ${target.configKey} and that this server can reach that host. The request is repeated later`,
  };
}

function describeCause(error: unknown): string {
  const code = causeCode(error);
  if (code !== null) {
    const meaning = CAUSES[code];
    return meaning === undefined ? code : `${code}, ${meaning}`;
  }
  return error instanceof Error ? error.name : 'unknown error';
}

// fetch throws `TypeError: fetch failed` with the socket error as `cause`. A connection tried on several
// addresses reports an AggregateError whose `errors` carry the codes.
function causeCode(error: unknown): string | null {
  const candidates = [error, (error as { cause?: unknown } | null)?.cause];
  for (const candidate of candidates) {
    const code = codeOf(candidate) ?? codeOf((candidate as { errors?: unknown[] } | null)?.errors?.[0]);
    if (code !== null) return code;
  }
  return null;
}

function codeOf(value: unknown): string | null {
  const code = (value as { code?: unknown } | null | undefined)?.code;
  return typeof code === 'string' && code !== '' ? code : null;
}

/** Format origin and path only, because the query carries delta and skip tokens. A mailbox address in the path is masked. */
function describeUrl(url: string): string {
  try {
    const parsed = new URL(url);
    return `${parsed.origin}${parsed.pathname.replace(/\/users\/[^/]+/i, '/users/{mailbox}')}`;
  } catch {
    return 'an invalid URL';
  }
}
