import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSandbox, type RunningSandbox } from '../emulators/sandbox.ts';
import { SANDBOX_POSTGRES_SCHEMA, sandboxConfig, parseSandboxReady } from '../src/config/sandbox-config.ts';
import type { SessionReport } from '../src/domain/session-report.ts';
import { createGoogleConnector, googleConnectorOptions } from '../src/mailbox/google/index.ts';
import { createSilentLogger } from '../src/observability/logger.ts';
import { openEngine, type Engine } from '../src/scheduler/engine.ts';

/** The sandbox with its Google Workspace mailbox: seeded like the Graph one, and synced by the engine. */

const dataDir = mkdtempSync(path.join(tmpdir(), 'syncline-google-sandbox-'));
let sandbox: RunningSandbox;
let engine: Engine;

beforeAll(async () => {
  sandbox = await startSandbox({ dataDir, google: true });
  const config = sandboxConfig(parseSandboxReady(JSON.stringify(sandbox.ready)), dataDir);
  engine = await openEngine({ config, logger: createSilentLogger() });
}, 120_000);

afterAll(async () => {
  await engine?.close();
  await sandbox?.close();
  rmSync(dataDir, { recursive: true, force: true });
});

function googleMailbox() {
  const mailbox = engine.mailboxes.find((candidate) => candidate.record.kind === 'google');
  if (!mailbox) throw new Error('the sandbox configuration has no Google mailbox');
  return mailbox;
}

describe('sandbox store', () => {
  it('moves to PostgreSQL with SYNCLINE_DATABASE_URL', () => {
    const ready = parseSandboxReady(JSON.stringify(sandbox.ready));
    const url = 'postgres://127.0.0.1:5432/test';

    expect(sandboxConfig(ready, dataDir, { SYNCLINE_DATABASE_URL: url }).store).toEqual({ kind: 'postgres', connectionString: url, schema: SANDBOX_POSTGRES_SCHEMA });
    expect(sandboxConfig(ready, dataDir, {}).store.kind).toBe('sqlite');
  });
});

describe('Google sandbox mailbox', () => {
  it('is seeded with the sample data', async () => {
    expect(sandbox.ready.google?.sampleData?.map((entry) => entry.file)).toContain('team-weekly-berlin.ics');
    const { org, setting } = googleMailbox();
    const connector = createGoogleConnector(googleConnectorOptions(org, setting, createSilentLogger()));
    const window = { start: sandbox.ready.window.start, end: sandbox.ready.window.end };

    expect((await connector.events.pullChanges(null, window)).changes.length).toBeGreaterThan(5);
    expect((await connector.contacts.pullChanges(null, window)).changes.length).toBeGreaterThan(0);
    expect((await connector.tasks.pullChanges(null, window)).changes.length).toBeGreaterThan(0);
    await connector.messages.ensureMarkers({ category: 'Salesforce', folderName: 'Salesforce' });
    const mail = await connector.messages.pullMessages(null, { folders: ['inbox', 'sent', 'salesforce'], since: '2020-01-01T00:00:00.000Z' });
    expect(mail.changes.some((change) => change.kind === 'upsert' && change.item.folder === 'salesforce')).toBe(true);
  });

  it('syncs with Salesforce and writes nothing the second time', async () => {
    const { record } = googleMailbox();
    const first: SessionReport = await engine.runSession(record.id);
    expect(first.itemErrors).toEqual([]);
    expect(['ok', 'partial']).toContain(first.status);
    expect(first.writes.crm.created).toBeGreaterThan(0);
    // The Events that exist only in Salesforce, seeded for the Google owner too, reach the Google calendar.
    expect(first.writes.mailbox.created).toBeGreaterThan(0);
    expect(first.writes.byObject.Event?.mailbox.created).toBe(3);

    const second = await engine.runSession(record.id);
    expect(second.writes.crm).toEqual({ created: 0, updated: 0, deleted: 0 });
    expect(second.writes.mailbox).toEqual({ created: 0, updated: 0, deleted: 0 });
  });

  it('creates a Salesforce Event of its owner in Google Calendar', async () => {
    const { org, setting, record } = googleMailbox();
    const response = await fetch(`${sandbox.ready.salesforce.url}/_admin/records`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        sobject: 'Event',
        records: [
          {
            Subject: 'Pricing follow-up with Fabrikam',
            StartDateTime: '2026-11-20T10:00:00.000+0000',
            EndDateTime: '2026-11-20T10:30:00.000+0000',
            ActivityDateTime: '2026-11-20T10:00:00.000+0000',
            ActivityDate: '2026-11-20',
            DurationInMinutes: 30,
            IsAllDayEvent: false,
            ShowAs: 'Busy',
            OwnerId: '0055g0000000002AAA',
          },
        ],
      }),
    });
    expect(response.ok).toBe(true);

    const report = await engine.runSession(record.id);
    expect(report.writes.mailbox.created).toBe(1);
    const connector = createGoogleConnector(googleConnectorOptions(org, setting, createSilentLogger()));
    const events = await connector.events.pullChanges(null, { start: sandbox.ready.window.start, end: sandbox.ready.window.end });
    const created = events.changes.find((change) => change.kind === 'upsert' && change.item.subject === 'Pricing follow-up with Fabrikam');
    expect(created?.kind).toBe('upsert');
    expect((created as Extract<typeof created, { kind: 'upsert' }>).syncId).toMatch(/./);
  });
});
