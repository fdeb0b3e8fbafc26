import { readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { MessageSeedResult } from './graph/seed-messages.ts';
import { postAdminJson } from './sandbox-seed.ts';

/** Outcome of seeding one .eml file. */
export interface MailSeedResult {
  readonly file: string;
  /** The message's Graph id. */
  readonly id: string;
  /** Display name of the folder the message is in. */
  readonly folder: string;
  /** `added`, or `updated`/`unchanged` for a message seeded before (same Message-ID). */
  readonly outcome: 'added' | 'updated' | 'unchanged';
  readonly warnings: readonly string[];
}

/** Folder and categories of one file, from the folder's `placement.json`. */
interface Placement {
  readonly folder?: string;
  readonly categories?: string[];
}

export interface EmlFolderSeeding {
  readonly graphUrl: string;
  readonly folder: string;
  readonly mailboxAddress: string;
}

const PLACEMENT_FILE = 'placement.json';
/** Marks a sandbox whose sample emails were seeded; `syncline sandbox reset` removes it. */
export const SAMPLE_MAIL_MARKER = 'sample-mail-seeded.json';
const SAMPLE_MAIL_DIR = fileURLToPath(new URL('./sample-data/mail/', import.meta.url));

/** Seed the sample emails unless an earlier start did; returns null when they were there already. */
export async function seedSampleMailOnce(options: { readonly sandboxDir: string; readonly graphUrl: string; readonly mailboxAddress: string }): Promise<MailSeedResult[] | null> {
  const marker = path.join(options.sandboxDir, SAMPLE_MAIL_MARKER);
  const seeded = await readFile(marker, 'utf8').then(
    () => true,
    () => false,
  );
  if (seeded) {
    return null;
  }

  const results = await seedEmlFolder({ graphUrl: options.graphUrl, folder: SAMPLE_MAIL_DIR, mailboxAddress: options.mailboxAddress });
  await writeFile(marker, `${JSON.stringify({ seededAt: new Date().toISOString() })}\n`);
  return results;
}

/**
 * Import every .eml file of a folder (not its subfolders) into the mailbox's inbox, in file-name order. The folder's
 * `placement.json` may name another folder for a file (well-known name or display name of a top-level folder,
 * created when missing) and its categories. A message seeded before (same Message-ID, or same content when it has
 * none) is updated in place, not added again. Messages count as received when they are seeded (their Date header
 * stays their sent time), so a first read that looks back a few days finds them.
 */
export async function seedEmlFolder(seeding: EmlFolderSeeding): Promise<MailSeedResult[]> {
  const names = (await readdir(seeding.folder)).filter((name) => name.toLowerCase().endsWith('.eml')).sort();
  if (names.length === 0) {
    return [];
  }

  const placements = await readPlacements(seeding.folder);
  const url = `${seeding.graphUrl}/_admin/users/${encodeURIComponent(seeding.mailboxAddress)}/messages/seed`;
  const results: MailSeedResult[] = [];
  const seededAt = Date.now();
  for (const [index, name] of names.entries()) {
    const bytes = await readFile(path.join(seeding.folder, name));
    const placement = placements[name] ?? {};
    // Received one second apart, the last file now, so the mailbox lists them in file order.
    const receivedDateTime = new Date(seededAt - (names.length - 1 - index) * 1000).toISOString();
    const message = { emlBase64: bytes.toString('base64'), fileName: name, folder: placement.folder ?? 'inbox', categories: placement.categories, receivedDateTime };
    const report = await postAdminJson<{ results: MessageSeedResult[] }>(url, { messages: [message] }).catch((error: unknown) => {
      throw new Error(`${name}: seeding failed: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
    });
    const [result] = report.results;
    if (result) {
      results.push({ file: name, id: result.id, folder: result.folder, outcome: result.outcome, warnings: result.warnings });
    }
  }
  return results;
}

async function readPlacements(folder: string): Promise<Record<string, Placement>> {
  const file = path.join(folder, PLACEMENT_FILE);
  const text = await readFile(file, 'utf8').catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') {
      return null;
    }
    throw error;
  });
  if (text === null) {
    return {};
  }

  try {
    return JSON.parse(text) as Record<string, Placement>;
  } catch (error) {
    throw new Error(`${file} is not valid JSON (${(error as Error).message}); it maps .eml file names to { "folder", "categories" }`);
  }
}
