/**
 * A secret kept encrypted at rest (a refresh token, a password), as one row of the store. The store receives only
 * ciphertext; src/auth/credential-store.ts encrypts and decrypts.
 */
export interface CredentialRow {
  /** Owner of the secret, e.g. `mailbox:acme-1f2e…` or `org:acme`. */
  readonly owner: string;
  /** Kind of secret, e.g. `graphRefreshToken`; one secret per owner and kind. */
  readonly kind: string;
  /** Id of the key the ciphertext was made with; rotation re-encrypts rows whose key is not the current one. */
  readonly keyId: string;
  readonly ciphertext: string;
  readonly updatedAt: string;
}

/** The part of the store that keeps encrypted credentials (migration 0013). */
export interface CredentialRows {
  /** Insert or replace the row of `row.owner` and `row.kind`. */
  saveCredentialRow(row: CredentialRow): Promise<void>;
  loadCredentialRow(owner: string, kind: string): Promise<CredentialRow | null>;
  deleteCredentialRow(owner: string, kind: string): Promise<void>;
  /** Up to `limit` rows made with another key than `keyId`, ordered by owner and kind. */
  listCredentialRowsNotUnder(keyId: string, limit: number): Promise<CredentialRow[]>;
  /**
   * Replace the row only while its ciphertext is still `expectedCiphertext`. Returns false when another writer
   * changed it first: its newer secret then wins, and rotation reads it again.
   */
  replaceCredentialRow(expectedCiphertext: string, row: CredentialRow): Promise<boolean>;
}
