import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../src/cli/main.ts';
import type { CommandEnvironment } from '../src/cli/command-environment.ts';
import { sandboxFolder } from '../src/config/sandbox-config.ts';
import { openStore } from '../src/store/index.ts';
import { conflict, emptyCommit, mailbox, ORG_ID } from './support/store-fixtures.ts';

function captured(cwd: string): CommandEnvironment & { out: string[]; err: string[] } {
  const out: string[] = [];
  const err: string[] = [];
  return { env: {}, cwd, out, err, stdout: (text) => out.push(text), stderr: (text) => err.push(text) };
}

interface ConflictJson {
  mailbox: string;
  objectKind: string;
  syncId: string;
  field: string;
  winner: string;
  reason: string;
}

describe('syncline conflicts', () => {
  let work: string;
  let dataDir: string;

  beforeAll(async () => {
    work = mkdtempSync(path.join(tmpdir(), 'syncline-conflicts-'));
    dataDir = path.join(work, 'data');
    mkdirSync(sandboxFolder(dataDir), { recursive: true });
    const store = await openStore({ kind: 'sqlite', path: path.join(sandboxFolder(dataDir), 'syncline.db') }, pino({ level: 'silent' }));
    try {
      await store.upsertOrg({ id: ORG_ID, name: 'Contoso' });
      await store.upsertMailbox(mailbox('m1'));
      await store.upsertMailbox(mailbox('m2'));
      await store.commitSession({ ...emptyCommit('m1'), conflicts: [conflict('m1', 'sync-1', 'subject')] });
      await store.commitSession({ ...emptyCommit('m2'), conflicts: [conflict('m2', 'sync-9', 'location'), conflict('m2', 'sync-9', 'start')] });
    } finally {
      await store.close();
    }
  });

  afterAll(() => {
    rmSync(work, { recursive: true, force: true });
  });

  it('lists every mailbox ledger as JSON', async () => {
    const io = captured(work);
    const code = await main(['node', 'syncline', 'conflicts', '--json', '--data-dir', dataDir], io);

    expect(code, io.err.join('\n')).toBe(0);
    const { conflicts } = JSON.parse(io.out.join('')) as { conflicts: ConflictJson[] };
    expect(conflicts.map((entry) => `${entry.mailbox} ${entry.field}`).sort()).toEqual([
      'm1@contoso.example subject',
      'm2@contoso.example location',
      'm2@contoso.example start',
    ]);
    expect(conflicts[0]?.winner).toBe('mailbox');
    expect(conflicts[0]?.reason).toContain('latestWins');
  });

  it('filters by mailbox address', async () => {
    const io = captured(work);
    const code = await main(['node', 'syncline', 'conflicts', 'M1@contoso.example', '--data-dir', dataDir], io);

    expect(code, io.err.join('\n')).toBe(0);
    expect(io.out).toHaveLength(1);
    expect(io.out[0]).toContain('m1@contoso.example event sync-1 subject');
    expect(io.out[0]).toContain('kept the mailbox value');
  });

  it('rejects an unknown mailbox with exit code 2', async () => {
    const io = captured(work);
    const code = await main(['node', 'syncline', 'conflicts', 'nobody@contoso.example', '--data-dir', dataDir], io);

    expect(code).toBe(2);
    expect(io.err.join('\n')).toContain("No mailbox has the address or id 'nobody@contoso.example'");
  });

  it('rejects a limit below one', async () => {
    const io = captured(work);
    const code = await main(['node', 'syncline', 'conflicts', '--limit', '0', '--data-dir', dataDir], io);

    expect(code).toBe(2);
    expect(io.err.join('\n')).toContain('--limit 0 is not a whole number of 1 or more');
  });
});

describe('syncline conflicts undo', () => {
  let work: string;
  let dataDir: string;
  const storePath = () => path.join(sandboxFolder(dataDir), 'syncline.db');

  beforeAll(async () => {
    work = mkdtempSync(path.join(tmpdir(), 'syncline-undo-'));
    dataDir = path.join(work, 'data');
    mkdirSync(sandboxFolder(dataDir), { recursive: true });
    const store = await openStore({ kind: 'sqlite', path: storePath() }, pino({ level: 'silent' }));
    try {
      await store.upsertOrg({ id: ORG_ID, name: 'Contoso' });
      await store.upsertMailbox(mailbox('m1'));
      await store.commitSession({ ...emptyCommit('m1'), conflicts: [conflict('m1', 'sync-1', 'subject'), { ...conflict('m1', 'sync-2', 'location'), winner: 'crm' }] });
      await store.commitSession({ ...emptyCommit('m1'), conflicts: [{ ...conflict('m1', 'sync-2', 'location'), undoes: 2 }] });
    } finally {
      await store.close();
    }
  });

  afterAll(() => {
    rmSync(work, { recursive: true, force: true });
  });

  it('prints the id of each decision', async () => {
    const io = captured(work);
    const code = await main(['node', 'syncline', 'conflicts', 'm1@contoso.example', '--data-dir', dataDir], io);

    expect(code, io.err.join('\n')).toBe(0);
    expect(io.out.map((line) => /\[([^\]]+)\]$/.exec(line)?.[1]).sort()).toEqual(['m1/event/1', 'm1/event/2', 'm1/event/3']);
  });

  it('undo requested once', async () => {
    const io = captured(work);
    const code = await main(['node', 'syncline', 'conflicts', 'undo', 'm1/event/1', '--json', '--data-dir', dataDir], io);

    expect(code, io.err.join('\n')).toBe(0);
    expect(JSON.parse(io.out.join(''))).toEqual({ undo: { id: 'm1/event/1', mailbox: 'm1@contoso.example', syncId: 'sync-1', field: 'subject', side: 'crm', status: 'requested' } });

    const again = captured(work);
    expect(await main(['node', 'syncline', 'conflicts', 'undo', 'm1/event/1', '--data-dir', dataDir], again)).toBe(0);
    expect(again.out.join('\n')).toContain('was requested already');

    const store = await openStore({ kind: 'sqlite', path: storePath() }, pino({ level: 'silent' }));
    try {
      const { undos } = await store.loadReviewState('m1', 'event');
      // The mailbox won decision 1, so the Salesforce value (null) is the one written back.
      expect(undos).toEqual([expect.objectContaining({ seq: 1, syncId: 'sync-1', field: 'subject', side: 'crm', value: null })]);
    } finally {
      await store.close();
    }
  });

  it('undo rejects invalid ids', async () => {
    const undone = captured(work);
    expect(await main(['node', 'syncline', 'conflicts', 'undo', 'm1/event/2', '--data-dir', dataDir], undone)).toBe(2);
    expect(undone.err.join('\n')).toContain('was undone already by m1/event/3');

    const unknown = captured(work);
    expect(await main(['node', 'syncline', 'conflicts', 'undo', 'm1/event/99', '--data-dir', dataDir], unknown)).toBe(2);
    expect(unknown.err.join('\n')).toContain("No conflict decision has the id 'm1/event/99'");

    const malformed = captured(work);
    expect(await main(['node', 'syncline', 'conflicts', 'undo', 'sync-1', '--data-dir', dataDir], malformed)).toBe(2);
    expect(malformed.err.join('\n')).toContain("'sync-1' is not a conflict id");
  });
});
