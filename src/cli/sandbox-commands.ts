import { readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { sandboxConfig, type SeedResult } from '../config/index.ts';
import { openStore } from '../store/index.ts';
import { createCliLogger } from './cli-logger.ts';
import type { CommandEnvironment } from './command-environment.ts';
import { sandboxDataDir } from './run-context.ts';
import { SANDBOX_ADMIN_EMAIL } from './sandbox-admin.ts';
import { launchSandbox } from './sandbox-launcher.ts';
import { describeMailSeedTotals, printMailSeedResults } from './mail-seed-summary.ts';
import { describeContactSeedTotals, printContactSeedResults, printSampleItems } from './contact-seed-summary.ts';
import { countEvents, describeSeedResult, describeSeedTotals } from './seed-summary.ts';
import { UsageError } from './usage-error.ts';

export interface SandboxCommandOptions {
  readonly dataDir?: string;
}

/**
 * `syncline sandbox reset`: remove the emulators' saved state, seed the sample data again and empty the
 * sandbox store, so the next `syncline start` syncs everything from scratch.
 */
export async function runSandboxReset(options: SandboxCommandOptions, environment: CommandEnvironment): Promise<number> {
  const dataDir = sandboxDataDir({ dataDir: options.dataDir, env: environment.env, cwd: environment.cwd });
  const sandbox = await launchSandbox({ dataDir, reset: true, command: 'sandbox reset' });
  try {
    const config = sandboxConfig(sandbox.ready, dataDir, environment.env);
    const store = await openStore(config.store, createCliLogger());
    try {
      await store.truncateAll();
    } finally {
      await store.close();
    }

    environment.stdout(`Sandbox reset in ${path.join(dataDir, 'sandbox')}: store emptied, emulator state replaced by the sample data.`);
    // Emptying the store removed the sign-in accounts too, so the next start makes the admin account again.
    environment.stdout(`The next \`syncline start\` creates the dashboard account ${SANDBOX_ADMIN_EMAIL} again and prints its new password.`);
    printSeedResults(sandbox.ready.sampleData ?? [], environment);
    printMailSeedResults(sandbox.ready.sampleMail ?? [], environment);
    printSampleItems(sandbox.ready.sampleItems, environment);
    return 0;
  } finally {
    await sandbox.stop();
  }
}

/**
 * `syncline sandbox seed DIR`: add every .ics file of DIR to the sandbox calendar, every .eml file to its inbox and
 * every .vcf file to its contacts.
 */
export async function runSandboxSeed(folder: string, options: SandboxCommandOptions, environment: CommandEnvironment): Promise<number> {
  const resolved = path.resolve(environment.cwd, folder);
  await requireSeedFolder(resolved);

  const dataDir = sandboxDataDir({ dataDir: options.dataDir, env: environment.env, cwd: environment.cwd });
  const sandbox = await launchSandbox({ dataDir, seedDir: resolved, command: 'sandbox seed' });
  try {
    if (sandbox.ready.sampleData !== null) {
      environment.stdout('First sandbox start: seeded the sample data too.');
    }

    const results = sandbox.ready.seedResults;
    if (results.length > 0) {
      const files = results.length === 1 ? '1 file' : `${results.length} files`;
      environment.stdout(`Seeded ${files} into ${sandbox.ready.mailbox.address}: ${describeSeedTotals(results)}`);
      printSeedResults(results, environment);

      const outside = results.reduce((sum, result) => sum + result.outsideWindow, 0);
      const skipped = outside === 0 ? '' : ` ${countEvents(outside)} outside it ${outside === 1 ? 'was' : 'were'} skipped.`;
      environment.stdout(`Only events between ${sandbox.ready.window.start} and ${sandbox.ready.window.end} (the sync window) are imported and synced.${skipped}`);
      environment.stdout('An event seeded before (same UID) is updated, not added again.');
    }

    const contacts = sandbox.ready.contactSeedResults;
    if (contacts.length > 0) {
      environment.stdout(`Seeded ${describeContactSeedTotals(contacts)} into the contacts of ${sandbox.ready.mailbox.address}:`);
      printContactSeedResults(contacts, environment);
      environment.stdout('A contact seeded before (same vCard UID, or else the same first email address) is updated, not added again.');
    }

    const mail = sandbox.ready.mailSeedResults;
    if (mail.length > 0) {
      environment.stdout(`Seeded ${describeMailSeedTotals(mail)} into the mailbox of ${sandbox.ready.mailbox.address}:`);
      printMailSeedResults(mail, environment);
      environment.stdout('An email seeded before (same Message-ID) is updated, not added again; seeded emails count as received now.');
    }
    return 0;
  } finally {
    await sandbox.stop();
  }
}

/** File types `sandbox seed` imports: calendar events, emails and contacts. */
const SEEDABLE_EXTENSIONS = ['.ics', '.eml', '.vcf'];

async function requireSeedFolder(folder: string): Promise<void> {
  const kinds = `${SEEDABLE_EXTENSIONS.slice(0, -1).join(', ')} or ${SEEDABLE_EXTENSIONS.at(-1)}`;
  const info = await stat(folder).catch(() => null);
  if (!info?.isDirectory()) {
    throw new UsageError(`${folder}: not a folder; pass the folder that contains the ${kinds} files`);
  }

  const names = await readdir(folder);
  if (!names.some((name) => SEEDABLE_EXTENSIONS.some((extension) => name.toLowerCase().endsWith(extension)))) {
    throw new UsageError(`${folder}: no ${kinds} files in this folder (subfolders are not searched)`);
  }
}

function printSeedResults(results: readonly SeedResult[], environment: CommandEnvironment): void {
  for (const result of results) {
    environment.stdout(`  ${describeSeedResult(result)}`);
    for (const warning of result.warnings) {
      environment.stdout(`    warning: ${warning}`);
    }
  }
}
