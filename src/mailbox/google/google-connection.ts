import type { MailboxSetting, OrgSetting } from '../../config/resolved-config.ts';
import type { Logger } from '../../observability/logger.ts';
import type { RefreshTokenStore } from '../graph/auth/refresh-token-store.ts';
import type { GoogleConnectorOptions } from './google-options.ts';

/** Sources of a user OAuth mailbox's refresh token when the configuration sets none. */
export interface GoogleConnectionDeps {
  /** The encrypted store the owner's sign-in saved the refresh token to. */
  readonly refreshTokens?: RefreshTokenStore;
  /** The page where the owner signs in, named when the token is missing or refused. */
  readonly signInUrl?: string;
}

/**
 * Build the connector options of one configured mailbox of kind `google`: the org's service account, or the user's
 * own consent. Under user OAuth, a `googleRefreshToken` in the configuration is used as it is. Without one, the token
 * is read from the store at the first request. A mailbox whose owner has not signed in is suspended with the sign-in URL.
 */
export function googleConnectorOptions(org: OrgSetting, setting: MailboxSetting, logger: Logger, deps: GoogleConnectionDeps = {}): GoogleConnectorOptions {
  const google = org.google;
  if (google === undefined) {
    // The configuration check refuses this; a hand-built configuration could still reach it.
    throw new Error(`The google setting of org '${org.id}' is missing, but mailbox ${setting.address} has kind 'google'. Add the org's "google" block (docs/connect-google.md), or set the mailbox's kind to 'graph'`);
  }

  const common = { userEmail: setting.address, mailboxTimeZone: setting.timeZone, tokenUrl: google.tokenUrl, apiBaseUrl: google.apiBaseUrl, peopleBaseUrl: google.peopleBaseUrl, sendUpdates: google.sendUpdates, logger };
  if (google.auth.kind === 'serviceAccount') {
    const { clientEmail, privateKey, privateKeyId } = google.auth;
    return { ...common, credentials: { kind: 'serviceAccount', clientEmail, privateKey, ...(privateKeyId === undefined ? {} : { privateKeyId }) } };
  }
  const store = deps.refreshTokens;
  const refreshToken = setting.googleRefreshToken ?? (store === undefined ? async () => null : () => store.loadRefreshToken(setting.id));
  const signInUrl = deps.signInUrl === undefined ? {} : { signInUrl: deps.signInUrl };
  return { ...common, credentials: { kind: 'userOAuth', clientId: google.auth.clientId, clientSecret: google.auth.clientSecret, refreshToken, ...signInUrl } };
}
