import { createHmac, randomUUID, timingSafeEqual } from 'node:crypto';

/**
 * Access tokens shaped like Azure AD's v1 JWTs for Graph, app-only (`roles`) or delegated (`scp`, `oid`), signed
 * with HS256 under the emulator's own secret (kept in the state file, so tokens outlive a restart as real ones
 * outlive a Graph outage). Clients must treat them as opaque. The emulator checks signature, expiry and the
 * expire-all cut-off.
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
  /** Application permissions of an app-only token. */
  roles?: string[];
  /** Delegated permissions of a user's token, space-separated as Entra ID writes them. */
  scp?: string;
  /** The signed-in user's object id, for delegated tokens. */
  oid?: string;
  upn?: string;
  /** The delegated grant the token came from, so revoking the grant stops its tokens. */
  xms_grant?: string;
  ver: string;
  uti: string;
  /** Issue time in milliseconds, so `expireTokens` can cut off tokens issued in the same second. */
  xms_iat_ms: number;
}

/** Principal a valid token acts for: the app alone, or a signed-in user through the app. */
export type TokenIdentity =
  | { readonly kind: 'app'; readonly clientId: string; readonly roles: readonly string[] }
  | { readonly kind: 'user'; readonly clientId: string; readonly userId: string; readonly scopes: readonly string[]; readonly grantId: string };

type TokenCheck = { valid: true; identity: TokenIdentity } | { valid: false; reason: 'empty' | 'malformed' | 'expired' };

/** Application permissions an app-only token carries while the app has admin consent. */
export const APPLICATION_ROLES = ['Calendars.ReadWrite', 'Tasks.ReadWrite.All', 'Contacts.ReadWrite', 'Mail.ReadWrite', 'MailboxSettings.ReadWrite'];

export interface IssuedFor {
  readonly tenantId: string;
  readonly clientId: string;
  readonly lifetimeSeconds: number;
  /** Absent: an app-only token. */
  readonly user?: { readonly userId: string; readonly userPrincipalName: string; readonly scopes: readonly string[]; readonly grantId: string };
  /** Application permissions of an app-only token; empty once admin consent was withdrawn. */
  readonly roles?: readonly string[];
}

export function issueAccessToken(secret: string, issued: IssuedFor, notBefore: number): string {
  const issuedMs = Math.max(Date.now(), notBefore + 1);
  const issuedSeconds = Math.floor(issuedMs / 1000);
  const claims: Claims = {
    aud: GRAPH_AUDIENCE,
    iss: `https://sts.windows.net/${issued.tenantId}/`,
    iat: issuedSeconds,
    nbf: issuedSeconds,
    exp: issuedSeconds + issued.lifetimeSeconds,
    appid: issued.clientId,
    tid: issued.tenantId,
    ver: '1.0',
    uti: randomUUID(),
    xms_iat_ms: issuedMs,
  };
  if (issued.user === undefined) {
    claims.roles = [...(issued.roles ?? APPLICATION_ROLES)];
  } else {
    claims.scp = issued.user.scopes.join(' ');
    claims.oid = issued.user.userId;
    claims.upn = issued.user.userPrincipalName;
    claims.xms_grant = issued.user.grantId;
  }
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
  return { valid: true, identity: identityOf(claims) };
}

function identityOf(claims: Claims): TokenIdentity {
  if (claims.oid !== undefined) {
    return { kind: 'user', clientId: claims.appid, userId: claims.oid, scopes: (claims.scp ?? '').split(' ').filter(Boolean), grantId: claims.xms_grant ?? '' };
  }
  return { kind: 'app', clientId: claims.appid, roles: claims.roles ?? [] };
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
