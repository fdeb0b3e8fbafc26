import { createCredentialStore } from '../../../auth/credential-store.ts';
import { keyringFromEnvironment } from '../../../auth/encryption-keys.ts';
import type { SynclineConfig } from '../../../config/resolved-config.ts';
import type { CredentialRows } from '../../../domain/credentials.ts';
import type { SecretStore } from '../../graph/auth/credential-refresh-tokens.ts';
import type { RefreshTokenStore } from '../../graph/auth/refresh-token-store.ts';

/** The credential kind under which a mailbox's Google refresh token is kept, owner `mailbox:<id>`. */
export const GOOGLE_REFRESH_TOKEN_KIND = 'googleRefreshToken';

/** Keep the refresh tokens of Google mailboxes whose owners signed in, in the encrypted credential store. */
export function googleRefreshTokens(secrets: SecretStore): RefreshTokenStore {
  return {
    loadRefreshToken: (mailboxId) => secrets.loadCredential(`mailbox:${mailboxId}`, GOOGLE_REFRESH_TOKEN_KIND),
    saveRefreshToken: (mailboxId, refreshToken) => secrets.saveCredential(`mailbox:${mailboxId}`, GOOGLE_REFRESH_TOKEN_KIND, refreshToken),
  };
}

/** Return whether any mailbox of kind `google` belongs to an org whose Google access is user OAuth. */
export function usesGoogleUserOAuth(config: SynclineConfig): boolean {
  return config.orgs.some((org) => org.google?.auth.kind === 'userOAuth' && org.mailboxes.some((mailbox) => mailbox.kind === 'google'));
}

/**
 * Build the Google refresh token store for sessions and the sign-in; undefined when no mailbox uses user OAuth, so
 * service-account set-ups need no encryption key. When the key is missing or unreadable, each load and save fails
 * with the keyring's error (it names `SYNCLINE_ENCRYPTION_KEY`), so only those mailboxes fail, each with the reason.
 */
export function sessionGoogleRefreshTokens(config: SynclineConfig, rows: CredentialRows, env: Readonly<Record<string, string | undefined>>): RefreshTokenStore | undefined {
  if (!usesGoogleUserOAuth(config)) {
    return undefined;
  }
  try {
    return googleRefreshTokens(createCredentialStore(rows, keyringFromEnvironment(env)));
  } catch (error) {
    const failing = (): Promise<never> => Promise.reject(error instanceof Error ? error : new Error(String(error)));
    return { loadRefreshToken: failing, saveRefreshToken: failing };
  }
}
