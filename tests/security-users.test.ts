import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { signInWithPassword } from '../src/auth/password-sign-in.ts';
import { hashPassword, verifyPassword } from '../src/auth/passwords.ts';
import { UsageError } from '../src/cli/usage-error.ts';
import { runUsersAdd, type UsersAddOptions } from '../src/cli/users-command.ts';
import { createSignInSessions } from '../src/auth/sign-in-sessions.ts';
import { SignInThrottle } from '../src/auth/sign-in-throttle.ts';
import { createSilentLogger } from '../src/observability/logger.ts';
import { isUniqueViolation } from '../src/store/unique-violation.ts';
import { openStore, type SynclineStore } from '../src/store/index.ts';
import { postgresSchemaTarget, sqliteFileTarget, type StoreTarget } from './support/store-targets.ts';

const TARGETS: ReadonlyArray<{ name: string; makeTarget: () => StoreTarget }> = [
  { name: 'sqlite', makeTarget: sqliteFileTarget },
  { name: 'postgres', makeTarget: postgresSchemaTarget },
];
const PASSWORD = 'correct horse battery staple';
const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

describe.each(TARGETS)('users on $name', ({ makeTarget }) => {
  const target = makeTarget();
  let store: SynclineStore;
  let passwordHash: string;

  beforeAll(async () => {
    store = await target.open();
    passwordHash = await hashPassword(PASSWORD);
  });

  afterAll(async () => {
    await store?.close();
    await target.dispose();
  });

  beforeEach(async () => {
    await store.truncateAll();
    await store.upsertOrg({ id: 'acme', name: 'Acme' });
    await store.upsertOrg({ id: 'globex', name: 'Globex' });
  });

  const user = (id: string, orgId: string, email: string) => ({ id, orgId, email, role: 'user' as const, passwordHash, createdAt: '2026-05-04T10:00:00.000Z' });

  it('email is unique per org, case-insensitively', async () => {
    await store.createUser(user('u1', 'acme', 'Dana@Acme.example'));
    const duplicate = await store.createUser(user('u2', 'acme', 'dana@acme.EXAMPLE')).then(() => null, (error: unknown) => error);
    expect(isUniqueViolation(duplicate)).toBe(true);

    await store.createUser(user('u3', 'globex', 'dana@acme.example'));
    expect((await store.findUsersByEmail('DANA@acme.example')).map((found) => found.id)).toEqual(['u1', 'u3']);
  });

  it('same password in two orgs needs the org', async () => {
    await store.createUser(user('u1', 'acme', 'dana@acme.example'));
    await store.createUser(user('u2', 'globex', 'dana@acme.example'));
    const throttle = new SignInThrottle();

    expect(await signInWithPassword(store, throttle, { email: 'dana@acme.example', password: PASSWORD })).toEqual({ outcome: 'orgRequired', orgIds: ['acme', 'globex'] });
    const named = await signInWithPassword(store, throttle, { email: 'dana@acme.example', password: PASSWORD, orgId: 'globex' });
    expect(named.outcome === 'signedIn' ? named.user.id : null).toBe('u2');
  });

  it('sessions expire and die with their user', async () => {
    await store.createUser(user('u1', 'acme', 'dana@acme.example'));
    let now = new Date('2026-05-04T10:00:00.000Z');
    const sessions = createSignInSessions({ store, now: () => now, lifetimeMs: 60_000 });
    const first = await sessions.open(user('u1', 'acme', 'dana@acme.example'), 'password');
    expect((await sessions.resolve(first.token))?.userId).toBe('u1');

    now = new Date('2026-05-04T10:01:00.000Z');
    expect(await sessions.resolve(first.token)).toBeNull();

    const second = await sessions.open(user('u1', 'acme', 'dana@acme.example'), 'oidc');
    await store.truncateAll();
    expect(await sessions.resolve(second.token)).toBeNull();
  });

  it('expired sessions are cleared at sign-in', async () => {
    await store.createUser(user('u1', 'acme', 'dana@acme.example'));
    let now = new Date('2026-05-04T10:00:00.000Z');
    const sessions = createSignInSessions({ store, now: () => now, lifetimeMs: 60_000 });
    const old = await sessions.open(user('u1', 'acme', 'dana@acme.example'), 'password');
    now = new Date('2026-05-04T11:00:00.000Z');
    await sessions.open(user('u1', 'acme', 'dana@acme.example'), 'password');
    expect(await store.loadSignInSession(old.caller.sessionTokenHash)).toBeNull();
  });
});

interface RunResult {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Run the real binary with `input` piped to its standard input. */
function runSyncline(args: readonly string[], cwd: string, input: string): Promise<RunResult> {
  const env: NodeJS.ProcessEnv = { ...process.env, SYNCLINE_LOG_LEVEL: 'warn' };
  delete env.SYNCLINE_CONFIG;
  delete env.SYNCLINE_DATA_DIR;
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [path.join(repoRoot, 'bin', 'syncline.js'), ...args], { cwd, env, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(input);
  });
}

describe('users add command', () => {
  let folder: string;
  let configPath: string;

  beforeAll(() => {
    folder = mkdtempSync(path.join(tmpdir(), 'syncline-users-'));
    configPath = path.join(folder, 'syncline.config.json');
    writeFileSync(
      configPath,
      JSON.stringify({
        dataDir: './data',
        orgs: [
          {
            id: 'acme',
            name: 'Acme Corp',
            salesforce: { auth: { kind: 'refreshToken', clientId: 'c', clientSecret: 's', refreshToken: 'r' } },
            graph: { tenantId: 'acme.onmicrosoft.com', clientId: 'g', clientSecret: 'gs' },
            mailboxes: [{ address: 'dana@acme.example', timeZone: 'Europe/Berlin' }],
          },
        ],
      }),
    );
  });

  afterAll(() => {
    rmSync(folder, { recursive: true, force: true });
  });

  it('adds an admin with a piped password', async () => {
    const result = await runSyncline(['users', 'add', '--org', 'acme', '--email', 'Admin@Acme.example', '--role', 'admin', '--config', configPath], folder, `${PASSWORD}\n`);

    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^Added admin admin@acme\.example to org 'acme'/);
    expect(result.stdout).not.toContain(PASSWORD);

    const store = await openStore({ kind: 'sqlite', path: path.join(folder, 'data', 'syncline.db') }, createSilentLogger());
    try {
      const [added] = await store.findUsersByEmail('admin@acme.example');
      expect(added).toMatchObject({ orgId: 'acme', role: 'admin' });
      expect(added?.passwordHash).toMatch(/^\$argon2id\$v=19\$m=65536,p=4,t=3\$/);
      expect(await verifyPassword(added?.passwordHash ?? '', PASSWORD)).toBe(true);
    } finally {
      await store.close();
    }
  }, 120_000);

  /** Run the command in this process, with `password` standing in for the terminal or pipe. */
  async function addInProcess(options: UsersAddOptions, password: string): Promise<{ code: number; out: string; err: string }> {
    const out: string[] = [];
    const environment = { env: { SYNCLINE_LOG_LEVEL: 'silent' }, cwd: folder, stdout: (text: string) => out.push(text), stderr: () => undefined };
    try {
      return { code: await runUsersAdd({ ...options, config: configPath }, environment, async () => password), out: out.join('\n'), err: '' };
    } catch (error) {
      return { code: error instanceof UsageError ? 2 : 1, out: out.join('\n'), err: (error as Error).message };
    }
  }

  it('rejects a short password, an unknown org and a bad role', async () => {
    const short = await addInProcess({ org: 'acme', email: 'eli@acme.example', role: 'user' }, 'short');
    expect(short.code).toBe(2);
    expect(short.err).toMatch(/the password has 5 characters; use at least 12/);

    const org = await addInProcess({ org: 'nope', email: 'eli@acme.example', role: 'user' }, PASSWORD);
    expect(org.code).toBe(2);
    expect(org.err).toMatch(/no org has the id 'nope' in the configuration. Valid org ids: 'acme'/);

    const role = await addInProcess({ org: 'acme', email: 'eli@acme.example', role: 'owner' }, PASSWORD);
    expect(role.code).toBe(2);
    expect(role.err).toMatch(/--role: expected one of admin, user, got 'owner'/);

    const email = await addInProcess({ org: 'acme', email: 'eli-at-acme', role: 'user' }, PASSWORD);
    expect(email.code).toBe(2);
    expect(email.err).toMatch(/--email: expected an email address, got 'eli-at-acme'/);
  });

  it('adds an OIDC-only user and rejects a duplicate', async () => {
    const added = await addInProcess({ org: 'acme', email: 'dana@acme.example', role: 'user', password: false }, '');
    expect(added.code).toBe(0);
    expect(added.out).toMatch(/through the org's OIDC provider/);

    const again = await addInProcess({ org: 'acme', email: 'DANA@acme.example', role: 'user', password: false }, '');
    expect(again.code).toBe(2);
    expect(again.err).toMatch(/org 'acme' already has a user dana@acme\.example/);
  });
});
