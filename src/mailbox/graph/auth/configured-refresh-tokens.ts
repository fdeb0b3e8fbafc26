import { createCredentialStore } from '../../../auth/credential-store.ts';
import { keyringFromEnvironment } from '../../../auth/encryption-keys.ts';
import type { SynclineConfig } from '../../../config/resolved-config.ts';
import type { CredentialRows } from '../../../domain/credentials.ts';
import { credentialRefreshTokens } from './credential-refresh-tokens.ts';
import type { RefreshTokenStore } from './refresh-token-store.ts';

/**
 * Build the refresh token store of the configured mailboxes with delegated access, encrypted in the store's
 * credentials. Returns null when no mailbox uses delegated access, because app-only set-ups need no encryption key.
 * Throws the keyring's error, which names `SYNCLINE_ENCRYPTION_KEY`, when a mailbox is delegated and no key is set.
 */
export function configuredRefreshTokens(config: SynclineConfig, rows: CredentialRows, env: Readonly<Record<string, string | undefined>>): RefreshTokenStore | null {
  const delegated = config.orgs.some((org) => org.mailboxes.some((mailbox) => mailbox.graphAuth === 'delegated'));
  if (!delegated) {
    return null;
  }
  return credentialRefreshTokens(createCredentialStore(rows, keyringFromEnvironment(env)));
}

/**
 * Build the refresh token store for the engine's sessions, like configuredRefreshTokens. When the encryption key is
 * missing or unreadable, each load and save fails with the keyring's error. So only the delegated mailboxes'
 * sessions fail, each with the reason, and the other mailboxes keep syncing. Undefined when no mailbox is delegated.
 */
export function sessionRefreshTokens(config: SynclineConfig, rows: CredentialRows, env: Readonly<Record<string, string | undefined>>): RefreshTokenStore | undefined {
  try {
    return configuredRefreshTokens(config, rows, env) ?? undefined;
  } catch (error) {
    const failing = (): Promise<never> => Promise.reject(error instanceof Error ? error : new Error(String(error)));
    return { loadRefreshToken: failing, saveRefreshToken: failing };
  }
}
