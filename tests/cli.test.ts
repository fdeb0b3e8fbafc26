import { spawn } from 'node:child_process';
import { closeSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../src/cli/main.ts';
import { describeSeedResult, describeSeedTotals } from '../src/cli/seed-summary.ts';
import type { CommandEnvironment } from '../src/cli/command-environment.ts';
import { runSyncline as runSynclineBinary, type SynclineRunResult } from './support/e2e-harness.ts';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const binPath = path.join(repoRoot, 'bin', 'syncline.js');

function runSyncline(args: readonly string[], cwd: string): Promise<SynclineRunResult> {
  return runSynclineBinary(args, cwd, 'info');
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
  writes: Record<'crm' | 'mailbox', { created: number; updated: number; deleted: number }> & {
    byObject: Record<string, { created: number; mailbox: { created: number }; crm: { created: number } }>;
  };
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
    // The Graph mailbox comes first; the sandbox's EWS, Google and IMAP/CalDAV mailboxes follow (tests/sandbox-mailboxes.test.ts).
    expect(sessions.length).toBeGreaterThanOrEqual(3);
    firstRun = sessions[0]!;
    expect(firstRun.mailbox).toBe('alex.morgan@sandbox.example.com');
    expect(firstRun.kind).toBe('graph');
    expect(['ok', 'partial']).toContain(firstRun.status);
    expect(firstRun.writes.crm.created).toBeGreaterThan(10);
    expect(firstRun.writes.byObject.Event?.mailbox.created).toBe(3);
    expect(Object.keys(firstRun.writes.byObject).sort()).toEqual(['Contact', 'Event', 'Task']);
    expect(firstRun.apiCalls.crm).toBeGreaterThan(0);
    expect(firstRun.apiCalls.mailbox).toBeGreaterThan(0);
    expect(result.stderr).toContain('Session finished');
  });

  it('second sync reuses state without writes', async () => {
    const result = await runSyncline(['sync', '--once', '--json', '--data-dir', dataDir], work);

    expect(result.code, result.stderr).toBe(0);
    const [session] = parseSessions(result.stdout);
    expect(session?.status).toBe('ok');
    expect(totalWrites(session!)).toBe(0);
  });

  it('sandbox seed adds an ics folder', async () => {
    const icsFolder = path.join(work, 'ics');
    mkdirSync(icsFolder);
    writeFileSync(path.join(icsFolder, 'board-meeting.ics'), boardMeetingIcs());

    const seeded = await runSyncline(['sandbox', 'seed', icsFolder, '--data-dir', dataDir], work);
    expect(seeded.code, seeded.stderr).toBe(0);
    expect(seeded.stdout).toContain('board-meeting.ics: 1 event (added 1)');
    expect(seeded.stdout).not.toContain('"level"');

    const synced = await runSyncline(['sync', '--once', '--json', '--data-dir', dataDir], work);
    const [session] = parseSessions(synced.stdout);
    expect(session?.writes.crm.created).toBe(1);
    expect(session?.writes.mailbox.created).toBe(0);
  });

  it('sandbox seed again updates, not adds', async () => {
    const icsFolder = path.join(work, 'ics');
    writeFileSync(path.join(icsFolder, 'board-meeting.ics'), boardMeetingIcs().replace('SUMMARY:Board meeting', 'SUMMARY:Board meeting (moved room)'));
    writeFileSync(path.join(icsFolder, 'same-uid-copy.ics'), boardMeetingIcs().replace('SUMMARY:Board meeting', 'SUMMARY:Board meeting (moved room)'));
    writeFileSync(path.join(icsFolder, 'old-kickoff.ics'), boardMeetingIcs().replace('board-meeting-2027', 'kickoff-2025').replace('DTSTART:20270310T130000Z', 'DTSTART:20250310T130000Z').replace('DTEND:20270310T150000Z', 'DTEND:20250310T150000Z'));

    const seeded = await runSyncline(['sandbox', 'seed', icsFolder, '--data-dir', dataDir], work);
    expect(seeded.code, seeded.stderr).toBe(0);
    expect(seeded.stdout).toContain('Seeded 3 files into alex.morgan@sandbox.example.com: 2 events (added 0, updated 1, unchanged 1)');
    expect(seeded.stdout).toContain('board-meeting.ics: 1 event (updated 1)');
    expect(seeded.stdout).toContain('same-uid-copy.ics: 1 event (unchanged 1)');
    expect(seeded.stdout).toContain('old-kickoff.ics: 0 events (1 outside the sync window skipped)');

    const synced = await runSyncline(['sync', '--once', '--json', '--data-dir', dataDir], work);
    const [session] = parseSessions(synced.stdout);
    expect(session?.writes.crm).toEqual({ created: 0, updated: 1, deleted: 0 });
  });

  it('sandbox reset restores the sample data', async () => {
    const reset = await runSyncline(['sandbox', 'reset', '--data-dir', dataDir], work);
    expect(reset.code, reset.stderr).toBe(0);
    expect(reset.stdout).toContain('Sandbox reset');
    expect(reset.stdout).toContain('The next `syncline start` creates the dashboard account admin@sandbox.example.com again');

    const synced = await runSyncline(['sync', '--once', '--json', '--data-dir', dataDir], work);
    const [session] = parseSessions(synced.stdout);
    expect(session?.writes.crm.created).toBe(firstRun.writes.crm.created);
    expect(session?.writes.mailbox.created).toBe(firstRun.writes.mailbox.created);
  });

  it('start blocks reset, stops on SIGTERM', async () => {
    const env: NodeJS.ProcessEnv = { ...process.env, SYNCLINE_LOG_LEVEL: 'info' };
    delete env.SYNCLINE_CONFIG;
    // Both streams into one file keep their order, so the banner can be checked to come before the store's logs.
    const outputFile = path.join(work, 'start-output.txt');
    const output = openSync(outputFile, 'w');
    const startDataDir = path.join(work, 'start-data');
    const child = spawn(process.execPath, [binPath, 'start', '--data-dir', startDataDir], { cwd: work, env, stdio: ['ignore', output, output] });
    closeSync(output);

    const exited = new Promise<number | null>((resolve) => child.once('close', resolve));
    const read = () => readFileSync(outputFile, 'utf8');
    try {
      await waitUntil(() => read().includes('Session finished'), 45_000, () => `no session finished within 45 s:\n${read()}`);
    } catch (error) {
      child.kill('SIGKILL');
      throw error;
    }

    const reset = await runSyncline(['sandbox', 'reset', '--data-dir', startDataDir], work);
    child.kill('SIGTERM');
    const code = await exited;
    const text = read();

    expect(reset.code).toBe(2);
    expect(reset.stderr).toContain(`sandbox reset could not run: a running \`syncline start\` (process ${child.pid}) is using the sandbox data folder`);
    expect(code, text).toBe(0);
    expect(text).toContain('Graph emulator:');
    expect(text).toContain('Salesforce emulator:');
    // A configuration of one's own can use the sandbox's Salesforce with the secrets of this run.
    expect(text).toMatch(/connected app syncline-sandbox-connected-app,\s+secret for this run: \S+, refresh token for this run: \S+\)/);
    expect(text).toContain('Seeded sample data:   32 events from 8 sources');
    expect(text.indexOf('Press Ctrl-C to stop')).toBeLessThan(text.indexOf('applied store migration'));
    expect(text).toContain('Syncline stopped');
  });
});

describe('seed summary', () => {
  const result = { file: 'a.ics', events: 1, added: 1, updated: 0, unchanged: 0, removed: 0, outsideWindow: 0, warnings: [] };

  it('says 1 event and 2 events', () => {
    expect(describeSeedResult(result)).toBe('a.ics: 1 event (added 1)');
    expect(describeSeedResult({ ...result, events: 2, added: 0, updated: 2 })).toBe('a.ics: 2 events (updated 2)');
  });

  it('names skipped events and leaves out zero counts', () => {
    expect(describeSeedResult({ ...result, events: 0, added: 0, outsideWindow: 4 })).toBe('a.ics: 0 events (4 outside the sync window skipped)');
    expect(describeSeedResult({ ...result, events: 0, added: 0 })).toBe('a.ics: 0 events');
  });

  it('totals always name added and updated', () => {
    const other = { ...result, file: 'b.ics', events: 3, added: 0, unchanged: 2, removed: 1, updated: 1 };
    expect(describeSeedTotals([result, other])).toBe('4 events (added 1, updated 1, unchanged 2, removed 1)');
    expect(describeSeedTotals([])).toBe('0 events (added 0, updated 0)');
  });
});

describe('cli output streams', () => {
  /** Run TypeScript in a child process, with `stdout` read by `onStdout` (which may close the pipe early). */
  function runScript(code: string, onStdout: (chunk: Buffer, stream: NodeJS.ReadableStream & { destroy(): void }) => void): Promise<SynclineRunResult> {
    return new Promise((resolve, reject) => {
      const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '--eval', code], { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'] });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (chunk: Buffer) => {
        stdout += chunk.toString();
        onStdout(chunk, child.stdout);
      });
      child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
      child.once('error', reject);
      child.once('close', (exitCode) => resolve({ code: exitCode, stdout, stderr }));
    });
  }

  it('CLI logger writes to stderr', async () => {
    const script = `import { createCliLogger } from './src/cli/cli-logger.ts';\ncreateCliLogger().info({ probe: 1 }, 'probe line');`;
    const result = await runScript(script, () => undefined);

    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toBe('');
    expect(result.stderr).toContain('probe line');
  });

  it('closed stdout causes no EPIPE crash', async () => {
    const script = [
      "import { processEnvironment } from './src/cli/command-environment.ts';",
      'const environment = processEnvironment();',
      'for (let line = 0; line < 200; line += 1) {',
      '  environment.stdout(`line ${line}`);',
      '  await new Promise((resolve) => setTimeout(resolve, 2));',
      '}',
      "environment.stderr('finished');",
    ].join('\n');
    const result = await runScript(script, (_chunk, stream) => stream.destroy());

    expect(result.stderr).not.toContain('EPIPE');
    expect(result.stderr).toContain('finished');
    expect(result.code).toBe(0);
  });
});

async function waitUntil(done: () => boolean, timeoutMs: number, describe: () => string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!done()) {
    if (Date.now() > deadline) {
      throw new Error(describe());
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

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
