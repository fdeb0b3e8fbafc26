import { spawn } from 'node:child_process';
import { closeSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { pino } from 'pino';
import { startEwsEmulator, type RunningEwsEmulator } from '../emulators/ews/server.ts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CommandEnvironment } from '../src/cli/command-environment.ts';
import { main } from '../src/cli/main.ts';
import { sandboxFolder } from '../src/config/sandbox-config.ts';
import { openStore } from '../src/store/index.ts';
import { E2eHarness, SYNC_ID_FIELD } from './support/e2e-harness.ts';
import { timedSeed } from './support/graph-seeds.ts';
import { mailbox } from './support/store-fixtures.ts';

/**
 * A new user's path from the README: the sandbox's start text (dashboard address, org id, sign-in account), the
 * errors of `users add` for a wrong --org, and the dry run's words when planning fails.
 */

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const binPath = path.join(repoRoot, 'bin', 'syncline.js');
const WINDOW = { start: '2026-04-01T00:00:00Z', end: '2026-07-01T00:00:00Z' };

function captured(cwd: string, env: Record<string, string> = {}): CommandEnvironment & { out: string[]; err: string[] } {
  const out: string[] = [];
  const err: string[] = [];
  return { env, cwd, out, err, stdout: (text) => out.push(text), stderr: (text) => err.push(text) };
}

async function run(cwd: string, args: readonly string[], env: Record<string, string> = {}) {
  const io = captured(cwd, env);
  const code = await main(['node', 'syncline', ...args], io);
  return { code, out: io.out.join('\n'), err: io.err.join('\n') };
}

async function waitUntil(condition: () => boolean, timeoutMs: number, describe: () => string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) {
      throw new Error(describe());
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

interface StartResult {
  readonly text: string;
  /** Status of a sign-in with the password given, and the account it signed in to. */
  readonly signIn: { status: number; role: unknown; org: unknown } | null;
  readonly wrongPassword: number | null;
}

/**
 * Run `syncline start` on the sandbox until its sign-in text is out. With a password, sign in to its API with it (and
 * with a wrong one) while it runs. Then stop it and return what it printed.
 */
async function startSandbox(work: string, dataDir: string, name: string, password: string | null): Promise<StartResult> {
  const env: NodeJS.ProcessEnv = { ...process.env, SYNCLINE_LOG_LEVEL: 'warn', SYNCLINE_SANDBOX_GOOGLE: '0', SYNCLINE_SANDBOX_IMAP: '0' };
  delete env.SYNCLINE_CONFIG;
  delete env.SYNCLINE_DATA_DIR;
  delete env.SYNCLINE_DATABASE_URL;
  const outputFile = path.join(work, `${name}.txt`);
  const output = openSync(outputFile, 'w');
  const child = spawn(process.execPath, [binPath, 'start', '--data-dir', dataDir, '--port', '0'], { cwd: work, env, stdio: ['ignore', output, output] });
  closeSync(output);
  const exited = new Promise<number | null>((resolve) => child.once('close', resolve));
  const read = () => readFileSync(outputFile, 'utf8');
  try {
    await waitUntil(() => /Sign in as .*\n.*\n/.test(read()), 60_000, () => `no sign-in text within 60 s:\n${read()}`);
    const text = read();
    if (password === null) {
      return { text, signIn: null, wrongPassword: null };
    }
    const base = /Dashboard: {2}(http:\/\/[^/\s]+)\//.exec(text)?.[1];
    if (base === undefined) {
      throw new Error(`no dashboard address:\n${text}`);
    }
    const signIn = (secret: string) =>
      fetch(`${base}/api/v1/auth/sign-in`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email: 'admin@sandbox.example.com', password: secret }) });
    const wrong = await signIn(`${password}x`);
    const right = await signIn(password);
    const body = (await right.json()) as { user?: { role?: unknown; orgId?: unknown } };
    return { text, signIn: { status: right.status, role: body.user?.role, org: body.user?.orgId }, wrongPassword: wrong.status };
  } finally {
    child.kill('SIGTERM');
    await exited;
  }
}

describe('sandbox start text', () => {
  let work: string;

  beforeAll(() => {
    work = mkdtempSync(path.join(tmpdir(), 'syncline-sandbox-ux-'));
  });

  afterAll(() => {
    rmSync(work, { recursive: true, force: true });
  });

  it('prints the dashboard, the org id and a working sign-in once', async () => {
    const dataDir = path.join(work, 'data');
    const first = (await startSandbox(work, dataDir, 'first-start', null)).text;

    expect(first).toContain('Org:                  id sandbox  ("Sandbox Org"');
    expect(first).toMatch(/EWS emulator: .*Basic or NTLM as svc-syncline@sandbox\.example\.com/);
    const dashboard = /Dashboard: {2}(http:\/\/[^/\s]+)\/ {2}\(the sandbox listens on 127\.0\.0\.1 only\)/.exec(first);
    expect(dashboard, first).not.toBeNull();
    const url = new URL(dashboard![1]!);
    expect(url.hostname).toBe('127.0.0.1');
    // Every server the sandbox names, the emulators and the dashboard, listens on loopback only.
    const hosts = [...first.matchAll(/https?:\/\/([^/:\s]+)/g)].map((match) => match[1]);
    expect(hosts.length).toBeGreaterThanOrEqual(4);
    expect(new Set(hosts)).toEqual(new Set(['127.0.0.1']));
    const password = /Sign in as admin@sandbox\.example\.com \(admin of org sandbox\) with the password (\S+)\n/.exec(first)?.[1];
    expect(password, first).toBeDefined();
    expect(first).toContain('The password is shown only now and stored hashed');

    // The printed password is the stored account's: a second start signs in with it, and prints it no more.
    const second = await startSandbox(work, dataDir, 'second-start', password!);
    expect(second.signIn).toEqual({ status: 200, role: 'admin', org: 'sandbox' });
    expect(second.wrongPassword).toBe(401);
    expect(second.text).toContain('with the password printed when this sandbox first started');
    expect(second.text).not.toContain(password);
  }, 180_000);
});

describe('users add names the valid org ids', () => {
  let work: string;

  beforeAll(async () => {
    work = mkdtempSync(path.join(tmpdir(), 'syncline-users-org-'));
    const config = {
      dataDir: path.join(work, 'data'),
      syncWindow: WINDOW,
      orgs: [
        {
          id: 'acme',
          name: 'Acme Corp',
          salesforce: { loginUrl: 'http://127.0.0.1:9', auth: { kind: 'refreshToken', clientId: 'sf-app', clientSecret: 'sf-secret', refreshToken: 'sf-refresh' }, syncIdField: SYNC_ID_FIELD },
          graph: { tenantId: 'acme-tenant', clientId: 'graph-app', clientSecret: 'graph-secret', authorityUrl: 'http://127.0.0.1:9', graphBaseUrl: 'http://127.0.0.1:9/v1.0' },
          mailboxes: [{ address: 'dana@acme.example', timeZone: 'Europe/Berlin' }],
        },
      ],
    };
    writeFileSync(path.join(work, 'syncline.config.json'), JSON.stringify(config));

    const sandboxData = path.join(work, 'sandbox-data');
    mkdirSync(sandboxFolder(sandboxData), { recursive: true });
    const store = await openStore({ kind: 'sqlite', path: path.join(sandboxFolder(sandboxData), 'syncline.db') }, pino({ level: 'silent' }));
    try {
      await store.upsertOrg({ id: 'sandbox', name: 'Sandbox Org' });
      await store.upsertMailbox({ ...mailbox('sandbox-alex'), orgId: 'sandbox', address: 'alex.morgan@sandbox.example.com' });
    } finally {
      await store.close();
    }
  });

  afterAll(() => {
    rmSync(work, { recursive: true, force: true });
  });

  it('an org name points to its id', async () => {
    const result = await run(work, ['users', 'add', '--org', 'Acme Corp', '--email', 'ann@acme.example', '--role', 'admin', '--no-password']);
    expect(result.code).toBe(2);
    expect(result.err).toContain("--org: no org has the id 'Acme Corp' in the configuration. 'Acme Corp' is the name of org 'acme'; pass --org acme. Valid org ids: 'acme' (Acme Corp).");
  });

  it('an unknown id lists the valid ones, and a valid id works', async () => {
    const unknown = await run(work, ['users', 'add', '--org', 'globex', '--email', 'ann@acme.example', '--role', 'admin', '--no-password']);
    expect(unknown.code).toBe(2);
    expect(unknown.err).toContain("Valid org ids: 'acme' (Acme Corp).");

    const added = await run(work, ['users', 'add', '--org', 'acme', '--email', 'ann@acme.example', '--role', 'admin', '--no-password']);
    expect(added.code, added.err).toBe(0);
    expect(added.out).toContain("Added admin ann@acme.example to org 'acme'");
  });

  it('the sandbox lists its org id', async () => {
    const empty = mkdtempSync(path.join(tmpdir(), 'syncline-users-sandbox-'));
    try {
      const result = await run(empty, ['users', 'add', '--org', 'Sandbox Org', '--email', 'ann@sandbox.example.com', '--role', 'admin', '--no-password', '--data-dir', path.join(work, 'sandbox-data')]);
      expect(result.code).toBe(2);
      expect(result.err).toContain("--org: no org has the id 'Sandbox Org' in the sandbox store. Valid org ids: 'sandbox'.");
    } finally {
      rmSync(empty, { recursive: true, force: true });
    }
  });
});

describe('dry run with failing sign-in', () => {
  let harness: E2eHarness;
  let work: string;
  let configPath: string;

  beforeAll(async () => {
    harness = await E2eHarness.start({ window: WINDOW });
    await harness.seedMailbox([timedSeed('Kick-off', '2026-05-06', '09:00', '10:00')]);
    work = mkdtempSync(path.join(tmpdir(), 'syncline-dry-run-auth-'));
    configPath = path.join(work, 'syncline.config.json');
    const config = {
      dataDir: path.join(work, 'data'),
      syncWindow: WINDOW,
      orgs: [
        {
          id: 'contoso',
          name: 'Contoso',
          salesforce: { loginUrl: harness.salesforceUrl, auth: { kind: 'refreshToken', clientId: 'sf-app', clientSecret: 'sf-secret', refreshToken: 'sf-refresh' }, syncIdField: SYNC_ID_FIELD },
          // A secret the Graph emulator does not know: every mailbox read fails to sign in.
          graph: { tenantId: 'contoso-tenant', clientId: 'graph-app', clientSecret: 'not-the-secret', authorityUrl: harness.graphUrl, graphBaseUrl: `${harness.graphUrl}/v1.0` },
          mailboxes: [{ address: harness.mailbox.address, timeZone: 'Europe/Berlin' }],
        },
      ],
    };
    writeFileSync(configPath, JSON.stringify(config));
  });

  afterAll(async () => {
    await harness.close();
    rmSync(work, { recursive: true, force: true });
  });

  it('says planning failed and that nothing changed, and exits 1', async () => {
    const result = await run(work, ['sync', '--dry-run', '--config', configPath]);

    expect(result.code, result.err).toBe(1);
    const [headline, ...details] = result.out.split('\n');
    expect(headline).toMatch(new RegExp(`^${harness.mailbox.address.replace(/[.]/g, '\\.')}: planning failed for Event`));
    expect(headline).toContain('Dry run: nothing was changed on either side or in the store, and the mailbox was not suspended');
    expect(result.out).not.toContain('nothing to do');
    expect(result.out).not.toContain('so the mailbox is suspended');
    expect(details.some((line) => line.startsWith('  Event could not be planned: '))).toBe(true);

    const status = await run(work, ['status', '--json', '--config', configPath]);
    expect(status.code, status.err).toBe(0);
    const listed = (JSON.parse(status.out) as { mailboxes: { state: string }[] }).mailboxes;
    expect(listed.filter((entry) => entry.state === 'suspendedByError')).toEqual([]);
  });
});

describe('EWS sign-in', () => {
  let harness: E2eHarness;
  let ews: RunningEwsEmulator;
  let work: string;
  let configPath: string;

  beforeAll(async () => {
    harness = await E2eHarness.start({ window: WINDOW });
    ews = await startEwsEmulator({ accounts: [{ username: 'CONTOSO\\svc-syncline', password: 'the-right-password', canImpersonate: true }], users: [{ smtp: 'robin@acme.example', displayName: 'Robin', timeZone: 'Europe/Berlin' }] });
    work = mkdtempSync(path.join(tmpdir(), 'syncline-ews-401-'));
    configPath = path.join(work, 'syncline.config.json');
    const config = {
      dataDir: path.join(work, 'data'),
      syncWindow: WINDOW,
      orgs: [
        {
          id: 'acme',
          name: 'Acme',
          salesforce: { loginUrl: harness.salesforceUrl, auth: { kind: 'refreshToken', clientId: 'sf-app', clientSecret: 'sf-secret', refreshToken: 'sf-refresh' }, syncIdField: SYNC_ID_FIELD },
          ews: { url: `${ews.url}/EWS/Exchange.asmx`, auth: { kind: 'basic', username: 'CONTOSO\\svc-syncline' } },
          mailboxes: [{ address: 'robin@acme.example', timeZone: 'Europe/Berlin', kind: 'ews' }],
        },
      ],
    };
    writeFileSync(configPath, JSON.stringify(config));
  });

  afterAll(async () => {
    await Promise.all([harness.close(), ews.close()]);
    rmSync(work, { recursive: true, force: true });
  });

  it('a rejected password names the variable of the org', async () => {
    const result = await run(work, ['sync', '--once', '--json', '--config', configPath], { SYNCLINE_ACME_EWS_PASSWORD: 'a-wrong-password' });
    expect(result.code, result.err).toBe(1);
    const notes = (JSON.parse(result.out) as { sessions: { notes: string[] }[] }).sessions.flatMap((session) => session.notes).join('\n');
    expect(notes).toContain("Exchange rejected the service account's user name or password (HTTP 401)");
    expect(notes).toContain('the SYNCLINE_ACME_EWS_PASSWORD environment variable');
    expect(notes).not.toContain('<ORG>');
  });
});

describe('sandbox EWS mailbox over NTLM', () => {
  let work: string;

  beforeAll(() => {
    work = mkdtempSync(path.join(tmpdir(), 'syncline-sandbox-ntlm-'));
  });

  afterAll(() => {
    rmSync(work, { recursive: true, force: true });
  });

  it('syncs with SYNCLINE_SANDBOX_EWS_AUTH=ntlm', async () => {
    const result = await run(work, ['sync', '--once', '--json', '--mailbox', 'casey.kim@sandbox.example.com', '--data-dir', path.join(work, 'data')], { SYNCLINE_SANDBOX_EWS_AUTH: 'ntlm' });
    expect(result.code, result.err).toBe(0);
    const [session] = (JSON.parse(result.out) as { sessions: { kind: string; status: string; writes: { crm: { created: number } } }[] }).sessions;
    expect(session).toMatchObject({ kind: 'ews', status: 'ok' });
    // An NTLM client refuses a server whose 401 does not offer NTLM, so this session proves the sandbox offers it.
    expect(session?.writes.crm.created).toBeGreaterThan(0);
  }, 180_000);

  it('refuses an unknown scheme by name', async () => {
    const result = await run(work, ['sync', '--once', '--mailbox', 'casey.kim@sandbox.example.com', '--data-dir', path.join(work, 'data')], { SYNCLINE_SANDBOX_EWS_AUTH: 'kerberos' });
    // A usage error, like every invalid setting.
    expect(result.code).toBe(2);
    expect(result.err).toContain('SYNCLINE_SANDBOX_EWS_AUTH=kerberos is invalid: set it to basic (the default) or ntlm');
  }, 120_000);
});
