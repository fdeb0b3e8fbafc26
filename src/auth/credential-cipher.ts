import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import type { EncryptionKey, Keyring } from './encryption-keys.ts';

/**
 * AES-256-GCM for one secret. A ciphertext reads `v1.<key id>.<iv>.<encrypted bytes>.<tag>` (base64url parts), so
 * it names the key that opens it. The associated data binds it to its owner and kind: a ciphertext copied onto
 * another row fails to decrypt instead of handing one mailbox's token to another.
 */
const VERSION = 'v1';
/** 96-bit IVs, the size GCM is specified for (NIST SP 800-38D); random per encryption. */
const IV_BYTES = 12;
const TAG_BYTES = 16;

/** A ciphertext that cannot be opened: no key for it, or altered, or bound to another owner and kind. */
export class CredentialDecryptionError extends Error {
  constructor(
    message: string,
    readonly keyId: string | null,
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.name = 'CredentialDecryptionError';
  }
}

export function encryptSecret(key: EncryptionKey, secret: string, associatedData: string): string {
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv('aes-256-gcm', key.key, iv, { authTagLength: TAG_BYTES });
  cipher.setAAD(Buffer.from(associatedData, 'utf8'));
  const encrypted = Buffer.concat([cipher.update(secret, 'utf8'), cipher.final()]);
  return [VERSION, key.id, iv.toString('base64url'), encrypted.toString('base64url'), cipher.getAuthTag().toString('base64url')].join('.');
}

export function decryptSecret(keyring: Keyring, ciphertext: string, associatedData: string): string {
  const parts = ciphertext.split('.');
  const [version, keyId, iv, encrypted, tag] = parts;
  if (parts.length !== 5 || version !== VERSION || keyId === undefined || iv === undefined || encrypted === undefined || tag === undefined) {
    throw new CredentialDecryptionError(`The stored credential is not a ${VERSION} ciphertext; save the secret again`, null);
  }

  const key = keyring.find(keyId);
  if (key === null) {
    throw new CredentialDecryptionError(
      `The stored credential is encrypted with key ${keyId}, which the keyring does not hold; add that key back (as an old key) or save the secret again`,
      keyId,
    );
  }

  try {
    const decipher = createDecipheriv('aes-256-gcm', key.key, Buffer.from(iv, 'base64url'), { authTagLength: TAG_BYTES });
    decipher.setAAD(Buffer.from(associatedData, 'utf8'));
    decipher.setAuthTag(Buffer.from(tag, 'base64url'));
    return Buffer.concat([decipher.update(Buffer.from(encrypted, 'base64url')), decipher.final()]).toString('utf8');
  } catch (error) {
    throw new CredentialDecryptionError(`The stored credential under key ${keyId} failed authentication: it was altered or belongs to another owner; save the secret again`, keyId, { cause: error });
  }
}
