/**
 * Storage of a delegated mailbox's refresh token between sessions. Entra ID hands out a new refresh token with
 * every use and keeps the old one valid until it expires, so the store keeps the newest and the old one may be
 * dropped. Implementations must keep the token encrypted at rest: it grants access to the mailbox.
 */
export interface RefreshTokenStore {
  /** The mailbox's refresh token, or null when its owner has not signed in yet. */
  loadRefreshToken(mailboxId: string): Promise<string | null>;
  saveRefreshToken(mailboxId: string, refreshToken: string): Promise<void>;
}
