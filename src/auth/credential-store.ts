import type { CredentialRows } from '../domain/credentials.ts';
import { decryptSecret, encryptSecret } from './credential-cipher.ts';
import type { Keyring } from './encryption-keys.ts';

/**
 * Secrets encrypted at rest: OAuth refresh tokens, passwords of mail servers. Callers name a secret by its owner
 * (`mailbox:<id>`, `org:<id>`) and kind (`graphRefreshToken`); the store holds only AES-256-GCM ciphertext.
 */
export interface CredentialStore {
  saveCredential(owner: string, kind: string, secret: string): Promise<void>;
  /** The secret, or null when none is saved; throws CredentialDecryptionError when it cannot be opened. */
  loadCredential(owner: string, kind: string): Promise<string | null>;
  deleteCredential(owner: string, kind: string): Promise<void>;
}

const OWNER_PATTERN = /^[A-Za-z0-9][A-Za-z0-9:._@+-]{0,199}$/;
const KIND_PATTERN = /^[A-Za-z][A-Za-z0-9._-]{0,63}$/;

export function createCredentialStore(rows: CredentialRows, keyring: Keyring, now: () => Date = () => new Date()): CredentialStore {
  return {
    async saveCredential(owner, kind, secret) {
      checkName(owner, kind);
      if (secret === '') {
        throw new Error(`The ${kind} of ${owner} is empty; delete the credential instead of saving an empty secret`);
      }

      const key = keyring.current();
      await rows.saveCredentialRow({ owner, kind, keyId: key.id, ciphertext: encryptSecret(key, secret, associatedData(owner, kind)), updatedAt: now().toISOString() });
    },

    async loadCredential(owner, kind) {
      checkName(owner, kind);
      const row = await rows.loadCredentialRow(owner, kind);
      return row === null ? null : decryptSecret(keyring, row.ciphertext, associatedData(owner, kind));
    },

    async deleteCredential(owner, kind) {
      checkName(owner, kind);
      await rows.deleteCredentialRow(owner, kind);
    },
  };
}

/** Build the associated data a credential's ciphertext is bound to; decrypting it under another owner or kind fails. */
export function associatedData(owner: string, kind: string): string {
  return `syncline credential v1\n${owner}\n${kind}`;
}

function checkName(owner: string, kind: string): void {
  if (!OWNER_PATTERN.test(owner)) {
    throw new Error(`Credential owner '${owner}' is invalid; use letters, digits and : . _ @ + - (up to 200), such as mailbox:acme-1f2e`);
  }
  if (!KIND_PATTERN.test(kind)) {
    throw new Error(`Credential kind '${kind}' is invalid; use a letter, then letters, digits and . _ - (up to 64), such as graphRefreshToken`);
  }
}
