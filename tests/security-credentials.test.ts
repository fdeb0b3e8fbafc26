import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { CredentialDecryptionError } from '../src/auth/credential-cipher.ts';
import { createCredentialStore } from '../src/auth/credential-store.ts';
import { generateKey, keyringFromEnvironment, KeyringError, readKeyFile, writeKeyFile, type EncryptionKey } from '../src/auth/encryption-keys.ts';
import { rotateEncryptionKeys } from '../src/auth/key-rotation.ts';
import { main } from '../src/cli/main.ts';
import { sandboxFolder } from '../src/config/sandbox-config.ts';
import { createSilentLogger } from '../src/observability/logger.ts';
import { openStore, type SynclineStore } from '../src/store/index.ts';
import { postgresSchemaTarget, sqliteFileTarget, type StoreTarget } from './support/store-targets.ts';

const TARGETS: ReadonlyArray<{ name: string; makeTarget: () => StoreTarget }> = [
  { name: 'sqlite', makeTarget: sqliteFileTarget },
  { name: 'postgres', makeTarget: postgresSchemaTarget },
];
const SECRET = 'refresh-token-5f1c9a7e-known-secret';
const logger = createSilentLogger();

function base64(key: EncryptionKey): string {
  return key.key.toString('base64');
}

describe.each(TARGETS)('credentials on $name', ({ makeTarget }) => {
  const target = makeTarget();
  let store: SynclineStore;
  let folder: string;

  beforeAll(async () => {
    store = await target.open();
  });

  afterAll(async () => {
    await store?.close();
    await target.dispose();
  });

  beforeEach(async () => {
    await store.truncateAll();
    folder = mkdtempSync(path.join(tmpdir(), 'syncline-keys-'));
    return () => rmSync(folder, { recursive: true, force: true });
  });

  it('round trip stores only ciphertext', async () => {
    const key = generateKey();
    const credentials = createCredentialStore(store, keyringFromEnvironment({ SYNCLINE_ENCRYPTION_KEY: base64(key) }));
    await credentials.saveCredential('mailbox:acme-1', 'graphRefreshToken', SECRET);

    expect(await credentials.loadCredential('mailbox:acme-1', 'graphRefreshToken')).toBe(SECRET);
    expect(await credentials.loadCredential('mailbox:acme-2', 'graphRefreshToken')).toBeNull();
    const row = await store.loadCredentialRow('mailbox:acme-1', 'graphRefreshToken');
    expect(row?.keyId).toBe(key.id);
    expect(row?.ciphertext.startsWith(`v1.${key.id}.`)).toBe(true);
    expect(row?.ciphertext).not.toContain(SECRET);
    expect(row?.ciphertext).not.toContain(Buffer.from(SECRET).toString('base64url'));
  });

  it('same secret encrypts differently each time', async () => {
    const credentials = createCredentialStore(store, keyringFromEnvironment({ SYNCLINE_ENCRYPTION_KEY: base64(generateKey()) }));
    await credentials.saveCredential('mailbox:a', 'password', SECRET);
    await credentials.saveCredential('mailbox:b', 'password', SECRET);
    const a = await store.loadCredentialRow('mailbox:a', 'password');
    const b = await store.loadCredentialRow('mailbox:b', 'password');
    expect(a?.ciphertext).not.toBe(b?.ciphertext);
  });

  it('ciphertext moved to another owner fails', async () => {
    const credentials = createCredentialStore(store, keyringFromEnvironment({ SYNCLINE_ENCRYPTION_KEY: base64(generateKey()) }));
    await credentials.saveCredential('mailbox:victim', 'graphRefreshToken', SECRET);
    await credentials.saveCredential('mailbox:attacker', 'graphRefreshToken', 'attacker-token');
    const stolen = await store.loadCredentialRow('mailbox:victim', 'graphRefreshToken');
    await store.saveCredentialRow({ owner: 'mailbox:attacker', kind: 'graphRefreshToken', keyId: stolen?.keyId ?? '', ciphertext: stolen?.ciphertext ?? '', updatedAt: new Date().toISOString() });

    await expect(credentials.loadCredential('mailbox:attacker', 'graphRefreshToken')).rejects.toBeInstanceOf(CredentialDecryptionError);
  });

  it('altered ciphertext fails', async () => {
    const credentials = createCredentialStore(store, keyringFromEnvironment({ SYNCLINE_ENCRYPTION_KEY: base64(generateKey()) }));
    await credentials.saveCredential('mailbox:a', 'password', SECRET);
    const row = await store.loadCredentialRow('mailbox:a', 'password');
    const parts = (row?.ciphertext ?? '').split('.');
    const body = Buffer.from(parts[3] ?? '', 'base64url');
    body[0] = (body[0] ?? 0) ^ 1;
    parts[3] = body.toString('base64url');
    await store.saveCredentialRow({ ...(row ?? { owner: '', kind: '', keyId: '', updatedAt: '' }), ciphertext: parts.join('.') });

    await expect(credentials.loadCredential('mailbox:a', 'password')).rejects.toThrow(/failed authentication/);
  });

  it('missing key names the key id', async () => {
    const old = generateKey();
    await createCredentialStore(store, keyringFromEnvironment({ SYNCLINE_ENCRYPTION_KEY: base64(old) })).saveCredential('org:acme', 'oidcClientSecret', SECRET);
    const withoutOld = createCredentialStore(store, keyringFromEnvironment({ SYNCLINE_ENCRYPTION_KEY: base64(generateKey()) }));
    await expect(withoutOld.loadCredential('org:acme', 'oidcClientSecret')).rejects.toThrow(new RegExp(`key ${old.id}`));
  });

  it('invalid owner and kind are rejected', async () => {
    const credentials = createCredentialStore(store, keyringFromEnvironment({ SYNCLINE_ENCRYPTION_KEY: base64(generateKey()) }));
    await expect(credentials.saveCredential('', 'password', SECRET)).rejects.toThrow(/owner '' is invalid/);
    await expect(credentials.saveCredential('mailbox:a', 'has space', SECRET)).rejects.toThrow(/kind 'has space' is invalid/);
    await expect(credentials.saveCredential('mailbox:a', 'password', '')).rejects.toThrow(/empty/);
  });

  it('key file rotation re-encrypts and retires the old key', async () => {
    const keyFile = path.join(folder, 'keys');
    const old = generateKey();
    writeKeyFile(keyFile, [old]);
    const env = { SYNCLINE_ENCRYPTION_KEY_FILE: keyFile };
    // A running process's keyring, opened before the rotation.
    const running = createCredentialStore(store, keyringFromEnvironment(env));
    for (let index = 0; index < 7; index += 1) {
      await running.saveCredential(`mailbox:m${index}`, 'graphRefreshToken', `${SECRET}-${index}`);
    }

    const report = await rotateEncryptionKeys({ rows: store, env, logger, batchSize: 3 });

    expect(report.reencrypted).toBe(7);
    expect(report.keyId).not.toBe(old.id);
    expect(report.retiredKeyIds).toEqual([old.id]);
    expect(readKeyFile(keyFile).map((key) => key.id)).toEqual([report.keyId]);
    expect(statSync(keyFile).mode & 0o077).toBe(0);
    expect(await store.listCredentialRowsNotUnder(report.keyId, 100)).toEqual([]);
    for (let index = 0; index < 7; index += 1) {
      expect(await running.loadCredential(`mailbox:m${index}`, 'graphRefreshToken')).toBe(`${SECRET}-${index}`);
    }
    // The running process writes new secrets under the new key.
    await running.saveCredential('mailbox:new', 'graphRefreshToken', SECRET);
    expect((await store.loadCredentialRow('mailbox:new', 'graphRefreshToken'))?.keyId).toBe(report.keyId);
  });

  it('interrupted rotation stays readable and finishes on rerun', async () => {
    const keyFile = path.join(folder, 'keys');
    const old = generateKey();
    const fresh = generateKey();
    writeKeyFile(keyFile, [old]);
    const env = { SYNCLINE_ENCRYPTION_KEY_FILE: keyFile };
    await createCredentialStore(store, keyringFromEnvironment(env)).saveCredential('mailbox:a', 'password', SECRET);
    // What a rotation stopped after its first step leaves: the new key first, the old one still there.
    writeKeyFile(keyFile, [fresh, old]);
    const midway = createCredentialStore(store, keyringFromEnvironment(env));
    await midway.saveCredential('mailbox:b', 'password', SECRET);
    expect(await midway.loadCredential('mailbox:a', 'password')).toBe(SECRET);

    const report = await rotateEncryptionKeys({ rows: store, env, logger });

    expect(report.reencrypted).toBe(2);
    expect(readKeyFile(keyFile)).toHaveLength(1);
    const after = createCredentialStore(store, keyringFromEnvironment(env));
    expect(await after.loadCredential('mailbox:a', 'password')).toBe(SECRET);
    expect(await after.loadCredential('mailbox:b', 'password')).toBe(SECRET);
  });

  it('environment rotation moves rows to the new key', async () => {
    const old = generateKey();
    const fresh = generateKey();
    await createCredentialStore(store, keyringFromEnvironment({ SYNCLINE_ENCRYPTION_KEY: base64(old) })).saveCredential('mailbox:a', 'graphRefreshToken', SECRET);

    const report = await rotateEncryptionKeys({ rows: store, env: { SYNCLINE_ENCRYPTION_KEY: base64(fresh), SYNCLINE_ENCRYPTION_OLD_KEYS: base64(old) }, logger });

    expect(report).toMatchObject({ keyId: fresh.id, reencrypted: 1, retiredKeyIds: [old.id] });
    const onlyNew = createCredentialStore(store, keyringFromEnvironment({ SYNCLINE_ENCRYPTION_KEY: base64(fresh) }));
    expect(await onlyNew.loadCredential('mailbox:a', 'graphRefreshToken')).toBe(SECRET);
  });

  it('unreadable row stops rotation and keeps old keys', async () => {
    const keyFile = path.join(folder, 'keys');
    const lost = generateKey();
    const old = generateKey();
    await createCredentialStore(store, keyringFromEnvironment({ SYNCLINE_ENCRYPTION_KEY: base64(lost) })).saveCredential('mailbox:lost', 'password', SECRET);
    writeKeyFile(keyFile, [old]);
    const env = { SYNCLINE_ENCRYPTION_KEY_FILE: keyFile };
    await createCredentialStore(store, keyringFromEnvironment(env)).saveCredential('mailbox:kept', 'password', SECRET);

    await expect(rotateEncryptionKeys({ rows: store, env, logger })).rejects.toThrow(new RegExp(`mailbox:lost password: .*key ${lost.id}`));
    const keys = readKeyFile(keyFile).map((key) => key.id);
    expect(keys).toHaveLength(2);
    expect(keys[1]).toBe(old.id);
    expect(await createCredentialStore(store, keyringFromEnvironment(env)).loadCredential('mailbox:kept', 'password')).toBe(SECRET);
  });
});

describe('encryption keys', () => {
  it('missing key names both variables', () => {
    expect(() => keyringFromEnvironment({})).toThrow(/SYNCLINE_ENCRYPTION_KEY .*SYNCLINE_ENCRYPTION_KEY_FILE/);
  });

  it('short key names the variable and the fix', () => {
    expect(() => keyringFromEnvironment({ SYNCLINE_ENCRYPTION_KEY: randomBytes(16).toString('base64') })).toThrow(/SYNCLINE_ENCRYPTION_KEY is not 32 bytes in base64.*openssl rand -base64 32/);
  });

  it('old key list error names the entry', () => {
    expect(() => keyringFromEnvironment({ SYNCLINE_ENCRYPTION_KEY: base64(generateKey()), SYNCLINE_ENCRYPTION_OLD_KEYS: `${base64(generateKey())},nonsense` })).toThrow(/SYNCLINE_ENCRYPTION_OLD_KEYS entry 2/);
  });

  it('missing key file names the path', () => {
    expect(() => keyringFromEnvironment({ SYNCLINE_ENCRYPTION_KEY_FILE: '/nonexistent/keys' })).toThrow(KeyringError);
    expect(() => keyringFromEnvironment({ SYNCLINE_ENCRYPTION_KEY_FILE: '/nonexistent/keys' })).toThrow(/key file \/nonexistent\/keys named by SYNCLINE_ENCRYPTION_KEY_FILE does not exist/);
  });

  it('key file skips comments and blank lines', () => {
    const folder = mkdtempSync(path.join(tmpdir(), 'syncline-keys-'));
    try {
      const key = generateKey();
      const file = path.join(folder, 'keys');
      writeFileSync(file, `# made by hand\n\n${base64(key)}\n`);
      expect(keyringFromEnvironment({ SYNCLINE_ENCRYPTION_KEY_FILE: file }).current().id).toBe(key.id);
    } finally {
      rmSync(folder, { recursive: true, force: true });
    }
  });
});

describe('keys rotate command', () => {
  it('rotates the sandbox store through the CLI', async () => {
    const dataDir = mkdtempSync(path.join(tmpdir(), 'syncline-cli-keys-'));
    try {
      const keyFile = path.join(dataDir, 'keys');
      writeKeyFile(keyFile, [generateKey()]);
      const env = { SYNCLINE_ENCRYPTION_KEY_FILE: keyFile, SYNCLINE_LOG_LEVEL: 'silent' };
      const store = await openStore({ kind: 'sqlite', path: path.join(sandboxFolder(dataDir), 'syncline.db') }, logger);
      try {
        await createCredentialStore(store, keyringFromEnvironment(env)).saveCredential('mailbox:a', 'password', SECRET);
      } finally {
        await store.close();
      }
      const before = readFileSync(keyFile, 'utf8');

      const out: string[] = [];
      const err: string[] = [];
      const code = await main(['node', 'syncline', 'keys', 'rotate', '--data-dir', dataDir], { env, cwd: dataDir, stdout: (text) => out.push(text), stderr: (text) => err.push(text) });

      expect(err).toEqual([]);
      expect(code).toBe(0);
      expect(out.join('\n')).toMatch(/Re-encrypted 1 credentials; every credential is now under key [0-9a-f]{16}/);
      expect(readFileSync(keyFile, 'utf8')).not.toBe(before);
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });

  it('without a key exits 2 with the fix', async () => {
    const dataDir = mkdtempSync(path.join(tmpdir(), 'syncline-cli-keys-'));
    try {
      const err: string[] = [];
      const code = await main(['node', 'syncline', 'keys', 'rotate', '--data-dir', dataDir], { env: { SYNCLINE_LOG_LEVEL: 'silent' }, cwd: dataDir, stdout: () => undefined, stderr: (text) => err.push(text) });
      expect(code).toBe(2);
      expect(err.join('\n')).toMatch(/set SYNCLINE_ENCRYPTION_KEY to 32 random bytes in base64/);
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
