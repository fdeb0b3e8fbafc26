import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { importIcs } from '../emulators/graph/ics-import.ts';
import { createSalesforceRecordClient } from '../src/crm/salesforce/record-client.ts';
import { createSilentLogger } from '../src/observability/logger.ts';
import { E2eHarness } from './support/e2e-harness.ts';

const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const CORPUS_ICS = path.resolve(REPO_ROOT, '..', 'shared', 'corpus', 'ics');
const WINDOW = { start: '2020-01-01T00:00:00Z', end: '2020-03-01T00:00:00Z' };
// The harness's Salesforce app, whose refresh token the emulator accepts.
const SF_AUTH = { kind: 'refreshToken', clientId: 'sf-app', clientSecret: 'sf-secret', refreshToken: 'sf-refresh' } as const;
const SERIES = 'one is cancelled';

let harness: E2eHarness;

beforeAll(async () => {
  harness = await E2eHarness.start({ window: WINDOW, mailboxTimeZone: 'Europe/Berlin' });
  const file = 'thunderbird-cancelled-occurrence.ics';
  const { seeds } = importIcs(readFileSync(path.join(CORPUS_ICS, file), 'utf8'), { fileName: file, horizon: WINDOW, defaultTimeZone: 'UTC' });
  await harness.seedMailbox(seeds);
}, 60_000);

afterAll(async () => {
  await harness.close();
});

async function seriesEvents() {
  return (await harness.crmEvents()).filter((record) => String(record.Subject).startsWith(SERIES)).sort((a, b) => String(a.StartDateTime).localeCompare(String(b.StartDateTime)));
}

describe('recurring series with a cancelled occurrence, mailbox to Salesforce and back', () => {
  it('mirrors only the occurrences that take place', async () => {
    const report = await harness.runSession();
    expect(report.status).toBe('ok');
    const events = await seriesEvents();
    // Daily at 22:00 Berlin from 28 January 2020, three times, with the 29th cancelled.
    expect(events.map((record) => record.StartDateTime)).toEqual(['2020-01-28T21:00:00.000+0000', '2020-01-30T21:00:00.000+0000']);
  });

  it('brings a Salesforce edit of one occurrence back to that occurrence only', async () => {
    const [, last] = await seriesEvents();
    const client = createSalesforceRecordClient({ loginUrl: harness.salesforceUrl, auth: SF_AUTH, apiVersion: '62.0', logger: createSilentLogger() });
    const [result] = await client.write([{ op: 'update', ref: 'edit', sobject: 'Event', id: String(last?.Id), values: { Subject: `${SERIES} (moved agenda)` } }]);
    expect(result?.ok).toBe(true);

    const report = await harness.runSession();
    expect(report.writes.mailbox).toEqual({ created: 0, updated: 1, deleted: 0 });
    const instances = (await harness.mailboxInstances()).filter((item) => item.subject.startsWith(SERIES));
    expect(instances.map((item) => item.subject).sort()).toEqual([SERIES, `${SERIES} (moved agenda)`]);
    expect(await seriesEvents()).toHaveLength(2);
  });

  it('writes nothing once both sides agree', async () => {
    const report = await harness.runSession();
    expect(report.writes.crm).toEqual({ created: 0, updated: 0, deleted: 0 });
    expect(report.writes.mailbox).toEqual({ created: 0, updated: 0, deleted: 0 });
  });
});
