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
