import { readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ContactSeedReport } from './graph/contact-seed.ts';
import { importVcards } from './graph/vcard-import.ts';
import { countOf, postAdminJson } from './sandbox-seed.ts';

/**
 * Seeding the sandbox's contacts and To Do tasks: .vcf files into the mailbox's default Contacts folder, and the
 * sample tasks and contacts on both sides. The calendar seeding lives in sandbox-seed.ts.
 */

/**
 * Written once the sample contacts and tasks are seeded. It is apart from the events' marker, so a sandbox made
 * before these samples existed gets them on its next start.
 */
export const SAMPLE_ITEMS_MARKER = 'sample-items-seeded.json';
const SAMPLE_DATA_DIR = fileURLToPath(new URL('./sample-data/', import.meta.url));
const SAMPLE_TASKS_FILE = 'todo-tasks.json';

/** The result of seeding one .vcf file into the mailbox's default Contacts folder. */
export interface ContactSeedResult {
  readonly file: string;
  /** Cards in the file. */
  readonly cards: number;
  readonly added: number;
  /** Already in the mailbox (same vCard UID, or else the same first email address) and changed by this seeding. */
  readonly updated: number;
  readonly unchanged: number;
  /** Cards with nothing to import, or that could not be read. */
  readonly skipped: number;
  readonly warnings: readonly string[];
}

export interface VcfFolderSeeding {
  readonly graphUrl: string;
  readonly folder: string;
  readonly mailboxAddress: string;
}

/**
 * Import every .vcf file of a folder (not its subfolders) into the mailbox's contacts, in file-name order. A
 * contact seeded before with the same UID, or else the same first email address, is updated, not added again.
 */
export async function seedVcfFolder(seeding: VcfFolderSeeding): Promise<ContactSeedResult[]> {
  const names = (await readdir(seeding.folder)).filter((name) => name.toLowerCase().endsWith('.vcf')).sort();
  const results: ContactSeedResult[] = [];

  for (const name of names) {
    const imported = importVcards(await readFile(path.join(seeding.folder, name), 'utf8'), name);
    const report =
      imported.seeds.length === 0
        ? { ids: [], outcomes: [] }
        : await postAdminJson<ContactSeedReport>(`${seeding.graphUrl}/_admin/users/${encodeURIComponent(seeding.mailboxAddress)}/contacts/seed`, { contacts: imported.seeds });

    results.push({
      file: name,
      cards: imported.cards,
      added: countOf(report.outcomes, 'added'),
      updated: countOf(report.outcomes, 'updated'),
      unchanged: countOf(report.outcomes, 'unchanged'),
      skipped: imported.cards - imported.seeds.length,
      warnings: imported.warnings,
    });
  }
  return results;
}

/** Counts of the sample contacts and tasks a seeding added. */
export interface SampleItemsResult {
  /** One entry per sample .vcf file. */
  readonly contacts: readonly ContactSeedResult[];
  /** To Do tasks added to the mailbox's default list. */
  readonly todoTasks: number;
  /** Tasks and contacts added to Salesforce only, for the CRM to mailbox direction. */
  readonly salesforceTasks: number;
  readonly salesforceContacts: number;
}

export interface SampleItemsSeeding {
  readonly sandboxDir: string;
  readonly graphUrl: string;
  readonly salesforceUrl: string;
  readonly mailboxAddress: string;
  /** Salesforce User id that owns the sample Salesforce records. */
  readonly ownerId: string;
}

/** Seed the sample contacts and tasks unless an earlier start did; returns null when they were there already. */
export async function seedSampleItems(seeding: SampleItemsSeeding): Promise<SampleItemsResult | null> {
  const marker = path.join(seeding.sandboxDir, SAMPLE_ITEMS_MARKER);
  const seeded = await readFile(marker, 'utf8').then(
    () => true,
    () => false,
  );
  if (seeded) {
    return null;
  }

  const contacts = await seedVcfFolder({ graphUrl: seeding.graphUrl, folder: SAMPLE_DATA_DIR, mailboxAddress: seeding.mailboxAddress });
  const tasks = JSON.parse(await readFile(path.join(SAMPLE_DATA_DIR, SAMPLE_TASKS_FILE), 'utf8')) as unknown[];
  const todo = await postAdminJson<{ ids: string[] }>(`${seeding.graphUrl}/_admin/users/${encodeURIComponent(seeding.mailboxAddress)}/todo/seed`, { tasks });
  const crmTasks = SANDBOX_CRM_TASKS.map((task) => ({ ...task, OwnerId: seeding.ownerId }));
  const crmContacts = SANDBOX_CRM_CONTACTS.map((contact) => ({ ...contact, OwnerId: seeding.ownerId }));
  await postAdminJson(`${seeding.salesforceUrl}/_admin/records`, { sobject: 'Task', records: crmTasks });
  await postAdminJson(`${seeding.salesforceUrl}/_admin/records`, { sobject: 'Contact', records: crmContacts });

  await writeFile(marker, `${JSON.stringify({ seededAt: new Date().toISOString() })}\n`);
  return { contacts, todoTasks: todo.ids.length, salesforceTasks: crmTasks.length, salesforceContacts: crmContacts.length };
}

/** Two open Tasks that exist only in Salesforce; dates lie inside the sandbox's sync window. */
const SANDBOX_CRM_TASKS = [
  { Subject: 'Follow up on the Northwind pricing questions', Status: 'Not Started', Priority: 'High', ActivityDate: '2026-11-20', Description: 'They asked about multi-year discounts.' },
  { Subject: 'Check Contoso\'s data import sample', Status: 'In Progress', Priority: 'Normal', ActivityDate: '2027-01-22', Description: 'CSV export of 200 accounts.' },
];

/** Two Contacts that exist only in Salesforce; all addresses are fictional. */
const SANDBOX_CRM_CONTACTS = [
  { FirstName: 'Jonas', LastName: 'Berger', Title: 'IT Director', Email: 'jonas.berger@adatum.example.com', Phone: '+49 30 5550 4400', Department: 'IT', MailingCity: 'Berlin', MailingCountry: 'Germany' },
  { FirstName: 'Mei', LastName: 'Tanaka', Title: 'Purchasing Lead', Email: 'mei.tanaka@litware.example.com', MobilePhone: '+81 90 5550 1234', MailingCity: 'Osaka', MailingCountry: 'Japan' },
];
