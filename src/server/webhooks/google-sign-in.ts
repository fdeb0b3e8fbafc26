import { CodeChallengeMethod, gaxios, OAuth2Client } from 'google-auth-library';
import type { SynclineConfig } from '../../config/resolved-config.ts';
import { classifyTokenError } from '../../mailbox/google/auth/classify-token-error.ts';
import { tokenErrorOf } from '../../mailbox/google/auth/google-token-source.ts';
import { GOOGLE_AUTHORIZE_URL, GOOGLE_SCOPES } from '../../mailbox/google/google-options.ts';
import type { RefreshTokenStore } from '../../mailbox/graph/auth/refresh-token-store.ts';
import type { Logger } from '../../observability/logger.ts';
import type { ServerRoutes } from '../create-server.ts';
import { replyWithSignInOutcome, type ConfiguredSignInDeps } from './graph-sign-in.ts';
import { createPendingSignIns, UNKNOWN_STATE_MESSAGE, type PendingSignIns, type SignInOutcome } from '../../auth/sign-in-state.ts';

/**
 * The sign-in routes of Google mailboxes under user OAuth. `GET /auth/google/sign-in/{mailboxId}` sends the owner's
 * browser to Google's consent page. Google sends it back to `GET /auth/google/callback`, the redirect URI to register
 * for the OAuth client. The pages are plain text that states what happened and what to do.
 */
export const GOOGLE_SIGN_IN_PATH = '/auth/google/sign-in';
export const GOOGLE_CALLBACK_PATH = '/auth/google/callback';

export function googleSignInRoutes(signIn: GoogleSignIn): ServerRoutes {
  return (app) => {
    app.get<{ Params: { mailboxId: string } }>(`${GOOGLE_SIGN_IN_PATH}/:mailboxId`, async (request, reply) => {
      const started = await signIn.start(request.params.mailboxId);
      if (started === null) {
        return reply.code(404).type('text/plain; charset=utf-8').send('No mailbox with this id uses Google user OAuth; check the link.');
      }
      if (!started.ok) {
        return reply.code(started.status).header('cache-control', 'no-store').type('text/plain; charset=utf-8').send(started.message);
      }
      return reply.header('cache-control', 'no-store').redirect(started.url, 302);
    });

    app.get<{ Querystring: CallbackQuery }>(GOOGLE_CALLBACK_PATH, async (request, reply) => {
      return replyWithSignInOutcome(reply, await signIn.complete(request.query));
    });
  };
}

/** Return the URL of the page a Google mailbox's owner opens to sign in, under the server's base URL. */
export function googleSignInUrlOf(baseUrl: string, mailboxId: string): string {
  return `${baseUrl}${GOOGLE_SIGN_IN_PATH}/${encodeURIComponent(mailboxId)}`;
}

/** The same dependencies as the Office 365 sign-in. */
export type ConfiguredGoogleSignInDeps = ConfiguredSignInDeps;

/** Build the sign-in of the configured Google mailboxes under user OAuth; null when no mailbox uses it. */
export function configuredGoogleSignIn(config: SynclineConfig, deps: ConfiguredGoogleSignInDeps): GoogleSignIn | null {
  const mailboxes = new Map<string, GoogleSignInMailbox>();
  for (const org of config.orgs) {
    const google = org.google;
    if (google?.auth.kind !== 'userOAuth') {
      continue;
    }
    for (const mailbox of org.mailboxes.filter((candidate) => candidate.kind === 'google')) {
      mailboxes.set(mailbox.id, {
        id: mailbox.id,
        address: mailbox.address,
        clientId: google.auth.clientId,
        clientSecret: google.auth.clientSecret,
        authorizeUrl: google.auth.authorizeUrl ?? GOOGLE_AUTHORIZE_URL,
        tokenUrl: google.tokenUrl,
        apiBaseUrl: google.apiBaseUrl,
      });
    }
  }
  if (mailboxes.size === 0) {
    return null;
  }
  return createGoogleSignIn({
    findMailbox: (mailboxId) => mailboxes.get(mailboxId) ?? null,
    redirectUri: () => `${deps.baseUrl()}${GOOGLE_CALLBACK_PATH}`,
    refreshTokens: deps.refreshTokens,
    logger: deps.logger,
    ...(deps.fetch === undefined ? {} : { fetch: deps.fetch }),
    ...(deps.onSignedIn === undefined ? {} : { onSignedIn: deps.onSignedIn }),
  });
}

/**
 * A mailbox owner's consent that gives Syncline offline access to a Google mailbox (OAuth 2.0 for web server apps).
 * `start` sends the browser to Google's authorization endpoint with `access_type=offline` and `prompt=consent`, so
 * Google returns a refresh token every time, and a PKCE challenge. `complete` redeems the code, checks with Gmail's
 * profile that the account that consented is the mailbox, and stores the refresh token encrypted. The check matters
 * because anyone may open a sign-in link, so a token of another account is never stored for this mailbox.
 */

export interface GoogleSignInMailbox {
  readonly id: string;
  readonly address: string;
  readonly clientId: string;
  readonly clientSecret: string;
  readonly authorizeUrl: string;
  readonly tokenUrl: string;
  /** Root of Gmail, whose profile names the account that signed in. */
  readonly apiBaseUrl: string;
}

export interface GoogleSignInOptions {
  /** The user OAuth mailbox of kind `google` with this id, or null when there is none. */
  readonly findMailbox: (mailboxId: string) => GoogleSignInMailbox | null;
  /** The callback URL registered with the OAuth client; read per sign-in because a port 0 server learns it late. */
  readonly redirectUri: () => string;
  readonly refreshTokens: RefreshTokenStore;
  readonly logger: Logger;
  readonly fetch?: typeof fetch;
  readonly now?: () => number;
  /** Called after a refresh token was stored, e.g. to resume a mailbox suspended for a missing grant. */
  readonly onSignedIn?: (mailboxId: string) => void;
}

/** The callback's query; a parameter given twice arrives as an array. */
export type CallbackQuery = Readonly<Record<string, string | readonly string[] | undefined>>;

/** Outcome of opening the sign-in page: the URL to send the browser to, or the status and text of an error page. */
export type SignInStart =
  | { readonly ok: true; readonly url: string }
  | { readonly ok: false; readonly status: number; readonly message: string };

export interface GoogleSignIn {
  /** The redirect to Google or an error page; null when the mailbox is unknown or not under user OAuth. */
  start(mailboxId: string): Promise<SignInStart | null>;
  /** Finish the sign-in from the callback's query (`code` and `state`, or `error`). */
  complete(query: CallbackQuery): Promise<SignInOutcome>;
}

/** OAuth error codes of the callback (RFC 6749 section 4.1.2.1 and Google's), each with the page's fixed wording. */
const OAUTH_ERRORS: Readonly<Record<string, string>> = {
  access_denied: 'The access Syncline asks for was declined.',
  admin_policy_enforced: 'A Google Workspace administrator policy does not allow this access.',
  org_internal: 'The OAuth client is limited to users of another Google Workspace organization.',
  invalid_request: 'Google rejected the request as malformed.',
  invalid_scope: 'Google rejected a requested scope.',
  invalid_client: 'Google does not know the OAuth client.',
  unauthorized_client: 'The OAuth client may not use this sign-in.',
  unsupported_response_type: 'Google does not support the requested response type.',
  redirect_uri_mismatch: 'The redirect URI is not registered for the OAuth client.',
  server_error: 'Google had an internal error.',
  temporarily_unavailable: 'Google is temporarily unavailable.',
};

/** Return the single value of a query parameter; undefined when it is absent, and null when it is given twice. */
function single(value: string | readonly string[] | undefined): string | undefined | null {
  return typeof value === 'string' || value === undefined ? value : null;
}

/** Return the scopes of GOOGLE_SIGN_IN_SCOPES missing from a token response's space-separated `scope`. */
export function missingGoogleScopes(granted: string | null | undefined): string[] {
  const have = new Set((granted ?? '').split(/\s+/).filter((scope) => scope !== ''));
  return GOOGLE_SIGN_IN_SCOPES.filter((scope) => !have.has(scope));
}

const STORE_FAILURE_MESSAGE =
  'Syncline cannot store the Google access of this mailbox: the credential store failed (the server log has the reason), '
  + 'most often because the encryption key is missing or unreadable. Set SYNCLINE_ENCRYPTION_KEY or SYNCLINE_ENCRYPTION_KEY_FILE '
  + '(see docs/security.md), restart Syncline, then open this sign-in link again.';

/** Every scope the connector requests, so one consent covers Calendar, Gmail, Contacts and Tasks. */
export const GOOGLE_SIGN_IN_SCOPES: readonly string[] = Object.values(GOOGLE_SCOPES).flat();

interface PendingGoogleSignIn {
  readonly mailboxId: string;
  readonly verifier: string;
  readonly redirectUri: string;
}

export function createGoogleSignIn(options: GoogleSignInOptions): GoogleSignIn {
  const doFetch = options.fetch ?? globalThis.fetch;
  const logger = options.logger.child({ component: 'google-sign-in' });
  const pending: PendingSignIns<PendingGoogleSignIn> = createPendingSignIns(options.now);
  const clientOf = (mailbox: GoogleSignInMailbox, redirectUri: string) =>
    new OAuth2Client({
      clientId: mailbox.clientId,
      clientSecret: mailbox.clientSecret,
      redirectUri,
      endpoints: { oauth2AuthBaseUrl: mailbox.authorizeUrl, oauth2TokenUrl: mailbox.tokenUrl },
      transporter: new gaxios.Gaxios({ fetchImplementation: doFetch }),
    });

  return {
    async start(mailboxId) {
      const mailbox = options.findMailbox(mailboxId);
      if (mailbox === null) {
        return null;
      }
      try {
        await options.refreshTokens.loadRefreshToken(mailboxId);
      } catch (error) {
        logger.error({ mailboxId, reason: error instanceof Error ? error.message : String(error) }, 'Google sign-in not started: the credential store cannot read or save tokens');
        return { ok: false, status: 503, message: STORE_FAILURE_MESSAGE };
      }
      const redirectUri = options.redirectUri();
      const client = clientOf(mailbox, redirectUri);
      const pkce = await client.generateCodeVerifierAsync();
      const state = pending.begin({ mailboxId, verifier: pkce.codeVerifier, redirectUri });
      const url = client.generateAuthUrl({
        access_type: 'offline',
        prompt: 'consent',
        scope: [...GOOGLE_SIGN_IN_SCOPES],
        state,
        login_hint: mailbox.address,
        code_challenge_method: CodeChallengeMethod.S256,
        ...(pkce.codeChallenge === undefined ? {} : { code_challenge: pkce.codeChallenge }),
      });
      return { ok: true, url };
    },

    async complete(query) {
      const state = single(query.state);
      const entry = pending.take(state ?? undefined);
      if (entry === null) {
        return { ok: false, status: 400, message: UNKNOWN_STATE_MESSAGE };
      }
      const mailbox = options.findMailbox(entry.mailboxId);
      if (mailbox === null) {
        return { ok: false, status: 404, message: 'The mailbox of this sign-in no longer uses Google user OAuth in the configuration.' };
      }
      if (query.error !== undefined) {
        const reported = single(query.error);
        const code = typeof reported === 'string' && Object.hasOwn(OAUTH_ERRORS, reported) ? reported : 'unknown';
        const wording = OAUTH_ERRORS[code] ?? 'Google reported an error Syncline does not know.';
        logger.warn({ mailboxId: entry.mailboxId, error: code }, 'Google sign-in returned an error');
        return { ok: false, status: 400, message: `Google sign-in did not complete (${code}): ${wording} Start the sign-in again and allow all the access Syncline asks for.` };
      }
      const code = single(query.code);
      if (code === null) {
        return { ok: false, status: 400, message: 'The callback has the parameter code more than once, so Syncline ignores it. Start the sign-in again.' };
      }
      if (code === undefined || code === '') {
        return { ok: false, status: 400, message: 'The callback has no authorization code. Start the sign-in again.' };
      }
      return finish(mailbox, entry, code);
    },
  };

  async function finish(mailbox: GoogleSignInMailbox, entry: PendingGoogleSignIn, code: string): Promise<SignInOutcome> {
    let tokens;
    try {
      ({ tokens } = await clientOf(mailbox, entry.redirectUri).getToken({ code, codeVerifier: entry.verifier, redirect_uri: entry.redirectUri }));
    } catch (error) {
      const failure = classifyTokenError(tokenErrorOf(error), 'userOAuth', mailbox.tokenUrl);
      logger.warn({ mailboxId: mailbox.id, code: failure.code }, 'Redeeming the Google sign-in failed');
      return { ok: false, status: 502, message: `Google did not accept the sign-in (${failure.code}). Start the sign-in again; if it fails again, check google.auth.clientId, clientSecret and the redirect URI registered for the OAuth client.` };
    }
    if (!tokens.refresh_token || !tokens.access_token) {
      return { ok: false, status: 502, message: 'Google returned no refresh token. Start the sign-in again; Syncline asks for offline access with consent, so Google should return one.' };
    }

    const missing = missingGoogleScopes(tokens.scope);
    if (missing.length > 0) {
      logger.warn({ mailboxId: mailbox.id, missingScopes: missing }, 'Rejected a Google sign-in that did not grant every scope');
      return {
        ok: false,
        status: 403,
        message: `The sign-in did not grant every access Syncline needs; missing: ${missing.join(', ')}. Start the sign-in again and tick every box on Google's consent page. Syncline stored nothing.`,
      };
    }

    const signedInAs = await signedInAddress(mailbox, tokens.access_token, doFetch);
    if (signedInAs === null) {
      logger.warn({ mailboxId: mailbox.id }, 'Google sign-in stopped: Gmail did not return the profile of the account that signed in');
      return { ok: false, status: 502, message: `Gmail did not return the profile of the account that signed in, so Syncline cannot check that it is ${mailbox.address}. Start the sign-in again; Syncline stored nothing.` };
    }
    if (signedInAs !== mailbox.address.toLowerCase()) {
      logger.warn({ mailboxId: mailbox.id }, 'Rejected a Google sign-in by an account that does not own the mailbox');
      return { ok: false, status: 403, message: `You signed in with another account. Sign in as ${mailbox.address}, the owner of this mailbox.` };
    }

    try {
      await options.refreshTokens.saveRefreshToken(mailbox.id, tokens.refresh_token);
    } catch (error) {
      logger.error({ mailboxId: mailbox.id, reason: error instanceof Error ? error.message : String(error) }, 'Storing the Google sign-in failed');
      return { ok: false, status: 503, message: STORE_FAILURE_MESSAGE };
    }
    logger.info({ mailboxId: mailbox.id }, 'Mailbox owner signed in; Google access stored');
    options.onSignedIn?.(mailbox.id);
    return { ok: true, mailboxId: mailbox.id };
  }
}

/** Read the address of the account that signed in from Gmail's profile, lower-cased; null when it cannot be read. */
async function signedInAddress(mailbox: GoogleSignInMailbox, accessToken: string, doFetch: typeof fetch): Promise<string | null> {
  const response = await doFetch(`${mailbox.apiBaseUrl.replace(/\/+$/, '')}/gmail/v1/users/me/profile`, {
    headers: { Authorization: `Bearer ${accessToken}`, Accept: 'application/json' },
  });
  if (!response.ok) {
    return null;
  }
  const body = (await response.json().catch(() => null)) as { emailAddress?: unknown } | null;
  return typeof body?.emailAddress === 'string' ? body.emailAddress.toLowerCase() : null;
}
