import * as client from 'openid-client';
import type { OidcSetting } from '../config/resolved-config.ts';
import type { Logger } from '../observability/logger.ts';

/**
 * Sign-in through an org's OpenID Connect provider: the authorization code flow with PKCE (S256), a state that
 * ties the callback to the browser that started it, and a nonce that ties the ID token to this sign-in.
 * openid-client checks the ID token's issuer, audience, expiry and nonce and, with non-repudiation checks on,
 * its signature against the provider's published keys.
 */

/** Sign-in state the browser keeps, in a short-lived HttpOnly cookie, between the redirect and the callback. */
export interface PendingOidcSignIn {
  readonly orgId: string;
  readonly state: string;
  readonly nonce: string;
  readonly codeVerifier: string;
  /** Path on this server to send the browser to after sign-in. */
  readonly returnTo: string;
}

export interface OidcIdentity {
  readonly orgId: string;
  /** Lower-case address from the ID token's `email` claim. */
  readonly email: string;
  readonly subject: string;
}

/** A sign-in that cannot go on; `code` is the API error code, and the message names the fix. */
export class OidcSignInError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.name = 'OidcSignInError';
  }
}

export interface OidcSignIn {
  hasProvider(orgId: string): boolean;
  /** The provider's authorization URL to redirect the browser to, and what to keep until the callback. */
  start(orgId: string, redirectUri: string, returnTo: string): Promise<{ readonly url: string; readonly pending: PendingOidcSignIn }>;
  /** Exchange the callback's code for tokens and read who signed in. */
  finish(pending: PendingOidcSignIn, callbackUrl: URL): Promise<OidcIdentity>;
}

export interface OidcSignInOptions {
  readonly providers: ReadonlyMap<string, OidcSetting>;
  readonly logger: Logger;
}

const SCOPE = 'openid email';

export function createOidcSignIn(options: OidcSignInOptions): OidcSignIn {
  // Discovery runs once per org; a failed one is tried again at the next sign-in.
  const configurations = new Map<string, Promise<client.Configuration>>();

  const configurationOf = (orgId: string): Promise<client.Configuration> => {
    const setting = options.providers.get(orgId);
    if (setting === undefined) {
      return Promise.reject(new OidcSignInError(404, 'oidc_not_configured', `org '${orgId}' has no OIDC provider; sign in with a password, or add orgs[].oidc to the configuration`));
    }

    let configuration = configurations.get(orgId);
    if (configuration === undefined) {
      configuration = discover(setting).catch((error: unknown) => {
        configurations.delete(orgId);
        options.logger.error({ org: orgId, issuer: setting.issuerUrl, err: error }, 'OIDC discovery failed');
        throw new OidcSignInError(502, 'oidc_unavailable', `the OIDC provider at ${setting.issuerUrl} did not return its discovery document; check orgs[].oidc.issuerUrl and try again`, { cause: error });
      });
      configurations.set(orgId, configuration);
    }
    return configuration;
  };

  return {
    hasProvider: (orgId) => options.providers.has(orgId),

    async start(orgId, redirectUri, returnTo) {
      const configuration = await configurationOf(orgId);
      const pending: PendingOidcSignIn = { orgId, state: client.randomState(), nonce: client.randomNonce(), codeVerifier: client.randomPKCECodeVerifier(), returnTo };
      const url = client.buildAuthorizationUrl(configuration, {
        redirect_uri: redirectUri,
        scope: SCOPE,
        code_challenge: await client.calculatePKCECodeChallenge(pending.codeVerifier),
        code_challenge_method: 'S256',
        state: pending.state,
        nonce: pending.nonce,
      });
      return { url: url.href, pending };
    },

    async finish(pending, callbackUrl) {
      const configuration = await configurationOf(pending.orgId);
      let claims: client.IDToken | undefined;
      try {
        const tokens = await client.authorizationCodeGrant(configuration, callbackUrl, {
          pkceCodeVerifier: pending.codeVerifier,
          expectedState: pending.state,
          expectedNonce: pending.nonce,
          idTokenExpected: true,
        });
        claims = tokens.claims();
      } catch (error) {
        options.logger.warn({ org: pending.orgId, err: describeFailure(error) }, 'OIDC sign-in failed at the code exchange');
        throw new OidcSignInError(401, 'oidc_failed', 'the sign-in with the OIDC provider did not complete; start it again', { cause: error });
      }

      return identityOf(pending.orgId, claims);
    },
  };
}

async function discover(setting: OidcSetting): Promise<client.Configuration> {
  const issuer = new URL(setting.issuerUrl);
  // Plain HTTP passes configuration validation only for a loopback issuer (a local test provider).
  const execute = issuer.protocol === 'http:' ? [client.allowInsecureRequests, client.enableNonRepudiationChecks] : [client.enableNonRepudiationChecks];
  const authentication = setting.clientSecret === null ? client.None() : client.ClientSecretPost(setting.clientSecret);
  return client.discovery(issuer, setting.clientId, undefined, authentication, { execute });
}

function identityOf(orgId: string, claims: client.IDToken | undefined): OidcIdentity {
  const email = claims?.email;
  if (claims === undefined || typeof email !== 'string' || email === '') {
    throw new OidcSignInError(403, 'oidc_no_email', "the OIDC provider's ID token has no email claim; allow the 'email' scope for Syncline's client at the provider");
  }
  // A provider marks an address it has not verified with email_verified false, and such an address could be anyone's.
  if (claims.email_verified === false) {
    throw new OidcSignInError(403, 'oidc_email_unverified', 'the OIDC provider has not verified this email address; verify it there, then sign in again');
  }
  return { orgId, email: email.trim().toLowerCase(), subject: claims.sub };
}

/** Reduce an error to its name, code and message, because other fields of the error may contain a token response. */
function describeFailure(error: unknown): Record<string, unknown> {
  if (!(error instanceof Error)) {
    return { message: String(error) };
  }
  return { name: error.name, code: (error as { code?: unknown }).code, message: error.message };
}
