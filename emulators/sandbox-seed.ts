import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { importIcs } from './graph/ics-import.ts';
import type { SeedOutcome, SeedReport } from './graph/seed-events.ts';
import { seedsInWindow } from './graph/seed-window.ts';

/**
 * The result of seeding one source. Counts are of instances (single events, occurrences, exceptions), the items a
 * sync mirrors. Series masters are not counted.
 */
export interface SeedResult {
  readonly file: string;
  /** Instances inside the sync window. */
  readonly events: number;
  readonly added: number;
  /** Already in the mailbox (same iCalendar UID and original start) and changed by this seeding. */
  readonly updated: number;
  /** Already in the mailbox and equal. */
  readonly unchanged: number;
  /** Instances of an earlier seeding that a series seeded again no longer has. */
  readonly removed: number;
  /** Instances outside the sync window, not imported. */
  readonly outsideWindow: number;
  readonly warnings: readonly string[];
}

export interface IcsFolderSeeding {
  readonly graphUrl: string;
  readonly folder: string;
  readonly mailbox: { readonly address: string; readonly timeZone: string };
  /** The sync window: the import horizon of series and the range of events imported at all. */
  readonly window: { readonly start: string; readonly end: string };
}

/**
 * Import every .ics file of a folder (not its subfolders) into the mailbox, in file-name order. Events the
 * mailbox already has from an earlier seeding are updated, not added again.
 */
export async function seedIcsFolder(seeding: IcsFolderSeeding): Promise<SeedResult[]> {
  const names = (await readdir(seeding.folder)).filter((name) => name.toLowerCase().endsWith('.ics')).sort();
  const results: SeedResult[] = [];

  for (const name of names) {
    const text = await readFile(path.join(seeding.folder, name), 'utf8');
    const imported = importIcs(text, { fileName: name, horizon: { ...seeding.window }, defaultTimeZone: seeding.mailbox.timeZone });
    const inWindow = seedsInWindow(imported.seeds, seeding.window);
    const report = inWindow.seeds.length === 0 ? emptyReport() : await postAdminJson<SeedReport>(`${seeding.graphUrl}/_admin/users/${encodeURIComponent(seeding.mailbox.address)}/seed`, { events: inWindow.seeds });

    const instanceOutcomes = report.outcomes.filter((_, index) => inWindow.seeds[index]?.type !== 'seriesMaster');
    results.push({
      file: name,
      events: instanceOutcomes.length,
      added: countOf(instanceOutcomes, 'added'),
      updated: countOf(instanceOutcomes, 'updated'),
      unchanged: countOf(instanceOutcomes, 'unchanged'),
      removed: report.removed,
      outsideWindow: inWindow.outside,
      warnings: imported.warnings,
    });
  }
  return results;
}

function emptyReport(): SeedReport {
  return { ids: [], outcomes: [], removed: 0 };
}

export function countOf(outcomes: readonly SeedOutcome[], wanted: SeedOutcome): number {
  return outcomes.filter((outcome) => outcome === wanted).length;
}

export async function postAdminJson<T>(url: string, body: unknown): Promise<T> {
  const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  const text = await response.text();
  if (!response.ok) {
    throw new Error(`POST ${new URL(url).pathname} returned ${response.status}: ${text.slice(0, 300)}`);
  }
  return (text === '' ? null : JSON.parse(text)) as T;
}
