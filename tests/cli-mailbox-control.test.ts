import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CommandEnvironment } from '../src/cli/command-environment.ts';
import { main } from '../src/cli/main.ts';
import { E2eHarness, SYNC_ID_FIELD } from './support/e2e-harness.ts';
import { timedSeed } from './support/graph-seeds.ts';
import { TEST_POSTGRES_URL } from './support/store-targets.ts';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const binPath = path.join(repoRoot, 'bin', 'syncline.js');
const WINDOW = { start: '2026-04-01T00:00:00Z', end: '2026-07-01T00:00:00Z' };

interface StatusJson {
  mailboxes: { id: string; address: string; state: string; reason: string | null; lastSessionAt: string | null; lastStatus: string | null; nextSessionAt: string | null }[];
}

function captured(cwd: string): CommandEnvironment & { out: string[]; err: string[] } {
  const out: string[] = [];
  const err: string[] = [];
  return { env: {}, cwd, out, err, stdout: (text) => out.push(text), stderr: (text) => err.push(text) };
}

/** Write a configuration of one org whose one mailbox is the harness's, with `extra` settings on top. */
function writeHarnessConfig(configPath: string, harness: E2eHarness, extra: Record<string, unknown>): void {
  const config = {
    dataDir: path.join(path.dirname(configPath), 'data'),
    ...extra,
    syncWindow: WINDOW,
    orgs: [
      {
        id: 'contoso',
        name: 'Contoso',
        salesforce: { loginUrl: harness.salesforceUrl, auth: { kind: 'refreshToken', clientId: 'sf-app', clientSecret: 'sf-secret', refreshToken: 'sf-refresh' }, syncIdField: SYNC_ID_FIELD },
        graph: { tenantId: 'contoso-tenant', clientId: 'graph-app', clientSecret: 'graph-secret', authorityUrl: harness.graphUrl, graphBaseUrl: `${harness.graphUrl}/v1.0` },
        mailboxes: [{ address: harness.mailbox.address, timeZone: 'Europe/Berlin' }],
      },
    ],
  };
  writeFileSync(configPath, JSON.stringify(config));
}

describe('cli mailbox control', () => {
  let harness: E2eHarness;
  let folder: string;
  let configPath: string;
  let address: string;

  const run = async (...args: string[]) => {
    const io = captured(folder);
    const code = await main(['node', 'syncline', ...args, '--config', configPath], io);
    return { code, out: io.out.join('\n'), err: io.err.join('\n') };
  };
  const status = async (): Promise<StatusJson['mailboxes'][number]> => {
    const result = await run('status', '--json');
    expect(result.code).toBe(0);
    const mailbox = (JSON.parse(result.out) as StatusJson).mailboxes.find((listed) => listed.address === address);
    if (!mailbox) {
      throw new Error(`status listed no mailbox: ${result.out}`);
    }
    return mailbox;
  };

  beforeAll(async () => {
    harness = await E2eHarness.start({ window: WINDOW });
    address = harness.mailbox.address;
    folder = mkdtempSync(path.join(tmpdir(), 'syncline-cli-control-'));
    configPath = path.join(folder, 'syncline.config.json');
    writeHarnessConfig(configPath, harness, {});
    await harness.seedMailbox([timedSeed('Kick-off', '2026-05-06', '09:00', '10:00')]);
  });

  afterAll(async () => {
    await harness.close();
    rmSync(folder, { recursive: true, force: true });
  });

  it('force runs a session here when nothing else runs', async () => {
    const result = await run('force', address);

    expect(result.code).toBe(0);
    expect(result.out).toMatch(/ok: Salesforce \+1/);
    expect((await harness.crmEvents()).map((event) => event.Subject)).toEqual(['Kick-off']);
    const mailbox = await status();
    expect(mailbox).toMatchObject({ address, state: 'active', lastStatus: 'ok' });
    expect(Date.parse(mailbox.nextSessionAt ?? '')).toBeGreaterThan(Date.now() + 20 * 60_000);
  });

  it('suspend keeps the mailbox out of sessions', async () => {
    const suspended = await run('suspend', address, '--reason', 'Owner on leave');
    expect(suspended.code).toBe(0);
    expect(await status()).toMatchObject({ state: 'suspendedByUser', reason: 'Owner on leave', nextSessionAt: null });

    const forced = await run('force', address);
    expect(forced.code).toBe(2);
    expect(forced.err).toMatch(/syncline resume/);

    const text = await run('status');
    expect(text.out).toContain(`${address}: suspendedByUser (Owner on leave)`);
  });

  it('resume continues where it stopped', async () => {
    await harness.seedMailbox([timedSeed('Follow-up', '2026-05-07', '09:00', '10:00')]);
    const resumed = await run('resume', address);
    expect(resumed.code).toBe(0);
    expect(await status()).toMatchObject({ state: 'active', reason: null });

    const forced = await run('force', (await status()).id);
    expect(forced.code).toBe(0);
    expect(forced.out).toMatch(/ok: Salesforce \+1 ~0 -0/);
    expect((await harness.crmEvents()).map((event) => event.Subject).sort()).toEqual(['Follow-up', 'Kick-off']);
  });

  it('unknown mailbox is a usage error', async () => {
    const result = await run('suspend', 'nobody@contoso.example.com');
    expect(result.code).toBe(2);
    expect(result.err).toMatch(/No mailbox has the address or id 'nobody@contoso.example.com'/);
  });

  it('start takes forced sessions and exits 0 on SIGTERM mid-session', async () => {
    const child = spawn(process.execPath, [binPath, 'start', '--config', configPath], { cwd: folder, env: { ...process.env, SYNCLINE_LOG_LEVEL: 'info' }, stdio: ['ignore', 'pipe', 'pipe'] });
    let log = '';
    child.stdout.on('data', (chunk: Buffer) => (log += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (log += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => child.once('close', (code) => resolve(code)));
    try {
      await waitFor(() => log.includes('Syncline started'), 20_000, () => log);
      const before = (await status()).lastSessionAt;

      // The running scheduler reads the request at its next poll of the store and runs the session.
      await harness.seedMailbox([timedSeed('Board meeting', '2026-05-08', '09:00', '10:00')]);
      const forced = await run('force', address);
      expect(forced.out).toMatch(/session requested; the running scheduler \(pid \d+\)/);
      await waitForAsync(async () => (await status()).lastSessionAt !== before && (await status()).state === 'active', 10_000);
      expect((await harness.crmEvents()).map((event) => event.Subject)).toContain('Board meeting');

      // A slow Graph keeps the next session running when SIGTERM comes.
      await harness.graphAdmin('POST', '/_admin/faults', { faults: [{ type: 'latency', ms: 30_000 }] });
      await run('force', address);
      await waitForAsync(async () => (await status()).state === 'syncing', 10_000);
      const signalled = Date.now();
      child.kill('SIGTERM');
      const code = await exited;
      expect(code).toBe(0);
      expect(Date.now() - signalled).toBeLessThan(10_000);
      expect(log).toContain('Released the leases of the abandoned sessions');
    } finally {
      child.kill('SIGKILL');
      await harness.graphAdmin('DELETE', '/_admin/faults');
    }

    // The abandoned session left its mailbox due, not syncing, and its lease free: the next session runs at once.
    const after = await status();
    expect(after.state).toBe('active');
    expect(Date.parse(after.nextSessionAt ?? '')).toBeLessThanOrEqual(Date.now());
    const next = await run('sync', '--once');
    expect(next.code).toBe(0);
    expect(next.out).toMatch(/: ok: /);
  }, 60_000);

  it('sync --once records the schedule', async () => {
    const before = Date.now();
    const result = await run('sync', '--once');
    expect(result.code).toBe(0);

    const mailbox = await status();
    expect(mailbox).toMatchObject({ state: 'active', lastStatus: 'ok' });
    expect(Date.parse(mailbox.lastSessionAt ?? '')).toBeGreaterThanOrEqual(before);
    // The next session follows the 30-minute interval, with up to 10 % jitter.
    expect(Date.parse(mailbox.nextSessionAt ?? '')).toBeGreaterThan(before + 26 * 60_000);
  });

  it('disconnects a mailbox removed from the configuration', async () => {
    const otherConfig = path.join(folder, 'other.config.json');
    const original = JSON.parse(readFileSync(configPath, 'utf8')) as { orgs: { mailboxes: unknown[] }[] };
    original.orgs[0]!.mailboxes = [{ address: 'gone@contoso.example.com', timeZone: 'Europe/Berlin' }];
    writeFileSync(otherConfig, JSON.stringify(original));
    const runWith = async (file: string, ...args: string[]) => {
      const io = captured(folder);
      const code = await main(['node', 'syncline', ...args, '--config', file], io);
      return { code, out: io.out.join('\n'), err: io.err.join('\n') };
    };

    // The other configuration names a mailbox the Graph emulator does not know: its account is gone.
    const synced = await runWith(otherConfig, 'sync', '--once');
    expect(synced.code).toBe(1);
    const listed = JSON.parse((await runWith(otherConfig, 'status', '--json')).out) as StatusJson;
    const byAddress = new Map(listed.mailboxes.map((mailbox) => [mailbox.address, mailbox]));
    expect(byAddress.get(address)).toMatchObject({ state: 'disconnected', reason: expect.stringMatching(/Removed from the configuration/), nextSessionAt: null });
    expect(byAddress.get('gone@contoso.example.com')).toMatchObject({ state: 'disconnected', reason: expect.stringMatching(/ErrorInvalidUser/) });

    const resumed = await runWith(otherConfig, 'resume', address);
    expect(resumed.code).toBe(2);
    expect(resumed.err).toMatch(/add it to the configuration again/);

    // Back in the configuration, the mailbox is active again and syncs.
    const back = await run('sync', '--once');
    expect(back.code).toBe(0);
    expect(await status()).toMatchObject({ address, state: 'active', lastStatus: 'ok', reason: null });
  });
});

describe('cli mailbox control on postgres', () => {
  const schema = `syncline_cli_${process.pid}_${Date.now().toString(36)}`;
  const children: ChildProcess[] = [];
  let harness: E2eHarness;
  let folder: string;
  let configPath: string;
  let address: string;

  const run = async (...args: string[]) => {
    const io = captured(folder);
    const code = await main(['node', 'syncline', ...args, '--config', configPath], io);
    return { code, out: io.out.join('\n'), err: io.err.join('\n') };
  };
  const status = async (): Promise<StatusJson['mailboxes'][number]> => {
    const mailbox = (JSON.parse((await run('status', '--json')).out) as StatusJson).mailboxes.find((listed) => listed.address === address);
    if (!mailbox) {
      throw new Error('status listed no mailbox');
    }
    return mailbox;
  };
  const spawnSyncline = (...args: string[]): { child: ChildProcess; log: () => string; exited: Promise<number | null> } => {
    const child = spawn(process.execPath, [binPath, ...args, '--config', configPath], { cwd: folder, env: { ...process.env, SYNCLINE_LOG_LEVEL: 'info' }, stdio: ['ignore', 'pipe', 'pipe'] });
    children.push(child);
    let log = '';
    child.stdout?.on('data', (chunk: Buffer) => (log += chunk.toString()));
    child.stderr?.on('data', (chunk: Buffer) => (log += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => child.once('close', (code) => resolve(code)));
    return { child, log: () => log, exited };
  };

  beforeAll(async () => {
    harness = await E2eHarness.start({ window: WINDOW });
    address = harness.mailbox.address;
    folder = mkdtempSync(path.join(tmpdir(), 'syncline-cli-queue-'));
    configPath = path.join(folder, 'syncline.config.json');
    writeHarnessConfig(configPath, harness, { store: { kind: 'postgres', connectionString: TEST_POSTGRES_URL, schema }, server: { host: '127.0.0.1', port: 0 } });
    await harness.seedMailbox([timedSeed('Kick-off', '2026-05-06', '09:00', '10:00')]);
  });

  afterAll(async () => {
    for (const child of children) {
      child.kill('SIGKILL');
    }
    await harness.close();
    rmSync(folder, { recursive: true, force: true });
    const client = new pg.Client({ connectionString: TEST_POSTGRES_URL });
    await client.connect();
    await client.query(`drop schema if exists "${schema}_jobs" cascade`);
    await client.query(`drop schema if exists "${schema}" cascade`);
    await client.end();
  });

  it('start and worker share the queue for force, suspend and resume', async () => {
    const start = spawnSyncline('start');
    const worker = spawnSyncline('worker');
    await waitFor(() => start.log().includes('"mode":"distributed"') && worker.log().includes('Syncline worker started'), 120_000, () => start.log() + worker.log());
    // The first session of a new mailbox runs at once; the force below comes after it.
    await waitForAsync(async () => (await status()).lastStatus === 'ok', 30_000);

    await harness.seedMailbox([timedSeed('Board meeting', '2026-05-08', '09:00', '10:00')]);
    const forced = await run('force', address);
    expect(forced.code).toBe(0);
    expect(forced.out).toMatch(/session queued for 2 running workers/);
    expect(forced.out).toMatch(/ok: Salesforce \+1 ~0 -0/);

    const suspended = await run('suspend', address, '--reason', 'Owner on leave');
    expect(suspended.code).toBe(0);
    expect(suspended.out).toMatch(/suspended \(Owner on leave\)/);
    expect(await status()).toMatchObject({ state: 'suspendedByUser', reason: 'Owner on leave' });
    const refused = await run('force', address);
    expect(refused.code).toBe(2);
    expect(refused.err).toMatch(/syncline resume/);

    const before = (await status()).lastSessionAt;
    const resumed = await run('resume', address);
    expect(resumed.out).toMatch(/resumed from suspendedByUser; session queued, a worker starts it now/);
    await waitForAsync(async () => (await status()).lastSessionAt !== before, 30_000);
    expect(await status()).toMatchObject({ state: 'active', lastStatus: 'ok' });

    // sync --once takes the mailbox lock the workers take, so it never runs beside one of their sessions.
    const once = await run('sync', '--once');
    expect(once.code).toBe(0);
    expect(once.out).toMatch(/: ok: /);

    worker.child.kill('SIGTERM');
    expect(await worker.exited).toBe(0);

    // A slow Graph keeps the next session running when SIGTERM comes; its job goes back to the queue at once.
    await harness.graphAdmin('POST', '/_admin/faults', { faults: [{ type: 'latency', ms: 30_000 }] });
    const pendingForce = run('force', address);
    await waitForAsync(async () => (await status()).state === 'syncing', 20_000);
    const signalled = Date.now();
    start.child.kill('SIGTERM');
    expect(await start.exited).toBe(0);
    expect(Date.now() - signalled).toBeLessThan(10_000);
    expect(start.log()).toContain('Released the leases of the abandoned sessions');
    expect(start.log()).toContain('Handed the abandoned sessions back to the queue');
    expect((await status()).state).toBe('active');

    // A new worker takes the handed-back job; the waiting force prints that session's report.
    await harness.graphAdmin('DELETE', '/_admin/faults');
    spawnSyncline('worker');
    const report = await pendingForce;
    expect(report.code).toBe(0);
    expect(report.out).toMatch(/: ok: /);
  }, 240_000);
});

async function waitFor(done: () => boolean, timeoutMs: number, describe: () => string): Promise<void> {
  await waitForAsync(async () => done(), timeoutMs, describe);
}

async function waitForAsync(done: () => Promise<boolean>, timeoutMs: number, describe: () => string = () => ''): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await done())) {
    if (Date.now() > deadline) {
      throw new Error(`condition not met within ${timeoutMs} ms ${describe()}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
