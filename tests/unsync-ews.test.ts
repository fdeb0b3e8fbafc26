import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEwsEmulator, type RunningEwsEmulator } from '../emulators/ews/server.ts';
import { startSalesforceEmulator, type RunningSalesforceEmulator } from '../emulators/salesforce/server.ts';
import { parseConfig } from '../src/config/load-config.ts';
import { createSilentLogger } from '../src/observability/logger.ts';
import { openEngine } from '../src/scheduler/engine.ts';
import { timedSeed } from './support/graph-seeds.ts';

/** Un-sync rules written in the configuration file, run by the engine on an EWS mailbox. */

const ADDRESS = 'robin.ews@contoso.example';
const SERVICE_ACCOUNT = { username: 'svc-syncline@contoso.example', password: 'ews-service-pw-51ab', canImpersonate: true };
const SF_CLIENT = { clientId: 'unsync-sf', clientSecret: 'unsync-sf-secret', refreshTokens: ['unsync-sf-refresh'] };
const ENV = { SYNCLINE_CONTOSO_EWS_PASSWORD: SERVICE_ACCOUNT.password };

let ews: RunningEwsEmulator;
let salesforce: RunningSalesforceEmulator;
let dataDir: string;

function day(offset: number): string {
  return new Date(Date.now() + offset * 86_400_000).toISOString().slice(0, 10);
}

function configFile(unsync: unknown[] | undefined): unknown {
  return {
    dataDir,
    orgs: [
      {
        id: 'contoso',
        name: 'Contoso',
        salesforce: { loginUrl: salesforce.url, auth: { kind: 'refreshToken', clientId: SF_CLIENT.clientId, clientSecret: SF_CLIENT.clientSecret, refreshToken: SF_CLIENT.refreshTokens[0] } },
        ews: { url: `${ews.url}/EWS/Exchange.asmx`, auth: { kind: 'basic', username: SERVICE_ACCOUNT.username } },
        mailboxes: [{ address: ADDRESS, timeZone: 'Europe/Berlin', kind: 'ews' }],
        ...(unsync === undefined ? {} : { unsync }),
      },
    ],
  };
}

/** Run one session under the given rules with an engine of its own, as a restart with an edited file would. */
async function sessionWith(unsync: unknown[] | undefined) {
  const config = parseConfig(configFile(unsync), { source: 'test', env: ENV, baseDir: dataDir });
  const engine = await openEngine({ config, logger: createSilentLogger() });
  try {
    return await engine.runSession(engine.mailboxes[0]?.record.id ?? '');
  } finally {
    await engine.close();
  }
}

async function calendarSubjects(): Promise<string[]> {
  const response = await fetch(`${ews.url}/_admin/users/${encodeURIComponent(ADDRESS)}/items?folder=calendar`);
  const { items } = (await response.json()) as { items: { xml: string }[] };
  return items.map((item) => /<t:Subject>([^<]*)<\/t:Subject>/.exec(item.xml)?.[1] ?? '').sort();
}

async function crmSubjects(): Promise<string[]> {
  const response = await fetch(`${salesforce.url}/_admin/records/Event`);
  const body = (await response.json()) as { Subject: string; IsDeleted?: boolean }[] | { records: { Subject: string; IsDeleted?: boolean }[] };
  const records = Array.isArray(body) ? body : body.records;
  return records.filter((record) => record.IsDeleted !== true).map((record) => record.Subject).sort();
}

beforeAll(async () => {
  dataDir = mkdtempSync(path.join(tmpdir(), 'syncline-unsync-ews-'));
  ews = await startEwsEmulator({ accounts: [SERVICE_ACCOUNT], users: [{ smtp: ADDRESS, displayName: 'Robin', timeZone: 'Europe/Berlin' }] });
  salesforce = await startSalesforceEmulator({
    clients: [SF_CLIENT],
    users: [{ Username: ADDRESS, Email: ADDRESS, Name: 'Robin', TimeZoneSidKey: 'Europe/Berlin' }],
    syncIdField: 'Syncline_Sync_Id__c',
  });
  const seeded = await fetch(`${ews.url}/_admin/users/${encodeURIComponent(ADDRESS)}/events`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      events: [
        timedSeed('Renewal call', day(2), '09:00', '10:00', { organizer: { emailAddress: { name: 'Robin', address: ADDRESS } } }),
        timedSeed('Dentist (private)', day(3), '08:00', '09:00', { organizer: { emailAddress: { name: 'Robin', address: ADDRESS } } }),
        timedSeed('Old dentist (private)', day(-20), '08:00', '09:00', { organizer: { emailAddress: { name: 'Robin', address: ADDRESS } } }),
      ],
    }),
  });
  expect(seeded.status).toBe(201);
});

afterAll(async () => {
  await Promise.all([ews?.close(), salesforce?.close()]);
  rmSync(dataDir, { recursive: true, force: true });
});

describe('un-sync rules on an EWS mailbox', { timeout: 60_000 }, () => {
  it('removes what the configured rule matches from Exchange only, and keeps it out', async () => {
    const first = await sessionWith(undefined);
    expect(first.status, first.notes.join('; ')).toBe('ok');
    expect(first.writes.byObject.Event?.crm.created).toBe(3);

    const rules = [{ name: 'private-appointments', subjectMatches: '\\(private\\)$' }];
    const unsynced = await sessionWith(rules);
    expect(unsynced.status, unsynced.notes.join('; ')).toBe('ok');
    expect(unsynced.writes.byObject.Event?.mailbox).toEqual({ created: 0, updated: 0, deleted: 2 });
    expect(unsynced.writes.byObject.Event?.crm).toEqual({ created: 0, updated: 0, deleted: 0 });
    expect(unsynced.notes.join('\n')).toContain("Un-synced 2 calendar events: removed from the mailbox and kept in Salesforce (by rule: 'private-appointments' 2)");
    expect(await calendarSubjects()).toEqual(['Renewal call']);
    expect(await crmSubjects()).toEqual(['Dentist (private)', 'Old dentist (private)', 'Renewal call']);

    const again = await sessionWith(rules);
    expect(again.writes.byObject.Event?.mailbox ?? { created: 0, updated: 0, deleted: 0 }).toEqual({ created: 0, updated: 0, deleted: 0 });
    expect(await calendarSubjects()).toEqual(['Renewal call']);
    expect(await crmSubjects()).toEqual(['Dentist (private)', 'Old dentist (private)', 'Renewal call']);
  });
});
