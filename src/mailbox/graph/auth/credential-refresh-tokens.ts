import type { RefreshTokenStore } from './refresh-token-store.ts';

/** The part of the encrypted credential store (src/auth/credential-store.ts) that refresh tokens need. */
export interface SecretStore {
  saveCredential(owner: string, kind: string, secret: string): Promise<void>;
  loadCredential(owner: string, kind: string): Promise<string | null>;
}

/** The credential kind under which a mailbox's Graph refresh token is kept, owner `mailbox:<id>`. */
export const GRAPH_REFRESH_TOKEN_KIND = 'graphRefreshToken';

/** Keep delegated mailboxes' refresh tokens in the encrypted credential store. */
export function credentialRefreshTokens(secrets: SecretStore): RefreshTokenStore {
  return {
    loadRefreshToken: (mailboxId) => secrets.loadCredential(`mailbox:${mailboxId}`, GRAPH_REFRESH_TOKEN_KIND),
    saveRefreshToken: (mailboxId, refreshToken) => secrets.saveCredential(`mailbox:${mailboxId}`, GRAPH_REFRESH_TOKEN_KIND, refreshToken),
  };
}
