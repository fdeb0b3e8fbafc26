import { randomBytes } from 'node:crypto';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { RunningEwsEmulator } from './ews/server.ts';
import type { RunningGoogleEmulator } from './google/server.ts';
import { startGraphEmulator, type RunningGraphEmulator } from './graph/server.ts';
import { startSalesforceEmulator, type RunningSalesforceEmulator } from './salesforce/server.ts';
import { GOOGLE_SAMPLE_MARKER, SANDBOX_GOOGLE_MAILBOX, startSandboxGoogle, type SandboxGoogleReady } from './sandbox-google.ts';
import { EWS_SAMPLE_MARKER, SANDBOX_EWS_MAILBOX, startSandboxEws, type SandboxEwsReady } from './sandbox-ews.ts';
import { IMAP_SAMPLE_MARKER, SANDBOX_IMAP_MAILBOX, startSandboxImap, type SandboxImapReady } from './sandbox-imap.ts';
import { acquireSandboxLock, type SandboxOwner } from './sandbox-lock.ts';
import { missingServers, type RunningServer } from './mail-servers.ts';
import { postAdminJson, seedIcsFolder, type IcsFolderSeeding, type SeedResult } from './sandbox-seed.ts';
import { SAMPLE_ITEMS_MARKER, seedSampleItems, seedVcfFolder, type ContactSeedResult, type SampleItemsResult } from './sandbox-items.ts';
import { SAMPLE_MAIL_MARKER, seedEmlFolder, seedSampleMailOnce, type MailSeedResult } from './sandbox-mail-seed.ts';

/**
 * The embedded sandbox: a Graph emulator and a Salesforce emulator on loopback, with state kept in
 * `<dataDir>/sandbox/{graph,salesforce}`, one org and its Graph mailbox, seeded with the sample data on first start.
 * By default the org also has an Exchange (EWS) mailbox and a Google Workspace mailbox on their emulators. Where
 * Dovecot and Radicale are installed, it also has an IMAP/CalDAV mailbox on those real servers. Each is seeded like
 * the Graph one.
 * The product reaches it only through the ready message below (URLs and credentials), exactly as it reaches
 * the real services through its configuration.
 */

export const SANDBOX_ORG = { id: 'sandbox', name: 'Sandbox Org' } as const;
export const SANDBOX_MAILBOX = { address: 'alex.morgan@sandbox.example.com', displayName: 'Alex Morgan', timeZone: 'Europe/Berlin' } as const;
/** Every sample date lies inside this window, so the first session mirrors all of them. */
export const SANDBOX_WINDOW = { start: '2026-10-01T00:00:00.000Z', end: '2027-07-01T00:00:00.000Z' } as const;
const TENANT_ID = 'sandbox.onmicrosoft.com';
const API_VERSION = '62.0';
const SYNC_ID_FIELD = 'Syncline_Sync_Id__c';
/** An 18-character User id in the emulator's id style; no upper-case letters, so its checksum suffix is AAA. */
const SANDBOX_USER_ID = '0055g0000000001AAA';
/** The Salesforce users of the Google, EWS and IMAP/CalDAV mailboxes, in the same id style. */
const SANDBOX_GOOGLE_USER_ID = '0055g0000000002AAA';
const SANDBOX_EWS_USER_ID = '0055g0000000003AAA';
const SANDBOX_IMAP_USER_ID = '0055g0000000004AAA';
const SEEDED_MARKER = 'sample-data-seeded.json';
const PORTS_FILE = 'ports.json';
const SAMPLE_DATA_DIR = fileURLToPath(new URL('./sample-data/', import.meta.url));

/** The message the sandbox process prints as one JSON line; src/config/sandbox-config.ts parses it. */
export interface SandboxReadyMessage {
  readonly graph: { url: string; tenantId: string; clientId: string; clientSecret: string };
  readonly salesforce: { url: string; clientId: string; clientSecret: string; refreshToken: string; apiVersion: string; syncIdField: string };
  readonly org: { id: string; name: string };
  readonly mailbox: { address: string; timeZone: string; salesforceUserEmail: string };
  readonly window: { start: string; end: string };
  /** Per-source results of seeding the sample data on this start; null when an earlier start had seeded it already. */
  readonly sampleData: readonly SeedResult[] | null;
  /** Results of `--seed FOLDER`, one entry per .ics file. */
  readonly seedResults: readonly SeedResult[];
  /** Sample contacts and To Do tasks seeded on this start; null when an earlier start had seeded them already. */
  readonly sampleItems: SampleItemsResult | null;
  /** Results of `--seed FOLDER`, one entry per .vcf file. */
  readonly contactSeedResults: readonly ContactSeedResult[];
  /** Sample emails seeded on this start, one entry per .eml file; null when an earlier start had seeded them. */
  readonly sampleMail: readonly MailSeedResult[] | null;
  /** Results of `--seed FOLDER`, one entry per .eml file. */
  readonly mailSeedResults: readonly MailSeedResult[];
  /** The Google Workspace mailbox, when the sandbox was started with one. */
  readonly google?: SandboxGoogleReady;
  /** The Exchange (EWS) mailbox, when the sandbox was started with one. */
  readonly ews?: SandboxEwsReady;
  /** The IMAP/CalDAV mailbox on Dovecot and Radicale, when the sandbox was started with one. */
  readonly imapCaldav?: SandboxImapReady;
  /** One sentence per mailbox the sandbox was asked for and runs without, with the reason and the fix. */
  readonly notices: readonly string[];
}

export interface SandboxOptions {
  readonly dataDir: string;
  /** Remove the emulators' saved state first, so the sample data is seeded again. */
  readonly reset?: boolean;
  /** Add every .ics, .vcf and .eml file of this folder to the sandbox mailbox after start. */
  readonly seedDir?: string | null;
  /** The syncline command this sandbox runs for, named to a second command that finds the data folder in use. */
  readonly owner?: SandboxOwner | null;
  /** Also run a Google emulator with a Google Workspace mailbox seeded like the Graph one. */
  readonly google?: boolean;
  /** Also run an EWS emulator with an Exchange mailbox seeded like the Graph one. */
  readonly ews?: boolean;
  /** Also run Dovecot and Radicale, when installed, with an IMAP/CalDAV mailbox seeded like the Graph one. */
  readonly imapCaldav?: boolean;
}

export interface RunningSandbox {
  readonly ready: SandboxReadyMessage;
  close(): Promise<void>;
}

export async function startSandbox(options: SandboxOptions): Promise<RunningSandbox> {
  const sandboxDir = path.join(path.resolve(options.dataDir), 'sandbox');
  await mkdir(sandboxDir, { recursive: true });
  const lock = await acquireSandboxLock(sandboxDir, options.owner ?? null);

  let graph: RunningGraphEmulator | null = null;
  let salesforce: RunningSalesforceEmulator | null = null;
  let google: RunningGoogleEmulator | null = null;
  let ews: RunningEwsEmulator | null = null;
  let mailServers: readonly RunningServer[] = [];
  const close = async () => {
    await Promise.all([graph?.close(), salesforce?.close(), google?.close(), ews?.close(), ...mailServers.map((server) => server.stop())]);
    await lock.release();
  };

  try {
    if (options.reset) {
      await removeState(sandboxDir);
    }

    const credentials = freshCredentials();
    const ports = await readPorts(sandboxDir);
    graph = await withPort('Graph', ports.graph, (port) =>
      startGraphEmulator({
        port,
        dataDir: path.join(sandboxDir, 'graph'),
        clients: [{ tenantId: TENANT_ID, clientId: credentials.graphClientId, clientSecret: credentials.graphClientSecret }],
        users: [{ userPrincipalName: SANDBOX_MAILBOX.address, displayName: SANDBOX_MAILBOX.displayName, mailboxTimeZone: SANDBOX_MAILBOX.timeZone }],
      }),
    );
    salesforce = await withPort('Salesforce', ports.salesforce, (port) =>
      startSalesforceEmulator({
        port,
        dataDir: path.join(sandboxDir, 'salesforce'),
        clients: [{ clientId: credentials.sfClientId, clientSecret: credentials.sfClientSecret, refreshTokens: [credentials.sfRefreshToken] }],
        users: [
          { Id: SANDBOX_USER_ID, Username: SANDBOX_MAILBOX.address, Email: SANDBOX_MAILBOX.address, Name: SANDBOX_MAILBOX.displayName, TimeZoneSidKey: SANDBOX_MAILBOX.timeZone },
          ...(options.google
            ? [{ Id: SANDBOX_GOOGLE_USER_ID, Username: SANDBOX_GOOGLE_MAILBOX.address, Email: SANDBOX_GOOGLE_MAILBOX.address, Name: SANDBOX_GOOGLE_MAILBOX.displayName, TimeZoneSidKey: SANDBOX_GOOGLE_MAILBOX.timeZone }]
            : []),
          ...(options.ews ? [{ Id: SANDBOX_EWS_USER_ID, Username: SANDBOX_EWS_MAILBOX.address, Email: SANDBOX_EWS_MAILBOX.address, Name: SANDBOX_EWS_MAILBOX.displayName, TimeZoneSidKey: SANDBOX_EWS_MAILBOX.timeZone }] : []),
          ...(options.imapCaldav ? [{ Id: SANDBOX_IMAP_USER_ID, Username: SANDBOX_IMAP_MAILBOX.address, Email: SANDBOX_IMAP_MAILBOX.address, Name: 'Jordan Lee', TimeZoneSidKey: SANDBOX_IMAP_MAILBOX.timeZone }] : []),
        ],
        syncIdField: SYNC_ID_FIELD,
      }),
    );
    const googleStart = options.google ? await withPort('Google', ports.google, (port) => startSandboxGoogle({ sandboxDir, port, window: { ...SANDBOX_WINDOW } })) : null;
    google = googleStart?.emulator ?? null;
    const ewsStart = options.ews ? await withPort('EWS', ports.ews, (port) => startSandboxEws({ sandboxDir, port, window: { ...SANDBOX_WINDOW } })) : null;
    ews = ewsStart?.emulator ?? null;
    const notices: string[] = [];
    const imapStart = options.imapCaldav ? await startImapOrExplain(sandboxDir, ports, notices) : null;
    mailServers = imapStart?.servers ?? [];
    const imapPorts = imapStart ? { imap: imapStart.ready.imap.port, dav: portOf(imapStart.ready.dav.serverUrl) } : {};
    await writeFile(
      path.join(sandboxDir, PORTS_FILE),
      // Ports of a mailbox turned off this time stay, so its cursors still match when it is turned on again.
      `${JSON.stringify({ ...ports, graph: portOf(graph.url), salesforce: portOf(salesforce.url), ...(google ? { google: portOf(google.url) } : {}), ...(ews ? { ews: portOf(ews.url) } : {}), ...imapPorts })}\n`,
    );
    // The Events that exist only in Salesforce go to each new mailbox's owner too, for the CRM → mailbox direction.
    if (googleStart?.ready.sampleData) await seedCrmEvents(salesforce.url, SANDBOX_GOOGLE_USER_ID);
    if (ewsStart?.ready.sampleData) await seedCrmEvents(salesforce.url, SANDBOX_EWS_USER_ID);
    if (imapStart?.ready.sampleData) await seedCrmEvents(salesforce.url, SANDBOX_IMAP_USER_ID);

    const sampleResults = await seedOnce(sandboxDir, graph.url, salesforce.url);
    const sampleItems = await seedSampleItems({ sandboxDir, graphUrl: graph.url, salesforceUrl: salesforce.url, mailboxAddress: SANDBOX_MAILBOX.address, ownerId: SANDBOX_USER_ID });
    const seedDir = options.seedDir ? path.resolve(options.seedDir) : null;
    const added = seedDir ? await seedIcsFolder(icsSeeding(graph.url, seedDir)) : [];
    const contacts = seedDir ? await seedVcfFolder({ graphUrl: graph.url, folder: seedDir, mailboxAddress: SANDBOX_MAILBOX.address }) : [];
    const sampleMail = await seedSampleMailOnce({ sandboxDir, graphUrl: graph.url, mailboxAddress: SANDBOX_MAILBOX.address });
    const mail = seedDir ? await seedEmlFolder({ graphUrl: graph.url, folder: seedDir, mailboxAddress: SANDBOX_MAILBOX.address }) : [];
    const ready: SandboxReadyMessage = {
      ...readyMessage(graph.url, salesforce.url, credentials, sampleResults, added),
      sampleItems,
      contactSeedResults: contacts,
      sampleMail,
      mailSeedResults: mail,
      ...(googleStart ? { google: googleStart.ready } : {}),
      ...(ewsStart ? { ews: ewsStart.ready } : {}),
      ...(imapStart ? { imapCaldav: imapStart.ready } : {}),
      notices,
    };
    return { ready, close };
  } catch (error) {
    await close();
    throw error;
  }
}

interface SandboxCredentials {
  readonly graphClientId: string;
  readonly graphClientSecret: string;
  readonly sfClientId: string;
  readonly sfClientSecret: string;
  readonly sfRefreshToken: string;
}

/** New credentials on every start: they exist only between this process and its parent, never on disk. */
function freshCredentials(): SandboxCredentials {
  const token = () => randomBytes(24).toString('base64url');
  return {
    graphClientId: 'syncline-sandbox-graph',
    graphClientSecret: token(),
    sfClientId: 'syncline-sandbox-connected-app',
    sfClientSecret: token(),
    sfRefreshToken: token(),
  };
}

function readyMessage(
  graphUrl: string,
  salesforceUrl: string,
  credentials: SandboxCredentials,
  sampleData: readonly SeedResult[] | null,
  seedResults: readonly SeedResult[],
): Omit<SandboxReadyMessage, 'sampleItems' | 'contactSeedResults' | 'sampleMail' | 'mailSeedResults' | 'notices'> {
  return {
    graph: { url: graphUrl, tenantId: TENANT_ID, clientId: credentials.graphClientId, clientSecret: credentials.graphClientSecret },
    salesforce: {
      url: salesforceUrl,
      clientId: credentials.sfClientId,
      clientSecret: credentials.sfClientSecret,
      refreshToken: credentials.sfRefreshToken,
      apiVersion: API_VERSION,
      syncIdField: SYNC_ID_FIELD,
    },
    org: { ...SANDBOX_ORG },
    mailbox: { address: SANDBOX_MAILBOX.address, timeZone: SANDBOX_MAILBOX.timeZone, salesforceUserEmail: SANDBOX_MAILBOX.address },
    window: { ...SANDBOX_WINDOW },
    sampleData,
    seedResults,
  };
}

async function removeState(sandboxDir: string): Promise<void> {
  const states = ['graph', 'salesforce', 'google', 'ews', 'dovecot', 'radicale'];
  const markers = [SEEDED_MARKER, SAMPLE_ITEMS_MARKER, SAMPLE_MAIL_MARKER, GOOGLE_SAMPLE_MARKER, EWS_SAMPLE_MARKER, IMAP_SAMPLE_MARKER];
  for (const entry of [...states, ...markers, PORTS_FILE]) {
    await rm(path.join(sandboxDir, entry), { recursive: true, force: true });
  }
}

interface SandboxPorts {
  readonly graph?: number;
  readonly salesforce?: number;
  readonly google?: number;
  readonly ews?: number;
  readonly imap?: number;
  readonly dav?: number;
}

/**
 * Ports of the previous start. The emulators listen on them again, because the store keeps cursors that contain
 * the Graph emulator's URL (a deltaLink), and the Graph connector rejects links to any other origin.
 */
async function readPorts(sandboxDir: string): Promise<SandboxPorts> {
  const text = await readFile(path.join(sandboxDir, PORTS_FILE), 'utf8').catch(() => null);
  if (text === null) {
    return {};
  }

  try {
    return JSON.parse(text) as SandboxPorts;
  } catch {
    return {};
  }
}

async function withPort<T>(name: string, port: number | undefined, start: (port: number) => Promise<T>): Promise<T> {
  try {
    return await start(port ?? 0);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EADDRINUSE') {
      throw new Error(
        `port ${port} of the sandbox's ${name} emulator is in use by another program; stop it, or run \`syncline sandbox reset\` to start over on new ports`,
      );
    }
    throw error;
  }
}

function portOf(url: string): number {
  return Number(new URL(url).port);
}

/**
 * Start Dovecot and Radicale with the IMAP/CalDAV mailbox. When they are not installed or fail to start, add the
 * reason to `notices` and return null, so the sandbox runs on without that mailbox.
 */
async function startImapOrExplain(sandboxDir: string, ports: SandboxPorts, notices: string[]) {
  const missing = missingServers();
  if (missing !== null) {
    notices.push(`The sandbox runs without its IMAP/CalDAV mailbox: ${missing}.`);
    return null;
  }
  try {
    return await startSandboxImap({ sandboxDir, ports: { imap: ports.imap, dav: ports.dav } });
  } catch (error) {
    // imapflow puts the server's own words in responseText; a server that did not start explains itself in the first line.
    const detail = (error as { responseText?: unknown }).responseText;
    const firstLine = (error instanceof Error ? error.message : String(error)).split('\n')[0];
    const reason = typeof detail === 'string' ? `${firstLine} (${detail})` : firstLine;
    notices.push(`The sandbox runs without its IMAP/CalDAV mailbox: ${reason}. Dovecot logs to ${path.join(sandboxDir, 'dovecot', 'dovecot.log')}; SYNCLINE_SANDBOX_IMAP=0 turns this mailbox off.`);
    return null;
  }
}

async function seedCrmEvents(salesforceUrl: string, ownerId: string): Promise<void> {
  await postAdminJson(`${salesforceUrl}/_admin/records`, { sobject: 'Event', records: SANDBOX_CRM_EVENTS.map((event) => ({ ...event, OwnerId: ownerId })) });
}

/** Seed the sample data unless an earlier start did; returns null when it was already there. */
async function seedOnce(sandboxDir: string, graphUrl: string, salesforceUrl: string): Promise<SeedResult[] | null> {
  const marker = path.join(sandboxDir, SEEDED_MARKER);
  const seeded = await readFile(marker, 'utf8').then(
    () => true,
    () => false,
  );
  if (seeded) {
    return null;
  }

  const results = await seedIcsFolder(icsSeeding(graphUrl, SAMPLE_DATA_DIR));
  await postAdminJson(`${salesforceUrl}/_admin/records`, {
    sobject: 'Event',
    records: SANDBOX_CRM_EVENTS.map((event) => ({ ...event, OwnerId: SANDBOX_USER_ID })),
  });
  const crmEvents = SANDBOX_CRM_EVENTS.length;
  results.push({ file: 'Salesforce Events', events: crmEvents, added: crmEvents, updated: 0, unchanged: 0, removed: 0, outsideWindow: 0, warnings: [] });

  await writeFile(marker, `${JSON.stringify({ seededAt: new Date().toISOString() })}\n`);
  return results;
}

// The sync window is the import horizon too: the sandbox syncs nothing outside it.
function icsSeeding(graphUrl: string, folder: string): IcsFolderSeeding {
  return { graphUrl, folder, mailbox: { address: SANDBOX_MAILBOX.address, timeZone: SANDBOX_MAILBOX.timeZone }, window: { ...SANDBOX_WINDOW } };
}

/**
 * Three Events that exist only in Salesforce, for the CRM → mailbox direction. Times are UTC, written the way
 * Salesforce returns them; the derived fields (ActivityDate, ActivityDateTime, DurationInMinutes) agree with them.
 */
const SANDBOX_CRM_EVENTS = [
  crmEvent('Quarterly business review with Northwind', '2026-11-18T14:00:00Z', 60, 'Northwind Traders, Hamburg', 'Agenda: renewal terms, expansion to the Nordic offices.'),
  crmEvent('Pricing call with Fabrikam procurement', '2027-01-12T09:30:00Z', 30, 'Phone', 'Walk through the volume discount table.'),
  crmEvent('Contoso onboarding workshop', '2027-02-03T08:00:00Z', 180, 'Contoso Ltd., Munich office', 'Admin training and data import plan.'),
];

function crmEvent(subject: string, startUtc: string, minutes: number, location: string, description: string): Record<string, unknown> {
  const start = new Date(startUtc);
  const end = new Date(start.getTime() + minutes * 60_000);
  const salesforceTime = (instant: Date) => instant.toISOString().replace('Z', '+0000');
  return {
    Subject: subject,
    StartDateTime: salesforceTime(start),
    EndDateTime: salesforceTime(end),
    ActivityDateTime: salesforceTime(start),
    ActivityDate: startUtc.slice(0, 10),
    DurationInMinutes: minutes,
    IsAllDayEvent: false,
    Location: location,
    Description: description,
    ShowAs: 'Busy',
  };
}
