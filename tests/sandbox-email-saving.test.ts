import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { CommandEnvironment } from '../src/cli/command-environment.ts';
import { main } from '../src/cli/main.ts';

interface SessionJson {
  status: string;
  notes: string[];
  emailsSaved?: number;
  emailSaving?: { recordsCreated: number; relationsAdded: number; attachmentsSaved: number; skipped: Record<string, number> };
  linked?: number;
  autoCreated?: { Lead: number; Contact: number; Account: number };
}

function captured(cwd: string): CommandEnvironment & { out: string[]; err: string[] } {
  const out: string[] = [];
  const err: string[] = [];
  return { env: {}, cwd, out, err, stdout: (text) => out.push(text), stderr: (text) => err.push(text) };
}

describe('sync --once saves the sandbox sample emails', () => {
  const work = mkdtempSync(path.join(tmpdir(), 'syncline-email-wiring-'));
  const dataDir = path.join(work, 'data');

  afterAll(() => {
    rmSync(work, { recursive: true, force: true });
  });

  const syncOnce = async (...extra: string[]) => {
    const io = captured(work);
    const code = await main(['node', 'syncline', 'sync', '--once', ...extra, '--data-dir', dataDir], io);
    return { code, out: io.out.join('\n'), err: io.err.join('\n') };
  };

  it('saves the categorized, filed and threaded emails once, and none on the next run', async () => {
    const first = await syncOnce('--json');
    expect(first.code, first.err).toBe(0);
    const [session] = (JSON.parse(first.out) as { sessions: SessionJson[] }).sessions;
    expect(session?.status, JSON.stringify(session?.notes)).toBe('ok');
    // 01 has the category, 02 and 03 are its thread, 04 and 05 are in the Salesforce folder;
    // the newsletter is bulk and the team lunch is internal.
    expect(session?.emailsSaved).toBe(5);
    expect(session?.emailSaving?.recordsCreated).toBe(5);
    expect(session?.emailSaving?.attachmentsSaved).toBe(1);
    expect(session?.emailSaving?.relationsAdded).toBeGreaterThan(5);
    // The newsletter and the team lunch are read and left out by the automatic rules' selection.
    expect(session?.emailSaving?.skipped).toEqual({ notSelected: 2 });
    expect(session?.autoCreated).toEqual({ Lead: 0, Contact: 0, Account: 0 });
    expect(typeof session?.linked).toBe('number');

    const second = await syncOnce();
    expect(second.code, second.err).toBe(0);
    expect(second.out).toMatch(/, 0 emails saved \(\d+ records linked\)/);
  }, 120_000);
});
