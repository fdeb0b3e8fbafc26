import type { CredentialRows } from '../domain/credentials.ts';
import type { Logger } from '../observability/logger.ts';
import { CredentialDecryptionError, decryptSecret, encryptSecret } from './credential-cipher.ts';
import { associatedData } from './credential-store.ts';
import { generateKey, keyringFromEnvironment, KeyringError, OLD_ENCRYPTION_KEYS_VARIABLE, parseKey, readKeyFile, writeKeyFile, type Keyring } from './encryption-keys.ts';

export interface RotationReport {
  /** The key every credential is now encrypted with. */
  readonly keyId: string;
  readonly reencrypted: number;
  /** Keys no credential uses any more; with a key file they were removed from it. */
  readonly retiredKeyIds: readonly string[];
  readonly source: Keyring['source'];
}

export interface RotationOptions {
  readonly rows: CredentialRows;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly logger: Logger;
  readonly batchSize?: number;
  readonly now?: () => Date;
}

/** Passes over the table before giving up on rows that other processes keep writing under an old key. */
const MAX_PASSES = 5;

/**
 * Re-encrypt every stored credential under a new key (`syncline keys rotate`). With a key file, a new key is
 * generated and put first in the file while the old keys stay in it, every credential is re-encrypted under the new
 * key, and then the old keys are removed. Stopped half-way, every credential stays readable, and running the command
 * again finishes the work.
 * With `SYNCLINE_ENCRYPTION_KEY`, the operator first sets the new key there and the old one in
 * `SYNCLINE_ENCRYPTION_OLD_KEYS`. The command then re-encrypts under the new key and reports the old key ids that
 * can be removed.
 */
export async function rotateEncryptionKeys(options: RotationOptions): Promise<RotationReport> {
  const keyring = keyringFromEnvironment(options.env);
  const before = keyring.current();

  if (keyring.source.kind === 'file') {
    const filePath = keyring.source.path;
    const fresh = generateKey();
    writeKeyFile(filePath, [fresh, ...readKeyFile(filePath)]);
    options.logger.info({ keyId: fresh.id, previousKeyId: before.id, file: filePath }, 'New credential encryption key written first in the key file; re-encrypting');
  }

  const current = keyring.current();
  const reencrypted = await reencryptAll(keyring, options);

  const oldIds = keyring.source.kind === 'file' ? readKeyFile(keyring.source.path).slice(1).map((entry) => entry.id) : oldEnvironmentKeyIds(keyring, options.env);
  if (keyring.source.kind === 'file') {
    writeKeyFile(keyring.source.path, [current]);
  }
  options.logger.info({ keyId: current.id, reencrypted, retiredKeyIds: oldIds }, 'Credential encryption key rotation finished');
  return { keyId: current.id, reencrypted, retiredKeyIds: oldIds, source: keyring.source };
}

async function reencryptAll(keyring: Keyring, options: RotationOptions): Promise<number> {
  const batchSize = options.batchSize ?? 200;
  const now = options.now ?? (() => new Date());
  const unreadable = new Map<string, string>();
  let reencrypted = 0;

  for (let pass = 0; pass < MAX_PASSES; pass += 1) {
    let changedThisPass = 0;
    for (;;) {
      const key = keyring.current();
      const rows = (await options.rows.listCredentialRowsNotUnder(key.id, batchSize + unreadable.size)).filter((row) => !unreadable.has(rowName(row)));
      if (rows.length === 0) {
        break;
      }

      for (const row of rows) {
        const binding = associatedData(row.owner, row.kind);
        let secret: string;
        try {
          secret = decryptSecret(keyring, row.ciphertext, binding);
        } catch (error) {
          if (!(error instanceof CredentialDecryptionError)) {
            throw error;
          }
          unreadable.set(rowName(row), error.message);
          continue;
        }

        const replaced = await options.rows.replaceCredentialRow(row.ciphertext, { ...row, keyId: key.id, ciphertext: encryptSecret(key, secret, binding), updatedAt: now().toISOString() });
        // A row saved by another process meanwhile was encrypted under the current key already, or comes up again.
        if (replaced) {
          reencrypted += 1;
          changedThisPass += 1;
        }
      }
    }

    if (changedThisPass === 0) {
      break;
    }
  }

  if (unreadable.size > 0) {
    const listed = [...unreadable].slice(0, 5).map(([name, reason]) => `${name}: ${reason}`);
    throw new KeyringError(
      `${unreadable.size} credentials could not be re-encrypted, so the old keys were kept; ${listed.join('; ')}. ` +
        `Add the missing key to ${OLD_ENCRYPTION_KEYS_VARIABLE} (or the key file) and run \`syncline keys rotate\` again, or save those secrets again`,
    );
  }
  return reencrypted;
}

/** Ids of the keys in SYNCLINE_ENCRYPTION_OLD_KEYS other than the current one. */
function oldEnvironmentKeyIds(keyring: Keyring, env: RotationOptions['env']): string[] {
  const current = keyring.current().id;
  const ids = (env[OLD_ENCRYPTION_KEYS_VARIABLE] ?? '')
    .split(/[\s,]+/)
    .filter((entry) => entry !== '')
    .map((entry, index) => parseKey(entry, `${OLD_ENCRYPTION_KEYS_VARIABLE} entry ${index + 1}`).id);
  return [...new Set(ids)].filter((id) => id !== current);
}

function rowName(row: { owner: string; kind: string }): string {
  return `${row.owner} ${row.kind}`;
}
