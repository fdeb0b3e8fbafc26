import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { afterEach, describe, expect, it } from 'vitest';

import { startSalesforceEmulator, type RunningSalesforceEmulator } from './server.ts';

const SAMPLE_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', 'sample-data');

let emulator: RunningSalesforceEmulator | null = null;

afterEach(async () => {
  await emulator?.close();
  emulator = null;
});

async function admin(method: string, route: string, body?: unknown): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await fetch(`${emulator?.url}${route}`, {
    method,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

describe('seeding Events from .ics files', () => {
  it('creates one Event per instance', async () => {
    emulator = await startSalesforceEmulator();
    const text = [
      'BEGIN:VCALENDAR',
      'VERSION:2.0',
      'BEGIN:VEVENT',
      'UID:weekly@example.com',
      'DTSTART;TZID=Europe/Berlin:20261207T100000',
      'DTEND;TZID=Europe/Berlin:20261207T110000',
      'RRULE:FREQ=WEEKLY;COUNT=3',
      'SUMMARY:Forecast call',
      'LOCATION:Room 2',
      'END:VEVENT',
      'BEGIN:VEVENT',
      'UID:fair@example.com',
      'DTSTART;VALUE=DATE:20261214',
      'DTEND;VALUE=DATE:20261216',
      'SUMMARY:Trade fair',
      'CLASS:PRIVATE',
      'END:VEVENT',
      'END:VCALENDAR',
    ].join('\r\n');

    const seeded = await admin('POST', '/_admin/ics', { files: [{ name: 'crm.ics', text }], horizon: { start: '2026-11-01T00:00:00Z', end: '2027-02-01T00:00:00Z' } });
    expect(seeded.status).toBe(201);
    expect(seeded.body.ids).toHaveLength(4);

    const { body } = await admin('GET', '/_admin/records/Event');
    const records = body.records as Record<string, unknown>[];
    const calls = records.filter((record) => record.Subject === 'Forecast call').map((record) => record.StartDateTime).sort();
    expect(calls).toEqual(['2026-12-07T09:00:00.000+0000', '2026-12-14T09:00:00.000+0000', '2026-12-21T09:00:00.000+0000']);
    const fair = records.find((record) => record.Subject === 'Trade fair');
    expect(fair?.IsAllDayEvent).toBe(true);
    expect(fair?.ActivityDate).toBe('2026-12-14');
    expect(fair?.DurationInMinutes).toBe(2880);
    expect(fair?.IsPrivate).toBe(true);
  });

  it('takes the sample calendars', async () => {
    emulator = await startSalesforceEmulator();
    const name = 'team-weekly-berlin.ics';
    const files = [{ name, text: readFileSync(path.join(SAMPLE_DIR, name), 'utf8') }];
    const seeded = await admin('POST', '/_admin/ics', { files, horizon: { start: '2026-10-01T00:00:00Z', end: '2027-07-01T00:00:00Z' } });
    expect(seeded.status).toBe(201);
    expect((seeded.body.ids as string[]).length).toBeGreaterThan(5);
  });

  it('rejects a request without a horizon', async () => {
    emulator = await startSalesforceEmulator();
    const rejected = await admin('POST', '/_admin/ics', { files: [] });
    expect(rejected.status).toBe(400);
    expect(String(rejected.body.error)).toContain('horizon');
  });
});
