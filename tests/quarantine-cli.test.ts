import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../src/cli/main.ts';
import type { CommandEnvironment } from '../src/cli/command-environment.ts';
import { sandboxFolder } from '../src/config/sandbox-config.ts';
import { openStore, type SynclineStore } from '../src/store/index.ts';
import { emptyCommit, mailbox, ORG_ID, quarantineEntry } from './support/store-fixtures.ts';

function captured(cwd: string): CommandEnvironment & { out: string[]; err: string[] } {
  const out: string[] = [];
  const err: string[] = [];
  return { env: {}, cwd, out, err, stdout: (text) => out.push(text), stderr: (text) => err.push(text) };
}

let work: string;
let dataDir: string;

async function withStore<T>(work: (store: SynclineStore) => Promise<T>): Promise<T> {
  const store = await openStore({ kind: 'sqlite', path: path.join(sandboxFolder(dataDir), 'syncline.db') }, pino({ level: 'silent' }));
  try {
    return await work(store);
  } finally {
    await store.close();
  }
}

async function run(...args: string[]) {
  const io = captured(work);
  const code = await main(['node', 'syncline', ...args, '--data-dir', dataDir], io);
  return { code, out: io.out.join('\n'), err: io.err.join('\n') };
}

beforeAll(async () => {
  work = mkdtempSync(path.join(tmpdir(), 'syncline-quarantine-'));
  dataDir = path.join(work, 'data');
  mkdirSync(sandboxFolder(dataDir), { recursive: true });
  await withStore(async (store) => {
    await store.upsertOrg({ id: ORG_ID, name: 'Contoso' });
    await store.upsertMailbox(mailbox('m1'));
    await store.upsertMailbox(mailbox('m2'));
    await store.commitSession({
      ...emptyCommit('m1'),
      quarantine: [quarantineEntry('m1', 'q-1', '2026-05-04T08:00:00.000Z'), quarantineEntry('m1', 'q-2', '2026-05-05T08:00:00.000Z', { side: 'mailbox', itemId: 'AAMkAD-q-2' })],
      heldDeletions: [{ mailboxId: 'm1', objectKind: 'event', syncId: 'sync-7', side: 'crm', itemId: '00U-7', heldAt: '2026-05-05T09:00:00.000Z', decision: null }],
    });
    await store.commitSession({ ...emptyCommit('m2'), quarantine: [quarantineEntry('m2', 'q-3', '2026-05-03T08:00:00.000Z')] });
    // Deleted a little over 10 days ago: 20 of the default 30 days are left, counted up to whole days.
    const recent = new Date(Date.now() - 10 * 24 * 60 * 60 * 1000 - 60_000).toISOString();
    await store.commitSession({ ...emptyCommit('m2'), objectKind: 'contact', quarantine: [quarantineEntry('m2', 'q-4', recent, { objectKind: 'contact', values: { firstName: 'Ana', lastName: 'Ruiz' } })] });
  });
});

afterAll(() => {
  rmSync(work, { recursive: true, force: true });
});

describe('syncline quarantine', () => {
  it('list shows values in JSON only', async () => {
    const json = await run('quarantine', '--json');
    expect(json.code, json.err).toBe(0);
    const { quarantine } = JSON.parse(json.out) as { quarantine: { id: string; mailbox: string; values: Record<string, unknown> }[] };
    expect(quarantine.map((entry) => `${entry.mailbox} ${entry.id}`)).toEqual(['m2@contoso.example q-4', 'm1@contoso.example q-2', 'm1@contoso.example q-1', 'm2@contoso.example q-3']);
    expect(quarantine[1]?.values).toEqual({ subject: 'Meeting q-2' });
    expect(quarantine[0]).toMatchObject({ title: 'Ana Ruiz', daysLeft: 20, quarantineDays: 30, expired: false });

    const text = await run('quarantine', 'm1@contoso.example');
    expect(text.code, text.err).toBe(0);
    const blocks = text.out.split('\n\n');
    expect(blocks).toHaveLength(3);
    // The id restore takes is labelled, and the item's own id is named as such.
    expect(blocks[0]).toContain('Entry id:  q-2');
    expect(blocks[0]).toContain('calendar event: "Meeting q-2"');
    expect(blocks[0]).toContain('Deleted from the mailbox m1@contoso.example (item AAMkAD-q-2) at 2026-05-05T08:00:00.000Z');
    expect(blocks[0]).toContain('Why:       deleted in the mailbox: delete in Salesforce');
    expect(blocks[0]).toContain('Expired (policy.quarantineDays is 30)');
    expect(blocks[2]).toContain('`syncline quarantine restore ID`');

    const recent = await run('quarantine', 'm2@contoso.example');
    expect(recent.out).toContain('Entry id:  q-4');
    expect(recent.out).toContain('contact: "Ana Ruiz"');
    expect(recent.out).toContain('Deleted from Salesforce (record 00U-q-4)');
    expect(recent.out).toContain('Days left: 20 of 30 (policy.quarantineDays)');
  });

  it('restore requested once', async () => {
    const first = await run('quarantine', 'restore', 'q-1');
    expect(first.code, first.err).toBe(0);
    expect(first.out).toContain('Restore of q-1 requested: the next session of m1@contoso.example makes the event again in Salesforce');

    const again = await run('quarantine', 'restore', 'q-1', '--json');
    expect(JSON.parse(again.out)).toMatchObject({ restore: { id: 'q-1', status: 'alreadyRequested' } });
    const listedAfter = (await run('quarantine', 'm1')).out.split('\n\n').find((block) => block.includes('Entry id:  q-1')) ?? '';
    expect(listedAfter).toContain('Deleted from Salesforce (record 00U-q-1)');
    expect(listedAfter).toContain('Restore requested');
    expect(await withStore(async (store) => (await store.loadReviewState('m1', 'event')).restores.map((entry) => entry.id))).toEqual(['q-1']);
  });

  it('restore rejects unknown or restored entries', async () => {
    const unknown = await run('quarantine', 'restore', 'q-404');
    expect(unknown.code).toBe(2);
    expect(unknown.err).toContain("No quarantine entry has the id 'q-404'");

    await withStore((store) => store.commitSession({ ...emptyCommit('m2'), restoredQuarantine: ['q-3'] }));
    const restored = await run('quarantine', 'restore', 'q-3');
    expect(restored.code).toBe(2);
    expect(restored.err).toContain('Quarantine entry q-3 was restored at');
  });
});

describe('syncline deletions', () => {
  it('list and decide held deletions', async () => {
    const listed = await run('deletions', '--json');
    expect(listed.code, listed.err).toBe(0);
    expect(JSON.parse(listed.out)).toEqual({ deletions: [expect.objectContaining({ mailbox: 'm1@contoso.example', syncId: 'sync-7', side: 'crm', decision: null })] });

    const rejected = await run('deletions', 'reject', 'M1@contoso.example');
    expect(rejected.code, rejected.err).toBe(0);
    expect(rejected.out).toContain('Rejected 1 held deletions of m1@contoso.example');
    expect((await run('deletions', 'm1')).out).toContain('sync-7: Salesforce record 00U-7, rejected: the next session makes the deleted item again');

    const confirmed = await run('deletions', 'confirm', 'm1', '--json');
    expect(JSON.parse(confirmed.out)).toEqual({ mailbox: 'm1@contoso.example', decision: 'confirm', deletions: 1 });
    expect(await withStore(async (store) => (await store.listHeldDeletions('m1')).map((held) => held.decision))).toEqual(['confirm']);
  });

  it('decision without held deletions', async () => {
    const none = await run('deletions', 'confirm', 'm2');
    expect(none.code, none.err).toBe(0);
    expect(none.out).toContain('No deletions are held back for m2@contoso.example');

    const unknown = await run('deletions', 'reject', 'nobody@contoso.example');
    expect(unknown.code).toBe(2);
    expect(unknown.err).toContain("No mailbox has the address or id 'nobody@contoso.example'");
  });
});
