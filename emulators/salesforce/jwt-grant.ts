import { createPublicKey, verify } from 'node:crypto';

/** The parts of a connected app the JWT check reads. */
interface JwtClient {
  clientId: string;
  jwtPublicKeyPem?: string;
}

/** An OAuth error body, as the token endpoint returns it with HTTP 400. */
interface JwtRefusal {
  error: string;
  error_description: string;
}

export const JWT_BEARER_GRANT = 'urn:ietf:params:oauth:grant-type:jwt-bearer';

/** Audiences Salesforce documents for the `aud` claim; the emulator also accepts its own URL as the login server. */
const KNOWN_AUDIENCES = ['https://login.salesforce.com', 'https://test.salesforce.com'];
/** Salesforce documents an `exp` within three minutes, and the emulator tolerates a little clock skew. */
const MAX_LIFETIME_SECONDS = 3 * 60 + 30;

const invalidAssertion: JwtRefusal = { error: 'invalid_grant', error_description: 'invalid assertion' };

/**
 * Check a JWT bearer assertion (RFC 7523) as Salesforce does. The checks: an RS256 signature by the certificate
 * registered for the consumer key in `iss`, an `aud` naming the login server, an `exp` in the next three minutes,
 * and a `sub` user who is pre-authorized for the app. Returns the client and username, or the OAuth error.
 */
export function verifyJwtAssertion<C extends JwtClient>(
  assertion: string | undefined,
  clients: readonly C[],
  baseUrl: string,
  isApproved: (client: C, username: string) => boolean,
  now: number = Date.now(),
): { client: C; username: string } | JwtRefusal {
  const parts = (assertion ?? '').split('.');
  const header = decodePart(parts[0]);
  const claims = decodePart(parts[1]);
  if (parts.length !== 3 || header === null || claims === null || header.alg !== 'RS256') return invalidAssertion;

  const client = clients.find((c) => c.clientId === claims.iss);
  if (!client) return { error: 'invalid_client_id', error_description: 'client identifier invalid' };
  if (!client.jwtPublicKeyPem || !signatureHolds(parts, client.jwtPublicKeyPem)) return invalidAssertion;

  const audiences = Array.isArray(claims.aud) ? claims.aud : [claims.aud];
  const accepted = [...KNOWN_AUDIENCES, baseUrl];
  if (!audiences.some((aud) => typeof aud === 'string' && accepted.includes(aud.replace(/\/+$/, '')))) {
    return { error: 'invalid_grant', error_description: 'audience is invalid' };
  }

  if (typeof claims.exp !== 'number') return invalidAssertion;
  const nowSeconds = Math.floor(now / 1000);
  if (claims.exp <= nowSeconds) return { error: 'invalid_grant', error_description: 'expired authorization code' };
  if (claims.exp > nowSeconds + MAX_LIFETIME_SECONDS) return invalidAssertion;

  const username = typeof claims.sub === 'string' ? claims.sub : '';
  if (username === '' || !isApproved(client, username)) {
    return { error: 'invalid_grant', error_description: "user hasn't approved this consumer" };
  }
  return { client, username };
}

function decodePart(part: string | undefined): Record<string, unknown> | null {
  if (!part) return null;
  try {
    const value: unknown = JSON.parse(Buffer.from(part, 'base64url').toString('utf8'));
    return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}

function signatureHolds(parts: string[], publicKeyPem: string): boolean {
  try {
    // A certificate or a bare public key both work: Node reads the public key out of an X.509 PEM.
    const key = createPublicKey(publicKeyPem);
    return verify('sha256', Buffer.from(`${parts[0]}.${parts[1]}`), key, Buffer.from(parts[2] ?? '', 'base64url'));
  } catch {
    return false;
  }
}
