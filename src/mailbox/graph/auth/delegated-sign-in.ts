import { createPendingSignIns, UNKNOWN_STATE_MESSAGE, type SignInOutcome } from '../../../auth/sign-in-state.ts';
import { isConnectorError } from '../../../domain/errors.ts';
import type { Logger } from '../../../observability/logger.ts';
import { buildAuthorizeUrl, newPkcePair, redeemAuthorizationCode } from './authorization-code.ts';
import { DELEGATED_SCOPES } from './delegated-scopes.ts';
import type { RefreshTokenStore } from './refresh-token-store.ts';

/**
 * A mailbox owner's sign-in that gives Syncline delegated access to the mailbox. `start` sends the browser to Entra
 * ID. `complete` takes the code the browser brings back, checks that the account that signed in owns the mailbox,
 * and stores the refresh token. The check matters because anyone may open a sign-in link, so a token of another
 * account is never stored for this mailbox.
 */

export interface SignInMailbox {
  readonly id: string;
  readonly address: string;
  readonly authorizeUrl: string;
  readonly tokenUrl: string;
  readonly graphBaseUrl: string;
  readonly clientId: string;
  readonly clientSecret: string;
  /** The org's registered redirect URI, when it is not the server's own callback URL. */
  readonly redirectUri?: string;
}

export interface DelegatedSignInOptions {
  /** The delegated mailbox with this id, or null when there is none. */
  readonly findMailbox: (mailboxId: string) => SignInMailbox | null;
  /** The callback URL registered in the app registration; read per sign-in because a port 0 server learns it late. */
  readonly redirectUri: (mailbox: SignInMailbox) => string;
  readonly refreshTokens: RefreshTokenStore;
  readonly logger: Logger;
  readonly fetch?: typeof fetch;
  readonly now?: () => number;
  /** Called after a refresh token was stored, e.g. to resume a mailbox suspended for a missing grant. */
  readonly onSignedIn?: (mailboxId: string) => void;
}

export type { SignInOutcome };

export interface DelegatedSignIn {
  /** The URL to send the browser to; null when the mailbox is unknown or not delegated. */
  start(mailboxId: string): string | null;
  /** Finish the sign-in from the callback's query (`code` and `state`, or `error` and `error_description`). */
  complete(query: Readonly<Record<string, string | undefined>>): Promise<SignInOutcome>;
}

interface PendingSignIn {
  readonly mailboxId: string;
  readonly verifier: string;
  readonly redirectUri: string;
}

export function createDelegatedSignIn(options: DelegatedSignInOptions): DelegatedSignIn {
  const doFetch = options.fetch ?? globalThis.fetch;
  const logger = options.logger.child({ component: 'graph-sign-in' });
  const pending = createPendingSignIns<PendingSignIn>(options.now);

  return {
    start(mailboxId) {
      const mailbox = options.findMailbox(mailboxId);
      if (mailbox === null) {
        return null;
      }

      const pkce = newPkcePair();
      const redirectUri = options.redirectUri(mailbox);
      const state = pending.begin({ mailboxId, verifier: pkce.verifier, redirectUri });
      return buildAuthorizeUrl({
        authorizeUrl: mailbox.authorizeUrl,
        clientId: mailbox.clientId,
        redirectUri,
        scopes: DELEGATED_SCOPES,
        state,
        codeChallenge: pkce.challenge,
        loginHint: mailbox.address,
      });
    },

    async complete(query) {
      const entry = pending.take(query.state);
      if (entry === null) {
        return { ok: false, status: 400, message: UNKNOWN_STATE_MESSAGE };
      }

      const mailbox = options.findMailbox(entry.mailboxId);
      if (mailbox === null) {
        return { ok: false, status: 404, message: 'The mailbox of this sign-in is no longer configured for delegated access.' };
      }
      if (query.error !== undefined) {
        logger.warn({ mailboxId: entry.mailboxId, error: query.error }, 'Microsoft sign-in returned an error');
        return { ok: false, status: 400, message: `Microsoft sign-in did not complete (${query.error}): ${query.error_description ?? 'no description'}. Start the sign-in again.` };
      }
      if (query.code === undefined || query.code === '') {
        return { ok: false, status: 400, message: 'The callback has no authorization code. Start the sign-in again.' };
      }

      return finish(mailbox, entry, query.code);
    },
  };

  async function finish(mailbox: SignInMailbox, entry: PendingSignIn, code: string): Promise<SignInOutcome> {
    const tokenOptions = { tokenUrl: mailbox.tokenUrl, fetch: doFetch, logger, sleep: (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)) };
    let tokens;
    try {
      tokens = await redeemAuthorizationCode(tokenOptions, {
        clientId: mailbox.clientId,
        clientSecret: mailbox.clientSecret,
        redirectUri: entry.redirectUri,
        scopes: DELEGATED_SCOPES,
        code,
        codeVerifier: entry.verifier,
      });
    } catch (error) {
      if (!isConnectorError(error)) {
        throw error;
      }
      logger.warn({ mailboxId: mailbox.id, code: error.failure.code }, 'Redeeming the Microsoft sign-in failed');
      return { ok: false, status: 502, message: error.message };
    }

    if (tokens.refreshToken === null) {
      return { ok: false, status: 502, message: 'Entra ID returned no refresh token; the app registration must allow the offline_access permission.' };
    }

    const signedInAs = await signedInAddresses(mailbox, tokens.accessToken, doFetch);
    if (!signedInAs.includes(mailbox.address.toLowerCase())) {
      logger.warn({ mailboxId: mailbox.id }, 'Rejected a Microsoft sign-in by an account that does not own the mailbox');
      return { ok: false, status: 403, message: `You signed in with another account. Sign in as ${mailbox.address}, the owner of this mailbox.` };
    }

    await options.refreshTokens.saveRefreshToken(mailbox.id, tokens.refreshToken);
    logger.info({ mailboxId: mailbox.id }, 'Mailbox owner signed in; delegated Graph access stored');
    options.onSignedIn?.(mailbox.id);
    return { ok: true, mailboxId: mailbox.id };
  }
}

/** Read the signed-in user's principal name and mail address from `GET /me`, lower-cased. */
async function signedInAddresses(mailbox: SignInMailbox, accessToken: string, doFetch: typeof fetch): Promise<string[]> {
  const response = await doFetch(`${mailbox.graphBaseUrl.replace(/\/+$/, '')}/me?$select=userPrincipalName,mail`, {
    headers: { Authorization: `Bearer ${accessToken}`, Accept: 'application/json' },
  });
  if (!response.ok) {
    return [];
  }

  const body = (await response.json().catch(() => null)) as { userPrincipalName?: unknown; mail?: unknown } | null;
  return [body?.userPrincipalName, body?.mail].filter((value): value is string => typeof value === 'string').map((value) => value.toLowerCase());
}
