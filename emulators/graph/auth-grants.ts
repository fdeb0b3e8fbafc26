import { createHash, randomBytes, randomUUID } from 'node:crypto';

/**
 * Consents and the grants that follow from them, as the Microsoft identity platform keeps them: an administrator's
 * consent to an app's application permissions, and users' consents to delegated permissions with their
 * authorization codes and refresh tokens. They are kept in memory only, so a restart drops users' grants, as if
 * every user had to sign in again, and restores every app's admin consent.
 *
 * Documented behaviour kept here: a code lives 10 minutes and is redeemed once (AADSTS54005 after); a code issued
 * with a PKCE challenge needs the matching `code_verifier`; every refresh redeems to a new refresh token while the
 * old one stays valid until it expires; withdrawing consent or revoking a user's sessions ends every refresh token
 * of the grant (AADSTS65001 and AADSTS50173); an expired refresh token gets AADSTS70008.
 */

const CODE_LIFETIME_MS = 10 * 60_000;
/** Entra ID's default lifetime of a refresh token that is not used. */
const REFRESH_TOKEN_LIFETIME_MS = 90 * 24 * 3_600_000;

export interface GrantError {
  readonly status: number;
  readonly error: string;
  readonly code: number;
  readonly description: string;
}

export interface UserGrant {
  readonly grantId: string;
  readonly clientId: string;
  readonly userId: string;
  readonly scopes: readonly string[];
  /** True when the request asked for `offline_access`, so a refresh token goes with the access token. */
  readonly offline: boolean;
}

interface CodeRecord {
  readonly grant: UserGrant;
  readonly redirectUri: string;
  readonly challenge: string | null;
  readonly expiresAt: number;
  redeemed: boolean;
}

interface RefreshRecord {
  readonly grant: UserGrant;
  readonly issuedAt: number;
  readonly expiresAt: number;
}

export class AuthGrants {
  /** Consented scopes by `clientId|userId`; a withdrawn consent is absent. */
  private readonly consents = new Map<string, { grantId: string; scopes: Set<string> }>();
  private readonly codes = new Map<string, CodeRecord>();
  private readonly refreshTokens = new Map<string, RefreshRecord>();
  /** Grants whose sessions were revoked, with the AADSTS code their refresh tokens now get. */
  private readonly revoked = new Map<string, number>();
  /** Refresh tokens issued before this instant get AADSTS70008, as expired ones do. */
  refreshTokensNotBefore = 0;
  /** Apps whose admin consent was withdrawn: their app-only tokens carry no application permissions. */
  private readonly appsWithoutConsent = new Set<string>();

  hasApplicationConsent(clientId: string): boolean {
    return !this.appsWithoutConsent.has(clientId.toLowerCase());
  }

  /** Withdraw (false) or grant again (true) an administrator's consent to the app's application permissions. */
  setApplicationConsent(clientId: string, granted: boolean): void {
    if (granted) {
      this.appsWithoutConsent.delete(clientId.toLowerCase());
    } else {
      this.appsWithoutConsent.add(clientId.toLowerCase());
    }
  }

  /** Record the user's consent to `scopes` (the sandbox consents at once) and issue a code for them. */
  issueCode(clientId: string, userId: string, scopes: readonly string[], redirectUri: string, challenge: string | null): string {
    const key = consentKey(clientId, userId);
    const consent = this.consents.get(key) ?? { grantId: randomUUID(), scopes: new Set<string>() };
    scopes.filter((scope) => !OIDC_SCOPES.has(scope)).forEach((scope) => consent.scopes.add(scope));
    this.consents.set(key, consent);
    this.revoked.delete(consent.grantId);

    const code = `0.A${randomBytes(48).toString('base64url')}`;
    const grant: UserGrant = { grantId: consent.grantId, clientId, userId, scopes: graphScopes(scopes), offline: scopes.includes('offline_access') };
    this.codes.set(code, { grant, redirectUri, challenge, expiresAt: Date.now() + CODE_LIFETIME_MS, redeemed: false });
    return code;
  }

  redeemCode(code: string, clientId: string, redirectUri: string | null, verifier: string | null): UserGrant | GrantError {
    const record = this.codes.get(code);
    if (!record || record.expiresAt <= Date.now()) {
      return invalidGrant(70008, 'The provided authorization code or refresh token has expired due to inactivity. Send a new interactive authorization request for this user and resource.');
    }
    if (record.redeemed) {
      return invalidGrant(54005, 'OAuth2 Authorization code was already redeemed, please retry with a new valid code or use an existing refresh token.');
    }
    if (record.grant.clientId.toLowerCase() !== clientId.toLowerCase()) {
      return invalidGrant(70000, 'The provided value for the input parameter code is not valid: the code was issued to another application.');
    }
    if (redirectUri !== record.redirectUri) {
      return invalidGrant(70000, 'The reply address does not match the reply address provided when requesting the authorization code.');
    }
    if (record.challenge !== null && (verifier === null || pkceChallenge(verifier) !== record.challenge)) {
      return { status: 400, error: 'invalid_grant', code: 501481, description: 'The Code_Verifier does not match the code_challenge supplied in the authorization request.' };
    }

    record.redeemed = true;
    return this.current(record.grant) ?? invalidGrant(65001, consentMissing(clientId));
  }

  /** Issue a new refresh token for the grant; the one redeemed stays valid, as Entra ID documents. */
  issueRefreshToken(grant: UserGrant): string {
    const token = `1.A${randomBytes(64).toString('base64url')}`;
    const issuedAt = Date.now();
    this.refreshTokens.set(token, { grant, issuedAt, expiresAt: issuedAt + REFRESH_TOKEN_LIFETIME_MS });
    return token;
  }

  redeemRefreshToken(token: string, clientId: string, scopes: readonly string[]): UserGrant | GrantError {
    const record = this.refreshTokens.get(token);
    if (!record) {
      return invalidGrant(9002313, 'Invalid request. Request is malformed or invalid: the refresh token is not one this tenant issued.');
    }
    if (record.grant.clientId.toLowerCase() !== clientId.toLowerCase()) {
      return invalidGrant(700005, 'Provided Authorization Code or refresh token is intended to use against other tenant or application.');
    }

    const revokedCode = this.revoked.get(record.grant.grantId);
    if (revokedCode !== undefined) {
      const description = revokedCode === 65001 ? consentMissing(clientId) : 'The provided grant has expired due to it being revoked, a fresh auth token is needed. The user might have changed or reset their password.';
      return invalidGrant(revokedCode, description);
    }
    if (record.expiresAt <= Date.now() || record.issuedAt <= this.refreshTokensNotBefore) {
      return invalidGrant(70008, 'The provided authorization code or refresh token has expired due to inactivity. Send a new interactive authorization request for this user and resource.');
    }

    const current = this.current(record.grant);
    const asked = graphScopes(scopes);
    if (current === null || asked.some((scope) => !current.scopes.includes(scope))) {
      return invalidGrant(65001, consentMissing(clientId));
    }
    return asked.length === 0 ? current : { ...current, scopes: asked };
  }

  /** Withdraw a user's consent to the app (or to every app), so its refresh tokens get AADSTS65001 from now on. */
  revokeConsent(userId: string, clientId: string | null): number {
    return this.revokeWhere(userId, clientId, 65001, true);
  }

  /** Revoke a user's sign-in sessions (a password reset, an admin action), so refresh tokens get AADSTS50173. */
  revokeSessions(userId: string): number {
    return this.revokeWhere(userId, null, 50173, false);
  }

  /** True while the grant behind a delegated access token is still in force. */
  isActive(grantId: string): boolean {
    return !this.revoked.has(grantId);
  }

  /** Withdraw every user's consent, forget every code and refresh token, and restore every app's admin consent. */
  clear(): void {
    this.appsWithoutConsent.clear();
    this.consents.clear();
    this.codes.clear();
    this.refreshTokens.clear();
    this.revoked.clear();
  }

  private revokeWhere(userId: string, clientId: string | null, aadsts: number, dropConsent: boolean): number {
    let count = 0;
    for (const [key, consent] of this.consents) {
      const [consentClient, consentUser] = key.split('|');
      if (consentUser !== userId || (clientId !== null && consentClient !== clientId.toLowerCase())) {
        continue;
      }
      this.revoked.set(consent.grantId, aadsts);
      if (dropConsent) {
        this.consents.delete(key);
      }
      count += 1;
    }
    return count;
  }

  /** Return the grant with the scopes its user consents to now, or null when the consent was withdrawn. */
  private current(grant: UserGrant): UserGrant | null {
    const consent = this.consents.get(consentKey(grant.clientId, grant.userId));
    if (!consent || consent.grantId !== grant.grantId) {
      return null;
    }
    return { ...grant, scopes: grant.scopes.filter((scope) => consent.scopes.has(scope)) };
  }
}

/** OpenID Connect scopes: they shape the sign-in, not the Graph permissions of the token. */
const OIDC_SCOPES = new Set(['openid', 'profile', 'email', 'offline_access']);
const GRAPH_RESOURCE = 'https://graph.microsoft.com/';

/** Graph permission names of a scope list, without the resource prefix, e.g. `Calendars.ReadWrite`. */
export function graphScopes(scopes: readonly string[]): string[] {
  return scopes
    .filter((scope) => !OIDC_SCOPES.has(scope))
    .map((scope) => (scope.toLowerCase().startsWith(GRAPH_RESOURCE) ? scope.slice(GRAPH_RESOURCE.length) : scope))
    .filter((scope) => scope !== '' && scope !== '.default');
}

export function pkceChallenge(verifier: string): string {
  return createHash('sha256').update(verifier).digest('base64url');
}

function consentKey(clientId: string, userId: string): string {
  return `${clientId.toLowerCase()}|${userId}`;
}

function consentMissing(clientId: string): string {
  return `The user or administrator has not consented to use the application with ID '${clientId}'. Send an interactive authorization request for this user and resource.`;
}

function invalidGrant(code: number, description: string): GrantError {
  return { status: 400, error: 'invalid_grant', code, description };
}
