import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { importIcs } from '../emulators/graph/ics-import.ts';
import { createSalesforceRecordClient } from '../src/crm/salesforce/record-client.ts';
import { createSilentLogger } from '../src/observability/logger.ts';
import { E2eHarness } from './support/e2e-harness.ts';

const CORPUS_ICS = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', 'shared', 'corpus', 'ics');
const WINDOW = { start: '2020-01-01T00:00:00Z', end: '2020-03-01T00:00:00Z' };
// The harness's Salesforce app, whose refresh token the emulator accepts.
const SF_AUTH = { kind: 'refreshToken', clientId: 'sf-app', clientSecret: 'sf-secret', refreshToken: 'sf-refresh' } as const;
const MAILBOX_SERIES = 'one is cancelled';
const SALESFORCE_SERIES = 'Pipeline review';

let harness: E2eHarness;
let token: string;

async function salesforceApi(method: string, route: string, body?: unknown): Promise<{ status: number; body: unknown }> {
  const response = await fetch(`${harness.salesforceUrl}/services/data/v62.0/${route}`, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  return { status: response.status, body: text === '' ? undefined : JSON.parse(text) };
}

async function eventsNamed(prefix: string) {
  return (await harness.crmEvents()).filter((record) => String(record.Subject).startsWith(prefix))
    .sort((a, b) => String(a.StartDateTime).localeCompare(String(b.StartDateTime)));
}

beforeAll(async () => {
  harness = await E2eHarness.start({ window: WINDOW, mailboxTimeZone: 'Europe/Berlin' });
  // Switching a feature starts a fresh org, so it comes before any record.
  await harness.salesforceAdmin('PUT', '/_admin/features', { recurringEvents2: true });
  const grant = await fetch(`${harness.salesforceUrl}/services/oauth2/token`, {
    method: 'POST',
    body: new URLSearchParams({ grant_type: 'refresh_token', client_id: SF_AUTH.clientId, client_secret: SF_AUTH.clientSecret, refresh_token: SF_AUTH.refreshToken }),
  });
  token = String(((await grant.json()) as { access_token: string }).access_token);

  const file = 'thunderbird-cancelled-occurrence.ics';
  const { seeds } = importIcs(readFileSync(path.join(CORPUS_ICS, file), 'utf8'), { fileName: file, horizon: WINDOW, defaultTimeZone: 'UTC' });
  await harness.seedMailbox(seeds);
}, 60_000);

afterAll(async () => {
  await harness.close();
});

describe('occurrence mode on an org with Recurring Events 2.0', () => {
  it('the org reports Recurring Events 2.0 from its Event describe', async () => {
    const client = createSalesforceRecordClient({ loginUrl: harness.salesforceUrl, auth: SF_AUTH, apiVersion: '62.0', logger: createSilentLogger() });
    expect((await client.probeFeatures(['Event'], null)).recurringEvents).toBe('recurrence2');
  });

  it('mirrors a mailbox series as single Events and a Salesforce series occurrence by occurrence, once each', async () => {
    const created = await salesforceApi('POST', 'sobjects/Event', {
      Subject: SALESFORCE_SERIES, StartDateTime: '2020-02-03T09:00:00Z', EndDateTime: '2020-02-03T09:30:00Z',
      IsRecurrence2: true, Recurrence2PatternText: 'RRULE:FREQ=WEEKLY;BYDAY=MO;COUNT=3', Recurrence2PatternTimeZone: 'Europe/Berlin',
    });
    expect(created.status, JSON.stringify(created.body)).toBe(201);

    const report = await harness.runSession();
    expect(report.status).toBe('ok');
    // The mailbox series: daily at 22:00 Berlin from 28 January 2020, three times, with the 29th cancelled.
    const fromMailbox = await eventsNamed(MAILBOX_SERIES);
    expect(fromMailbox.map((record) => [record.StartDateTime, record.IsRecurrence2])).toEqual([
      ['2020-01-28T21:00:00.000+0000', false], ['2020-01-30T21:00:00.000+0000', false],
    ]);
    expect(await eventsNamed(SALESFORCE_SERIES)).toHaveLength(3);
    const instances = (await harness.mailboxInstances()).filter((item) => item.subject === SALESFORCE_SERIES);
    expect(instances).toHaveLength(3);
  });

  it('brings a Salesforce edit of one series occurrence back to that mailbox event only', async () => {
    const [, second] = await eventsNamed(SALESFORCE_SERIES);
    const patched = await salesforceApi('PATCH', `sobjects/Event/${String(second?.Id)}`, { Subject: `${SALESFORCE_SERIES} (budget)` });
    expect(patched.status, JSON.stringify(patched.body)).toBe(204);

    const report = await harness.runSession();
    expect(report.writes.mailbox).toEqual({ created: 0, updated: 1, deleted: 0 });
    const subjects = (await harness.mailboxInstances()).map((item) => item.subject).filter((subject) => subject.startsWith(SALESFORCE_SERIES));
    expect(subjects.sort()).toEqual([SALESFORCE_SERIES, SALESFORCE_SERIES, `${SALESFORCE_SERIES} (budget)`]);
    expect((await eventsNamed(SALESFORCE_SERIES)).map((record) => record.IsRecurrence2Exception)).toEqual([false, true, false]);
  });

  it('follows a pattern change, which makes Salesforce delete and re-create the later occurrences', async () => {
    const [first] = await eventsNamed(SALESFORCE_SERIES);
    const patched = await salesforceApi('PATCH', `sobjects/Event/${String(first?.Id)}`, { Recurrence2PatternText: 'RRULE:FREQ=WEEKLY;BYDAY=MO;COUNT=2' });
    expect(patched.status, JSON.stringify(patched.body)).toBe(204);

    const report = await harness.runSession();
    expect(report.status).toBe('ok');
    expect(report.writes.mailbox).toEqual({ created: 1, updated: 0, deleted: 2 });
    const instances = (await harness.mailboxInstances()).filter((item) => item.subject.startsWith(SALESFORCE_SERIES));
    expect(instances.map((item) => item.subject)).toEqual([SALESFORCE_SERIES, SALESFORCE_SERIES]);
  });

  it('writes nothing once both sides agree', async () => {
    const report = await harness.runSession();
    expect(report.writes.crm).toEqual({ created: 0, updated: 0, deleted: 0 });
    expect(report.writes.mailbox).toEqual({ created: 0, updated: 0, deleted: 0 });
  });
});
