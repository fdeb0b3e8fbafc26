import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../src/cli/main.ts';
import type { CommandEnvironment } from '../src/cli/command-environment.ts';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const binPath = path.join(repoRoot, 'bin', 'syncline.js');

interface RunResult {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Run the real `syncline` binary in `cwd`, with no configuration variables inherited from the caller. */
function runSyncline(args: readonly string[], cwd: string): Promise<RunResult> {
  const env: NodeJS.ProcessEnv = { ...process.env, SYNCLINE_LOG_LEVEL: 'info' };
  delete env.SYNCLINE_CONFIG;
  delete env.SYNCLINE_DATA_DIR;

  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [binPath, ...args], { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, stdout, stderr }));
  });
}

function captured(cwd: string, env: Record<string, string> = {}): CommandEnvironment & { out: string[]; err: string[] } {
  const out: string[] = [];
  const err: string[] = [];
  return { env, cwd, out, err, stdout: (text) => out.push(text), stderr: (text) => err.push(text) };
}

interface SessionJson {
  mailbox: string;
  kind: string;
  status: string;
  writes: Record<'crm' | 'mailbox', { created: number; updated: number; deleted: number }>;
  apiCalls: Record<'crm' | 'mailbox', number>;
  itemErrors: unknown[];
}

function parseSessions(stdout: string): SessionJson[] {
  // Exactly one JSON document: parsing the whole output fails if a log line leaked onto stdout.
  const document = JSON.parse(stdout) as { sessions: SessionJson[] };
  return document.sessions;
}

function totalWrites(session: SessionJson): number {
  const sides = [session.writes.crm, session.writes.mailbox];
  return sides.reduce((sum, counts) => sum + counts.created + counts.updated + counts.deleted, 0);
}

describe('cli arguments', () => {
  it('help lists every command', async () => {
    const io = captured(tmpdir());
    const code = await main(['node', 'syncline', '--help'], io);
    const help = io.out.join('\n');

    expect(code).toBe(0);
    for (const command of ['start', 'sync', 'sandbox']) {
      expect(help).toContain(command);
    }
  });

  it('sync help explains its options', async () => {
    const io = captured(tmpdir());
    const code = await main(['node', 'syncline', 'sync', '--help'], io);
    const help = io.out.join('\n');

    expect(code).toBe(0);
    expect(help).toContain('--once');
    expect(help).toContain('--json');
    expect(help).toContain('--config <path>');
    expect(help).toContain('logs go to stderr');
  });

  it('sync without --once is a usage error', async () => {
    const io = captured(tmpdir());
    const code = await main(['node', 'syncline', 'sync'], io);

    expect(code).toBe(2);
    expect(io.err.join('\n')).toContain('needs --once');
  });

  it('bad config names the key', async () => {
    const folder = mkdtempSync(path.join(tmpdir(), 'syncline-cli-config-'));
    try {
      writeFileSync(path.join(folder, 'syncline.config.json'), JSON.stringify({ orgs: [], jitter: 2 }));
      const io = captured(folder);
      const code = await main(['node', 'syncline', 'sync', '--once'], io);
      const message = io.err.join('\n');

      expect(code).toBe(2);
      expect(message).toContain('orgs: expected at least one org');
      expect(message).toContain('jitter: expected a share of the interval between 0 and 0.5, got 2');
    } finally {
      rmSync(folder, { recursive: true, force: true });
    }
  });

  it('unknown command is a usage error', async () => {
    const io = captured(tmpdir());
    const code = await main(['node', 'syncline', 'synk'], io);

    expect(code).toBe(2);
    expect(io.err.join('\n')).toContain("unknown command 'synk'");
  });
});

describe('cli against the sandbox', () => {
  let work: string;
  let dataDir: string;

  beforeAll(() => {
    work = mkdtempSync(path.join(tmpdir(), 'syncline-cli-'));
    dataDir = path.join(work, 'data');
  });

  afterAll(() => {
    rmSync(work, { recursive: true, force: true });
  });

  let firstRun: SessionJson;

  it('sync --once --json mirrors the sample data', async () => {
    const result = await runSyncline(['sync', '--once', '--json', '--data-dir', dataDir], work);

    expect(result.code, result.stderr).toBe(0);
    const sessions = parseSessions(result.stdout);
    expect(sessions).toHaveLength(1);
    firstRun = sessions[0]!;
    expect(firstRun.mailbox).toBe('alex.morgan@sandbox.example.com');
    expect(firstRun.kind).toBe('graph');
    expect(['success', 'partial']).toContain(firstRun.status);
    expect(firstRun.writes.crm.created).toBeGreaterThan(10);
    expect(firstRun.writes.mailbox.created).toBe(3);
    expect(firstRun.apiCalls.crm).toBeGreaterThan(0);
    expect(firstRun.apiCalls.mailbox).toBeGreaterThan(0);
    expect(result.stderr).toContain('Session finished');
  });

  it('second sync reuses state without writes', async () => {
    const result = await runSyncline(['sync', '--once', '--json', '--data-dir', dataDir], work);

    expect(result.code, result.stderr).toBe(0);
    const [session] = parseSessions(result.stdout);
    expect(session?.status).toBe('success');
    expect(totalWrites(session!)).toBe(0);
  });

  it('sandbox seed adds an ics folder', async () => {
    const icsFolder = path.join(work, 'ics');
    mkdirSync(icsFolder);
    writeFileSync(path.join(icsFolder, 'board-meeting.ics'), boardMeetingIcs());

    const seeded = await runSyncline(['sandbox', 'seed', icsFolder, '--data-dir', dataDir], work);
    expect(seeded.code, seeded.stderr).toBe(0);
    expect(seeded.stdout).toContain('board-meeting.ics: 1 events');

    const synced = await runSyncline(['sync', '--once', '--json', '--data-dir', dataDir], work);
    const [session] = parseSessions(synced.stdout);
    expect(session?.writes.crm.created).toBe(1);
    expect(session?.writes.mailbox.created).toBe(0);
  });

  it('sandbox reset restores the sample data', async () => {
    const reset = await runSyncline(['sandbox', 'reset', '--data-dir', dataDir], work);
    expect(reset.code, reset.stderr).toBe(0);
    expect(reset.stdout).toContain('Sandbox reset');

    const synced = await runSyncline(['sync', '--once', '--json', '--data-dir', dataDir], work);
    const [session] = parseSessions(synced.stdout);
    expect(session?.writes.crm.created).toBe(firstRun.writes.crm.created);
    expect(session?.writes.mailbox.created).toBe(firstRun.writes.mailbox.created);
  });

  it('start syncs and stops on SIGTERM', async () => {
    const env = { ...process.env };
    delete env.SYNCLINE_CONFIG;
    const child = spawn(process.execPath, [binPath, 'start', '--data-dir', dataDir], { cwd: work, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));

    const exited = new Promise<number | null>((resolve) => child.once('close', resolve));
    try {
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no session finished within 45 s:\n${stdout}\n${stderr}`)), 45_000);
        child.stdout.on('data', (chunk: Buffer) => {
          stdout += chunk.toString();
          if (stdout.includes('Session finished')) {
            clearTimeout(timer);
            resolve();
          }
        });
      });
    } catch (error) {
      child.kill('SIGKILL');
      throw error;
    }

    child.kill('SIGTERM');
    const code = await exited;
    expect(code, stderr).toBe(0);
    expect(stdout).toContain('Graph emulator:');
    expect(stdout).toContain('Salesforce emulator:');
    expect(stdout).toContain('Press Ctrl-C to stop');
    expect(stdout).toContain('Syncline stopped');
  });
});

function boardMeetingIcs(): string {
  return [
    'BEGIN:VCALENDAR',
    'VERSION:2.0',
    'PRODID:-//Syncline tests//EN',
    'BEGIN:VEVENT',
    'UID:board-meeting-2027@tests.example.com',
    'DTSTAMP:20261101T090000Z',
    'DTSTART:20270310T130000Z',
    'DTEND:20270310T150000Z',
    'SUMMARY:Board meeting',
    'LOCATION:Room 4.01',
    'END:VEVENT',
    'END:VCALENDAR',
    '',
  ].join('\r\n');
}
