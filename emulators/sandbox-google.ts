import { generateKeyPairSync } from 'node:crypto';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startGoogleEmulator, type RunningGoogleEmulator } from './google/server.ts';
import { sampleIcsFor } from './sandbox-sample-ics.ts';
import { postAdminJson } from './sandbox-seed.ts';

/**
 * The sandbox's Google Workspace mailbox: a Google emulator in `<dataDir>/sandbox/google`, one user seeded with the
 * same sample calendars, contacts, tasks and emails as the Graph mailbox, and a service account with domain-wide
 * delegation for the scopes the Google connector requests. The key pair is made fresh on every start and never
 * written to disk, like the other sandbox credentials.
 */

export const SANDBOX_GOOGLE_MAILBOX = { address: 'sam.rivera@sandbox.example.com', displayName: 'Sam Rivera', timeZone: 'Europe/Berlin' } as const;
/** Written once the sample data is in the Google mailbox; `syncline sandbox reset` removes it with the state. */
export const GOOGLE_SAMPLE_MARKER = 'google-sample-seeded.json';
const SERVICE_ACCOUNT = 'syncline-sandbox@sandbox-project.iam.gserviceaccount.com';
const SCOPES = [
  'https://www.googleapis.com/auth/calendar.events',
  'https://www.googleapis.com/auth/gmail.readonly',
  'https://www.googleapis.com/auth/gmail.labels',
  'https://www.googleapis.com/auth/contacts',
  'https://www.googleapis.com/auth/tasks',
];
const SAMPLE_DATA_DIR = fileURLToPath(new URL('./sample-data/', import.meta.url));
const SALESFORCE_LABEL = 'Salesforce';

/** The part of the sandbox's ready message that lets the product reach the Google mailbox. */
export interface SandboxGoogleReady {
  readonly url: string;
  readonly tokenUrl: string;
  readonly serviceAccount: { readonly clientEmail: string; readonly privateKey: string };
  readonly mailbox: { readonly address: string; readonly timeZone: string; readonly salesforceUserEmail: string };
  /** Files seeded on this start, with their counts; null when an earlier start had seeded them. */
  readonly sampleData: readonly { readonly file: string; readonly added: number }[] | null;
}

export async function startSandboxGoogle(options: { readonly sandboxDir: string; readonly port: number; readonly window: { start: string; end: string } }): Promise<{ emulator: RunningGoogleEmulator; ready: SandboxGoogleReady }> {
  const pair = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const emulator = await startGoogleEmulator({
    port: options.port,
    dataDir: path.join(options.sandboxDir, 'google'),
    users: [{ email: SANDBOX_GOOGLE_MAILBOX.address, displayName: SANDBOX_GOOGLE_MAILBOX.displayName, timeZone: SANDBOX_GOOGLE_MAILBOX.timeZone }],
    serviceAccounts: [{ clientEmail: SERVICE_ACCOUNT, publicKeyPem: pair.publicKey.export({ type: 'spki', format: 'pem' }).toString(), clientId: '100000000000000000001', delegatedScopes: SCOPES }],
  });

  try {
    const sampleData = await seedOnce(options.sandboxDir, emulator.url, options.window);
    const ready: SandboxGoogleReady = {
      url: emulator.url,
      tokenUrl: emulator.tokenUrl,
      serviceAccount: { clientEmail: SERVICE_ACCOUNT, privateKey: pair.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString() },
      mailbox: { address: SANDBOX_GOOGLE_MAILBOX.address, timeZone: SANDBOX_GOOGLE_MAILBOX.timeZone, salesforceUserEmail: SANDBOX_GOOGLE_MAILBOX.address },
      sampleData,
    };
    return { emulator, ready };
  } catch (error) {
    await emulator.close();
    throw error;
  }
}

async function seedOnce(sandboxDir: string, url: string, window: { start: string; end: string }): Promise<{ file: string; added: number }[] | null> {
  const marker = path.join(sandboxDir, GOOGLE_SAMPLE_MARKER);
  if (await readFile(marker, 'utf8').then(() => true, () => false)) {
    return null;
  }

  const user = `${url}/_admin/users/${encodeURIComponent(SANDBOX_GOOGLE_MAILBOX.address)}`;
  const results: { file: string; added: number }[] = [];
  for (const file of await filesEndingWith(SAMPLE_DATA_DIR, '.ics')) {
    const ics = sampleIcsFor(file, await readFile(path.join(SAMPLE_DATA_DIR, file), 'utf8'), SANDBOX_GOOGLE_MAILBOX.address, false);
    const report = await postAdminJson<{ added: number }>(`${user}/calendar/seed-ics`, { ics, fileName: file, horizon: window });
    results.push({ file, added: report.added });
  }
  for (const file of await filesEndingWith(SAMPLE_DATA_DIR, '.vcf')) {
    const report = await postAdminJson<{ added: number }>(`${user}/people/seed-vcf`, { vcf: await readFile(path.join(SAMPLE_DATA_DIR, file), 'utf8'), fileName: file });
    results.push({ file, added: report.added });
  }
  results.push(await seedTasks(user));
  results.push(...(await seedMail(user)));

  await writeFile(marker, `${JSON.stringify({ seededAt: new Date().toISOString() })}\n`);
  return results;
}

/** Seed the sample To Do tasks as Google Tasks keeps them: title, notes, due date and done or not. */
async function seedTasks(user: string): Promise<{ file: string; added: number }> {
  const tasks = JSON.parse(await readFile(path.join(SAMPLE_DATA_DIR, 'todo-tasks.json'), 'utf8')) as {
    title: string;
    body?: { content?: string };
    status?: string;
    dueDateTime?: { dateTime: string };
  }[];
  for (const task of tasks) {
    await postAdminJson(`${user}/tasks`, {
      title: task.title,
      ...(task.body?.content ? { notes: task.body.content } : {}),
      status: task.status === 'completed' ? 'completed' : 'needsAction',
      ...(task.dueDateTime ? { due: `${task.dueDateTime.dateTime.slice(0, 10)}T00:00:00.000Z` } : {}),
    });
  }
  return { file: 'todo-tasks.json', added: tasks.length };
}

/**
 * Seed the sample emails with Gmail labels for the Graph folders of `placement.json`: Sent Items is SENT, and the
 * Salesforce folder and category are both the Salesforce label, as on Gmail.
 */
async function seedMail(user: string): Promise<{ file: string; added: number }[]> {
  const folder = path.join(SAMPLE_DATA_DIR, 'mail');
  const placement = JSON.parse(await readFile(path.join(folder, 'placement.json'), 'utf8')) as Record<string, { folder?: string; categories?: string[] }>;
  const { id: salesforceLabel } = await postAdminJson<{ id: string }>(`${user}/gmail/labels`, { name: SALESFORCE_LABEL });
  const results: { file: string; added: number }[] = [];
  for (const file of await filesEndingWith(folder, '.eml')) {
    const place = placement[file] ?? {};
    const labels = new Set<string>([labelOfFolder(place.folder, salesforceLabel)]);
    if (place.categories?.includes(SALESFORCE_LABEL)) labels.add(salesforceLabel);
    const report = await postAdminJson<{ outcome: string }>(`${user}/gmail/seed-eml`, { emlBase64: (await readFile(path.join(folder, file))).toString('base64'), labelIds: [...labels] });
    results.push({ file, added: report.outcome === 'added' ? 1 : 0 });
  }
  return results;
}

function labelOfFolder(folder: string | undefined, salesforceLabel: string): string {
  if (folder === 'sentitems') {
    return 'SENT';
  }
  return folder === SALESFORCE_LABEL ? salesforceLabel : 'INBOX';
}

async function filesEndingWith(folder: string, extension: string): Promise<string[]> {
  return (await readdir(folder)).filter((name) => name.toLowerCase().endsWith(extension)).sort();
}
