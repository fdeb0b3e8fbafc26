import { createHmac, randomUUID, timingSafeEqual } from 'node:crypto';

/**
 * Access tokens shaped like Azure AD's v1 app-only JWTs for Graph, signed with HS256 under the emulator's
 * own secret (kept in the state file, so tokens outlive a restart as real ones outlive a Graph outage).
 * Clients must treat them as opaque. The emulator checks signature, expiry and the expire-all cut-off.
 */
const GRAPH_AUDIENCE = 'https://graph.microsoft.com';
export const DEFAULT_TOKEN_LIFETIME_SECONDS = 3599;

interface Claims {
  aud: string;
  iss: string;
  iat: number;
  nbf: number;
  exp: number;
  appid: string;
  tid: string;
  roles: string[];
  ver: string;
  uti: string;
  /** Issue time in milliseconds, so `expireTokens` can cut off tokens issued in the same second. */
  xms_iat_ms: number;
}

type TokenCheck = { valid: true; clientId: string } | { valid: false; reason: 'empty' | 'malformed' | 'expired' };

export function issueAccessToken(secret: string, tenantId: string, clientId: string, lifetimeSeconds: number, notBefore: number): string {
  const issuedMs = Math.max(Date.now(), notBefore + 1);
  const issuedSeconds = Math.floor(issuedMs / 1000);
  const claims: Claims = {
    aud: GRAPH_AUDIENCE,
    iss: `https://sts.windows.net/${tenantId}/`,
    iat: issuedSeconds,
    nbf: issuedSeconds,
    exp: issuedSeconds + lifetimeSeconds,
    appid: clientId,
    tid: tenantId,
    roles: ['Calendars.ReadWrite'],
    ver: '1.0',
    uti: randomUUID(),
    xms_iat_ms: issuedMs,
  };
  const header = encode({ typ: 'JWT', alg: 'HS256' });
  const payload = encode(claims);
  return `${header}.${payload}.${sign(secret, `${header}.${payload}`)}`;
}

export function checkAccessToken(secret: string, token: string | null, notBefore: number): TokenCheck {
  if (token === null || token === '') {
    return { valid: false, reason: 'empty' };
  }

  const [header, payload, signature, extra] = token.split('.');
  if (!header || !payload || !signature || extra !== undefined || !sameSignature(sign(secret, `${header}.${payload}`), signature)) {
    return { valid: false, reason: 'malformed' };
  }

  const claims = decode(payload);
  if (!claims || claims.aud !== GRAPH_AUDIENCE) {
    return { valid: false, reason: 'malformed' };
  }

  if (claims.exp * 1000 <= Date.now() || claims.xms_iat_ms <= notBefore) {
    return { valid: false, reason: 'expired' };
  }
  return { valid: true, clientId: claims.appid };
}

function encode(value: unknown): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url');
}

function decode(payload: string): Claims | null {
  try {
    return JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as Claims;
  } catch {
    return null;
  }
}

function sign(secret: string, data: string): string {
  return createHmac('sha256', secret).update(data).digest('base64url');
}

function sameSignature(expected: string, actual: string): boolean {
  const a = Buffer.from(expected);
  const b = Buffer.from(actual);
  return a.length === b.length && timingSafeEqual(a, b);
}
