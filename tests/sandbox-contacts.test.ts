import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runSyncline as runSynclineBinary, type SynclineRunResult } from './support/e2e-harness.ts';

/**
 * `syncline sandbox seed DIR` with .vcf files, through the real binary: the corpus vCards go into the sandbox
 * mailbox's contacts, a second run adds nothing, and the sandbox's own sample contacts and To Do tasks are there.
 */
const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const corpusVcf = path.resolve(repoRoot, '..', 'shared', 'corpus', 'vcf');
/** Each run starts the sandbox's emulators in a child process, which takes tens of seconds on a busy machine. */
const RUN_TIMEOUT_MS = 180_000;

function runSyncline(args: readonly string[], cwd: string): Promise<SynclineRunResult> {
  return runSynclineBinary(args, cwd, 'warn');
}

interface SavedState {
  extensions: {
    contacts: { contacts: { items: { deleted: boolean; text: { displayName: string | null; jobTitle: string | null } }[] } };
    todo: { tasks: { items: { deleted: boolean; title: string }[] } };
  };
}

function savedState(dataDir: string): SavedState {
  return JSON.parse(readFileSync(path.join(dataDir, 'sandbox', 'graph', 'graph-emulator-state.json'), 'utf8')) as SavedState;
}

describe('sandbox seed with vCards', () => {
  let work: string;
  let dataDir: string;

  beforeAll(() => {
    work = mkdtempSync(path.join(tmpdir(), 'syncline-vcf-'));
    dataDir = path.join(work, 'data');
  });

  afterAll(() => {
    rmSync(work, { recursive: true, force: true });
  });

  it('imports the corpus cards', async () => {
    const result = await runSyncline(['sandbox', 'seed', corpusVcf, '--data-dir', dataDir], work);

    expect(result.code, result.stderr).toBe(0);
    // Evolution, Gmail and iOS export the same person with the same first email, so they end as one contact.
    expect(result.stdout).toContain('Seeded 11 contacts (added 9, updated 2) into the contacts of alex.morgan@sandbox.example.com:');
    expect(result.stdout).toContain('  evolution-vcard30-couchdb-params.vcf: 1 card (added 1)');
    expect(result.stdout).toContain('  ios5-vcard30-photo-item-groups.vcf: 1 card (updated 1)');
    expect(result.stdout).toContain('  sogo-two-vcards-missing-n-fn.vcf: 2 cards (added 2)');
    expect(result.stdout).toContain('    warning: vcard40-all-properties.vcf: BDAY has no year (02-03)');
    expect(result.stdout).toContain('A contact seeded before (same vCard UID, or else the same first email address) is updated, not added again.');
    expect(result.stdout).not.toContain('Only events between');
  }, RUN_TIMEOUT_MS);

  it('second run adds nothing', async () => {
    const result = await runSyncline(['sandbox', 'seed', corpusVcf, '--data-dir', dataDir], work);

    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain('Seeded 11 contacts (added 0, updated 3, unchanged 8)');
    expect(result.stdout).toContain('  sabre-vcard30-escaped-semicolons-tel.vcf: 1 card (unchanged 1)');
  }, RUN_TIMEOUT_MS);

  it('keeps sample items beside the seeded ones', () => {
    const state = savedState(dataDir);
    const contacts = state.extensions.contacts.contacts.items.filter((contact) => !contact.deleted);
    const tasks = state.extensions.todo.tasks.items.filter((task) => !task.deleted);

    expect(contacts).toHaveLength(9 + 4);
    expect(contacts.map((contact) => contact.text.displayName)).toEqual(expect.arrayContaining(['Dr. Priya Raman', 'Elin Lindqvist', 'J. Doe']));
    expect(tasks.map((task) => task.title)).toContain('Send the renewal quote to Northwind');
  });

  it('updates a changed card in place', async () => {
    const folder = path.join(work, 'changed');
    mkdirSync(folder);
    const original = readFileSync(path.join(corpusVcf, 'sabre-vcard30-escaped-semicolons-tel.vcf'), 'utf8');
    writeFileSync(path.join(folder, 'nextcloud.vcf'), original.replace('ORG:Firma', 'ORG:Firma\nTITLE:Einkauf'));

    const result = await runSyncline(['sandbox', 'seed', folder, '--data-dir', dataDir], work);

    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain('Seeded 1 contact (added 0, updated 1)');
    const contacts = savedState(dataDir).extensions.contacts.contacts.items.filter((contact) => !contact.deleted);
    expect(contacts).toHaveLength(13);
    expect(contacts.find((contact) => contact.text.displayName === 'First Last NextCloud')?.text.jobTitle).toBe('Einkauf');
  }, RUN_TIMEOUT_MS);

  it('rejects a folder without seedable files', async () => {
    const empty = path.join(work, 'empty');
    mkdirSync(empty);

    const result = await runSyncline(['sandbox', 'seed', empty, '--data-dir', dataDir], work);

    expect(result.code).toBe(2);
    expect(result.stderr).toContain('.vcf');
  }, RUN_TIMEOUT_MS);
});
