import { createHash, randomBytes } from 'node:crypto';
import { scopeParameter } from './delegated-scopes.ts';
import { requestToken, type TokenRequestOptions, type TokenResponse } from './token-request.ts';

/**
 * The authorization code flow of the Microsoft identity platform v2.0 with PKCE. The user's browser goes to the
 * `/authorize` endpoint, signs in, consents and comes back to the redirect URI with a code. The server then redeems
 * the code at the `/token` endpoint with its client secret and the PKCE verifier.
 */

export interface AuthorizeParameters {
  /** `{authority}/{tenant}/oauth2/v2.0/authorize`. */
  readonly authorizeUrl: string;
  readonly clientId: string;
  readonly redirectUri: string;
  readonly scopes: readonly string[];
  /** Random and single use, so the callback can be tied to this request. */
  readonly state: string;
  readonly codeChallenge: string;
  /** The mailbox address, so the sign-in page proposes the right account. */
  readonly loginHint?: string;
}

export function buildAuthorizeUrl(parameters: AuthorizeParameters): string {
  const url = new URL(parameters.authorizeUrl);
  url.searchParams.set('client_id', parameters.clientId);
  url.searchParams.set('response_type', 'code');
  url.searchParams.set('redirect_uri', parameters.redirectUri);
  url.searchParams.set('response_mode', 'query');
  url.searchParams.set('scope', scopeParameter(parameters.scopes));
  url.searchParams.set('state', parameters.state);
  url.searchParams.set('code_challenge', parameters.codeChallenge);
  url.searchParams.set('code_challenge_method', 'S256');
  if (parameters.loginHint !== undefined) {
    url.searchParams.set('login_hint', parameters.loginHint);
  }
  return url.toString();
}

/** Create a PKCE pair. The verifier stays on the server and the S256 challenge goes with the authorize request. */
export function newPkcePair(): { readonly verifier: string; readonly challenge: string } {
  const verifier = randomBytes(48).toString('base64url');
  return { verifier, challenge: createHash('sha256').update(verifier).digest('base64url') };
}

export interface CodeRedemption {
  readonly clientId: string;
  readonly clientSecret: string;
  readonly redirectUri: string;
  readonly scopes: readonly string[];
  readonly code: string;
  readonly codeVerifier: string;
}

export function redeemAuthorizationCode(options: TokenRequestOptions, redemption: CodeRedemption): Promise<TokenResponse> {
  const form = new URLSearchParams({
    grant_type: 'authorization_code',
    client_id: redemption.clientId,
    client_secret: redemption.clientSecret,
    code: redemption.code,
    redirect_uri: redemption.redirectUri,
    code_verifier: redemption.codeVerifier,
    scope: scopeParameter(redemption.scopes),
  });
  return requestToken(options, form, { grant: 'authorization_code' });
}
