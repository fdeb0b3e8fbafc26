import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startSalesforceEmulator, type RunningSalesforceEmulator, type SalesforceEmulatorOptions } from '../../emulators/salesforce/server.ts';
import { createSalesforceEmailWriter } from '../../src/crm/salesforce/email/index.ts';
import { DEFAULT_EMAIL_SAVING_SETTINGS, saveMailboxEmails, type EmailRecordWriter, type EmailSaveReport, type EmailSavingSettings, type SaveMailboxEmailsOptions } from '../../src/email/index.ts';
import type { MessageSource } from '../../src/domain/email-message.ts';
import type { LinkResolver } from '../../src/domain/linking.ts';
import { createSilentLogger } from '../../src/observability/logger.ts';
import { openStore, type SynclineStore } from '../../src/store/index.ts';
import { MemoryLinkResolver } from './memory-link-resolver.ts';

/** The shared corpus of real emails, beside the repository. */
export const CORPUS_EML = resolve(dirname(fileURLToPath(import.meta.url)), '../../../shared/corpus/eml');

export function corpusEmlFiles(): string[] {
  return readdirSync(CORPUS_EML).filter((name) => name.endsWith('.eml')).sort();
}

export function readCorpusEml(name: string): Uint8Array {
  return new Uint8Array(readFileSync(join(CORPUS_EML, name)));
}

export const CLIENT = { clientId: 'email-test', clientSecret: 'email-test-secret', refreshTokens: ['email-test-refresh'] };

/** Three people of one org, each with a mailbox and a Salesforce User. */
export const PEOPLE = [
  { mailboxId: 'mb-dana', address: 'dana@acme.example', name: 'Dana Reyes' },
  { mailboxId: 'mb-lee', address: 'lee@acme.example', name: 'Lee Park' },
  { mailboxId: 'mb-kim', address: 'kim@acme.example', name: 'Kim Olsen' },
] as const;

export async function startEmailEmulator(options: SalesforceEmulatorOptions = {}): Promise<RunningSalesforceEmulator> {
  return startSalesforceEmulator({
    clients: [CLIENT],
    users: [
      { Username: 'integration@acme.example', Email: 'integration@acme.example', Name: 'Integration', TimeZoneSidKey: 'GMT' },
      ...PEOPLE.map((person) => ({ Username: person.address, Email: person.address, Name: person.name, TimeZoneSidKey: 'Europe/Berlin' })),
    ],
    ...options,
  });
}

export async function admin(emulator: RunningSalesforceEmulator, method: string, path: string, body?: unknown): Promise<unknown> {
  const response = await fetch(`${emulator.url}/_admin/${path}`, {
    method,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  if (!response.ok) {
    throw new Error(`admin ${method} ${path} failed with ${response.status}: ${text}`);
  }
  return text === '' ? undefined : (JSON.parse(text) as unknown);
}

/** Live (not deleted) records of an object, as the emulator stores them. */
export async function liveRecords(emulator: RunningSalesforceEmulator, sobject: string): Promise<Record<string, unknown>[]> {
  const body = (await admin(emulator, 'GET', `records/${sobject}`)) as { records: Record<string, unknown>[] };
  return body.records.filter((record) => record.IsDeleted !== true);
}

/** Salesforce User ids by address. */
export async function userIds(emulator: RunningSalesforceEmulator): Promise<Map<string, string>> {
  const users = await liveRecords(emulator, 'User');
  return new Map(users.map((user) => [String(user.Email).toLowerCase(), String(user.Id)]));
}

/** A running emulator, a SQLite store in a temporary folder and the emulator's User ids by address. */
export interface EmailWorld {
  readonly emulator: RunningSalesforceEmulator;
  readonly store: SynclineStore;
  readonly users: Map<string, string>;
  close(): Promise<void>;
}

/** Starts the email emulator and opens a SQLite store in a new temporary folder named with `prefix`. */
export async function openEmailWorld(prefix: string): Promise<EmailWorld> {
  const emulator = await startEmailEmulator();
  const folder = mkdtempSync(join(tmpdir(), prefix));
  const store = await openStore({ kind: 'sqlite', path: join(folder, 'store.db') }, createSilentLogger());
  const users = await userIds(emulator);
  return {
    emulator,
    store,
    users,
    async close() {
      await store.close();
      await emulator.close();
      rmSync(folder, { recursive: true, force: true });
    },
  };
}

export function emailWriter(emulator: RunningSalesforceEmulator, settings: EmailSavingSettings = DEFAULT_EMAIL_SAVING_SETTINGS): EmailRecordWriter {
  return createSalesforceEmailWriter({
    loginUrl: emulator.url,
    auth: { kind: 'refreshToken', clientId: CLIENT.clientId, clientSecret: CLIENT.clientSecret, refreshToken: 'email-test-refresh' },
    apiVersion: '62.0',
    logger: createSilentLogger(),
    messageKeyField: settings.messageKeyField,
    addInField: settings.addInField,
    retry: { delayScale: 0.001 },
  });
}

export async function registerOrg(store: SynclineStore, orgId: string): Promise<void> {
  await store.upsertOrg({ id: orgId, name: orgId });
  for (const person of PEOPLE) {
    await store.upsertMailbox({ id: `${orgId}:${person.mailboxId}`, orgId, kind: 'graph', address: person.address, timeZone: 'Europe/Berlin' });
  }
}

export interface RunOptions {
  readonly orgId: string;
  readonly person: (typeof PEOPLE)[number];
  readonly source: MessageSource;
  readonly store: SynclineStore;
  readonly emulator: RunningSalesforceEmulator;
  readonly users: Map<string, string>;
  readonly settings?: EmailSavingSettings;
  readonly resolver?: LinkResolver;
  readonly writer?: EmailRecordWriter;
  readonly overrides?: Partial<SaveMailboxEmailsOptions>;
}

/** Run one email-saving session for a person's mailbox against the emulator. */
export function runSession(options: RunOptions): Promise<EmailSaveReport> {
  const settings = options.settings ?? DEFAULT_EMAIL_SAVING_SETTINGS;
  return saveMailboxEmails({
    orgId: options.orgId,
    mailbox: { id: `${options.orgId}:${options.person.mailboxId}`, address: options.person.address, timeZone: 'Europe/Berlin' },
    owner: { id: options.users.get(options.person.address)! },
    source: options.source,
    writer: options.writer ?? emailWriter(options.emulator, settings),
    resolver: options.resolver ?? new MemoryLinkResolver(),
    store: options.store,
    settings,
    logger: createSilentLogger(),
    claims: { ttlMs: 60_000, waitMs: 10_000, pollMs: 20 },
    ...options.overrides,
  });
}
