import { createHash, randomBytes } from 'node:crypto';
import { chmodSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';

/**
 * The keys that encrypt credentials at rest (AES-256-GCM, so 32 bytes each). One key is current and encrypts;
 * older keys stay readable so that a key rotation can re-encrypt what they encrypted.
 *
 * Keys come from the environment (`SYNCLINE_ENCRYPTION_KEY`, plus `SYNCLINE_ENCRYPTION_OLD_KEYS` during a
 * rotation) or from a key file named by `SYNCLINE_ENCRYPTION_KEY_FILE`: one base64 key per line, the first one
 * current, lines starting with `#` ignored.
 */
export const ENCRYPTION_KEY_VARIABLE = 'SYNCLINE_ENCRYPTION_KEY';
export const OLD_ENCRYPTION_KEYS_VARIABLE = 'SYNCLINE_ENCRYPTION_OLD_KEYS';
export const ENCRYPTION_KEY_FILE_VARIABLE = 'SYNCLINE_ENCRYPTION_KEY_FILE';

const KEY_BYTES = 32;

export interface EncryptionKey {
  /** The first 8 bytes of the key's SHA-256, hex: names the key in ciphertexts without revealing it. */
  readonly id: string;
  readonly key: Buffer;
}

export type KeySource = { readonly kind: 'environment' } | { readonly kind: 'file'; readonly path: string };

export interface Keyring {
  readonly source: KeySource;
  /** The key new ciphertexts are made with. */
  current(): EncryptionKey;
  /** The key with this id, or null when the keyring does not hold it. */
  find(keyId: string): EncryptionKey | null;
}

/** No usable key: the message names the variable or file and how to fix it. */
export class KeyringError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'KeyringError';
  }
}

type Environment = Readonly<Record<string, string | undefined>>;

/** Build the keyring the environment describes; the key variable wins over a key file. */
export function keyringFromEnvironment(env: Environment): Keyring {
  const value = env[ENCRYPTION_KEY_VARIABLE];
  if (value !== undefined && value.trim() !== '') {
    const current = parseKey(value, ENCRYPTION_KEY_VARIABLE);
    const old = (env[OLD_ENCRYPTION_KEYS_VARIABLE] ?? '')
      .split(/[\s,]+/)
      .filter((entry) => entry !== '')
      .map((entry, index) => parseKey(entry, `${OLD_ENCRYPTION_KEYS_VARIABLE} entry ${index + 1}`));
    return fixedKeyring({ kind: 'environment' }, [current, ...old]);
  }

  const file = env[ENCRYPTION_KEY_FILE_VARIABLE];
  if (file !== undefined && file.trim() !== '') {
    return fileKeyring(path.resolve(file));
  }

  throw new KeyringError(
    `No encryption key for stored credentials: set ${ENCRYPTION_KEY_VARIABLE} to 32 random bytes in base64 ` +
      `(for example the output of \`openssl rand -base64 32\`), or ${ENCRYPTION_KEY_FILE_VARIABLE} to a file holding such a key`,
  );
}

/** 32 bytes in base64 (standard or URL-safe alphabet): 43 characters and an optional `=`. */
const KEY_PATTERN = /^[A-Za-z0-9+/_-]{43}=?$/;

/** Decode one base64 key; `where` names its origin in the error. */
export function parseKey(text: string, where: string): EncryptionKey {
  const trimmed = text.trim();
  if (!KEY_PATTERN.test(trimmed)) {
    throw new KeyringError(`${where} is not ${KEY_BYTES} bytes in base64 (${trimmed.length} characters; expected 44 such as the output of \`openssl rand -base64 32\`)`);
  }
  const key = Buffer.from(trimmed, 'base64');
  return { id: keyIdOf(key), key };
}

export function keyIdOf(key: Buffer): string {
  return createHash('sha256').update(key).digest('hex').slice(0, 16);
}

export function generateKey(): EncryptionKey {
  const key = randomBytes(KEY_BYTES);
  return { id: keyIdOf(key), key };
}

/** Read a key file: its keys in order, current first. */
export function readKeyFile(filePath: string): EncryptionKey[] {
  let text: string;
  try {
    text = readFileSync(filePath, 'utf8');
  } catch (error) {
    throw new KeyringError(`Cannot read the key file ${filePath} named by ${ENCRYPTION_KEY_FILE_VARIABLE} (${(error as NodeJS.ErrnoException).code ?? 'error'}); check the path and its permissions`);
  }

  const keys = text
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'))
    .map((line, index) => parseKey(line, `${filePath} key ${index + 1}`));
  if (keys.length === 0) {
    throw new KeyringError(`The key file ${filePath} contains no key; put 32 random bytes in base64 on its first line (\`openssl rand -base64 32 > ${filePath}\`)`);
  }
  return keys;
}

/**
 * Replace the key file's content in one step (write a sibling, then rename), readable by its owner only, so a
 * process reading it at the same moment reads the old or the new keys, never half a file.
 */
export function writeKeyFile(filePath: string, keys: readonly EncryptionKey[]): void {
  const lines = ['# Syncline credential encryption keys: the first key encrypts, the others stay readable until a rotation ends.', ...keys.map((entry) => entry.key.toString('base64'))];
  const temporary = `${filePath}.${process.pid}.tmp`;
  writeFileSync(temporary, `${lines.join('\n')}\n`, { mode: 0o600 });
  chmodSync(temporary, 0o600);
  renameSync(temporary, filePath);
}

function fixedKeyring(source: KeySource, keys: readonly EncryptionKey[]): Keyring {
  const [current] = keys;
  if (current === undefined) {
    throw new KeyringError(`Internal error: fixedKeyring got no key for the ${source.kind} key source`);
  }
  const byId = new Map(keys.map((entry) => [entry.id, entry]));
  return { source, current: () => current, find: (keyId) => byId.get(keyId) ?? null };
}

/**
 * Create a keyring over a key file that reads the file again when it changes. A running process so picks up a
 * rotation that `syncline keys rotate` started in another process: new credentials go under the new key, and rows
 * that the rotation re-encrypted stay readable.
 */
function fileKeyring(filePath: string): Keyring {
  let stamp = '';
  let keyring: Keyring | null = null;

  const load = (): Keyring => {
    const stats = statSync(filePath, { throwIfNoEntry: false });
    if (stats === undefined) {
      throw new KeyringError(`The key file ${filePath} named by ${ENCRYPTION_KEY_FILE_VARIABLE} does not exist; create it with \`openssl rand -base64 32 > ${filePath}\` and \`chmod 600 ${filePath}\``);
    }

    const next = `${stats.mtimeMs}:${stats.size}:${stats.ino}`;
    if (keyring === null || next !== stamp) {
      keyring = fixedKeyring({ kind: 'file', path: filePath }, readKeyFile(filePath));
      stamp = next;
    }
    return keyring;
  };

  load();
  return {
    source: { kind: 'file', path: filePath },
    current: () => load().current(),
    find: (keyId) => load().find(keyId),
  };
}
