import { createHmac, randomBytes } from 'node:crypto';
import { JWT_BEARER_GRANT, verifyJwtAssertion } from './jwt-grant.ts';

export interface ClientConfig {
  clientId: string;
  clientSecret: string;
  refreshTokens?: string[];
  /** Certificate or public key (PEM) uploaded to the app, which enables the JWT bearer flow. */
  jwtPublicKeyPem?: string;
  /** Usernames pre-authorized for the JWT bearer flow; absent means every user of the org. */
  jwtApprovedUsernames?: string[];
}

/** The user and connected app an access token belongs to. */
export interface Session {
  userId: string;
  clientId: string;
}

export interface TokenResponse {
  access_token: string;
  instance_url: string;
  id: string;
  token_type: 'Bearer';
  issued_at: string;
  signature: string;
  scope: string;
}

/** An OAuth error body as the token endpoint returns it with HTTP 400. */
export interface OAuthError {
  error: string;
  error_description: string;
}

export interface AuthSnapshot {
  accessTokens: [string, Session][];
  revokedRefreshTokens: string[];
}

/**
 * The token endpoint's logic: refresh-token and client-credentials grants for configured connected apps,
 * access tokens that a fault can expire, refresh tokens that a fault can revoke.
 */
export class AuthService {
  private readonly clients: ClientConfig[];
  private readonly accessTokens = new Map<string, Session>();
  private readonly revoked = new Set<string>();

  constructor(clients: ClientConfig[]) {
    this.clients = clients;
  }

  /**
   * Handles a token request body. `userId` is the integration user the tokens act as. In the JWT bearer flow the
   * assertion's `sub` names the user instead, and `findUser` turns that username into a user id.
   */
  grant(
    form: Record<string, string | undefined>, baseUrl: string, orgId: string, userId: string,
    findUser: (username: string) => string | null = () => null,
  ): TokenResponse | OAuthError {
    if (form.grant_type === JWT_BEARER_GRANT) return this.jwtGrant(form.assertion, baseUrl, orgId, findUser);
    const client = this.clients.find((c) => c.clientId === form.client_id);
    if (!client) return { error: 'invalid_client_id', error_description: 'client identifier invalid' };
    if (client.clientSecret !== form.client_secret) {
      return { error: 'invalid_client', error_description: 'invalid client credentials' };
    }
    if (form.grant_type === 'refresh_token') {
      const token = form.refresh_token ?? '';
      if (!(client.refreshTokens ?? []).includes(token) || this.revoked.has(token)) {
        return { error: 'invalid_grant', error_description: 'expired access/refresh token' };
      }
      return this.issue(client, baseUrl, orgId, userId, 'refresh_token api');
    }
    if (form.grant_type === 'client_credentials') return this.issue(client, baseUrl, orgId, userId, 'api');
    return { error: 'unsupported_grant_type', error_description: 'grant type not supported' };
  }

  /** Returns the session of a `Bearer` authorization header, or null when it is missing, unknown or expired. */
  session(authorization: string | undefined): Session | null {
    const match = authorization ? /^(?:Bearer|OAuth)\s+(.+)$/i.exec(authorization.trim()) : null;
    if (!match?.[1]) return null;
    return this.accessTokens.get(match[1]) ?? null;
  }

  expireAccessTokens(): void {
    this.accessTokens.clear();
  }

  revokeRefreshTokens(): void {
    for (const client of this.clients) for (const token of client.refreshTokens ?? []) this.revoked.add(token);
  }

  snapshot(): AuthSnapshot {
    return { accessTokens: [...this.accessTokens], revokedRefreshTokens: [...this.revoked] };
  }

  restore(snapshot: AuthSnapshot): void {
    for (const [token, session] of snapshot.accessTokens) this.accessTokens.set(token, session);
    for (const token of snapshot.revokedRefreshTokens) this.revoked.add(token);
  }

  private jwtGrant(assertion: string | undefined, baseUrl: string, orgId: string, findUser: (username: string) => string | null):
    TokenResponse | OAuthError {
    const approved = (client: ClientConfig, username: string): boolean =>
      findUser(username) !== null && (client.jwtApprovedUsernames ?? [username]).includes(username);
    const verdict = verifyJwtAssertion(assertion, this.clients, baseUrl, approved);
    if ('error' in verdict) return verdict;
    // No refresh token in this flow: the client signs a new assertion whenever it needs a token.
    return this.issue(verdict.client, baseUrl, orgId, findUser(verdict.username) ?? '', 'api');
  }

  private issue(client: ClientConfig, baseUrl: string, orgId: string, userId: string, scope: string): TokenResponse {
    const accessToken = `${orgId.slice(0, 15)}!${randomBytes(48).toString('base64url')}`;
    this.accessTokens.set(accessToken, { userId, clientId: client.clientId });
    const id = `${baseUrl}/id/${orgId}/${userId}`;
    const issuedAt = String(Date.now());
    // Salesforce signs id + issued_at with the client secret so the client can check the response's origin.
    const signature = createHmac('sha256', client.clientSecret).update(id + issuedAt).digest('base64');
    return { access_token: accessToken, instance_url: baseUrl, id, token_type: 'Bearer', issued_at: issuedAt, signature, scope };
  }
}
