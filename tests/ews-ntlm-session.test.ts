import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEwsEmulator, type RunningEwsEmulator } from '../emulators/ews/server.ts';
import { startSalesforceEmulator, type RunningSalesforceEmulator } from '../emulators/salesforce/server.ts';
import { parseConfig } from '../src/config/load-config.ts';
import { createSilentLogger } from '../src/observability/logger.ts';
import { openEngine, type Engine } from '../src/scheduler/engine.ts';
import { createSessionRunner } from '../src/scheduler/index.ts';
import { timedSeed } from './support/graph-seeds.ts';

/** A mailbox of kind `ews` whose service account logs on with NTLM, configured from a file and run by the engine. */

const ADDRESS = 'noor.ntlm@contoso.example';
const SERVICE_ACCOUNT = { username: 'CONTOSO\\svc-syncline', password: 'ntlm-service-pw-91b2', canImpersonate: true };
const SF_CLIENT = { clientId: 'ntlm-sf', clientSecret: 'ntlm-sf-secret', refreshTokens: ['ntlm-sf-refresh'] };

let ews: RunningEwsEmulator;
let salesforce: RunningSalesforceEmulator;
const dataDirs: string[] = [];
const engines: Engine[] = [];

interface Stats {
  ntlmHandshakes: number;
  ntlmLogons: number;
  ntlmRejected: number;
  requests: number;
}

function day(offset: number): string {
  return new Date(Date.now() + offset * 86_400_000).toISOString().slice(0, 10);
}

async function stats(): Promise<Stats> {
  return (await (await fetch(`${ews.url}/_admin/stats`)).json()) as Stats;
}

async function engineWith(password: string): Promise<Engine> {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'syncline-ews-ntlm-'));
  dataDirs.push(dataDir);
  const file = {
    dataDir,
    orgs: [
      {
        id: 'contoso',
        name: 'Contoso',
        salesforce: { loginUrl: salesforce.url, auth: { kind: 'refreshToken', clientId: SF_CLIENT.clientId, clientSecret: SF_CLIENT.clientSecret, refreshToken: SF_CLIENT.refreshTokens[0] } },
        ews: { url: `${ews.url}/EWS/Exchange.asmx`, auth: { kind: 'ntlm', username: SERVICE_ACCOUNT.username, workstation: 'SYNCLINE01' } },
        mailboxes: [{ address: ADDRESS, timeZone: 'Europe/Berlin', kind: 'ews' }],
      },
    ],
  };
  const config = parseConfig(file, { source: 'test', env: { SYNCLINE_CONTOSO_EWS_PASSWORD: password }, baseDir: dataDir });
  expect(config.orgs[0]?.ews?.auth).toEqual({ kind: 'ntlm', username: SERVICE_ACCOUNT.username, password, workstation: 'SYNCLINE01' });
  const engine = await openEngine({ config, logger: createSilentLogger() });
  engines.push(engine);
  return engine;
}

beforeAll(async () => {
  ews = await startEwsEmulator({ accounts: [SERVICE_ACCOUNT], ntlm: { domain: 'CONTOSO' }, users: [{ smtp: ADDRESS, displayName: 'Noor', timeZone: 'Europe/Berlin' }] });
  salesforce = await startSalesforceEmulator({
    clients: [SF_CLIENT],
    users: [{ Username: ADDRESS, Email: ADDRESS, Name: 'Noor', TimeZoneSidKey: 'Europe/Berlin' }],
    syncIdField: 'Syncline_Sync_Id__c',
  });
  const seeded = await fetch(`${ews.url}/_admin/users/${encodeURIComponent(ADDRESS)}/events`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ events: [timedSeed('Quarterly review', day(3), '09:00', '10:00'), timedSeed('Plant tour', day(5), '13:00', '15:00')] }),
  });
  expect(seeded.status).toBe(201);
});

afterAll(async () => {
  for (const engine of engines) await engine.close();
  await Promise.all([ews?.close(), salesforce?.close()]);
  for (const dataDir of dataDirs) rmSync(dataDir, { recursive: true, force: true });
});

describe('an EWS mailbox with NTLM in the engine', () => {
  it('config requires the password', () => {
    const file = {
      orgs: [
        {
          id: 'contoso',
          name: 'Contoso',
          salesforce: { loginUrl: salesforce.url, auth: { kind: 'refreshToken', clientId: SF_CLIENT.clientId, clientSecret: SF_CLIENT.clientSecret, refreshToken: 'r' } },
          ews: { url: `${ews.url}/EWS/Exchange.asmx`, auth: { kind: 'ntlm', username: 'svc-syncline', domain: 'CONTOSO' } },
          mailboxes: [{ address: ADDRESS, timeZone: 'Europe/Berlin', kind: 'ews' }],
        },
      ],
    };

    expect(() => parseConfig(file, { source: 'test', env: {}, baseDir: tmpdir() })).toThrow(/SYNCLINE_CONTOSO_EWS_PASSWORD/);
    const config = parseConfig(file, { source: 'test', env: { SYNCLINE_CONTOSO_EWS_PASSWORD: 'pw' }, baseDir: tmpdir() });
    expect(config.orgs[0]?.ews?.auth).toEqual({ kind: 'ntlm', username: 'svc-syncline', domain: 'CONTOSO', password: 'pw' });
  });

  it('session syncs with few logons', async () => {
    const engine = await engineWith(SERVICE_ACCOUNT.password);
    const mailboxId = engine.mailboxes[0]?.record.id ?? '';
    await fetch(`${ews.url}/_admin/stats/reset`, { method: 'POST' });

    const report = await engine.runSession(mailboxId);

    expect(report.status, report.notes.join('; ')).toBe('ok');
    expect(report.writes.byObject.Event?.crm.created).toBe(2);
    const counted = await stats();
    expect(counted.ntlmLogons).toBeGreaterThanOrEqual(1);
    // The mailbox allows 3 requests in flight (the default), so no more than 3 connections log on in a session.
    expect(counted.ntlmHandshakes).toBeLessThanOrEqual(3);
    expect(counted.ntlmRejected).toBe(0);
    expect(counted.requests).toBeGreaterThan(report.apiCalls.mailbox);
    expect(counted.requests).toBeLessThanOrEqual(report.apiCalls.mailbox + 2 * counted.ntlmHandshakes);
  });

  it('wrong password suspends mailbox', async () => {
    const engine = await engineWith('an-old-password');
    const mailboxId = engine.mailboxes[0]?.record.id ?? '';
    await engine.store.saveSchedule({ mailboxId, state: 'active', reason: null, resumeAt: null, nextSessionAt: null, lastSessionAt: null, lastStatus: null, failureCount: 0 });
    const runner = createSessionRunner({ store: engine.store, runSession: (id) => engine.runSession(id), intervalMs: () => 30 * 60_000, jitter: 0, logger: createSilentLogger() });

    const report = await runner.runSession(mailboxId, 'force');
    const schedule = await engine.store.loadSchedule(mailboxId);

    expect(report?.status).toBe('failed');
    expect(schedule?.state).toBe('suspendedByError');
    expect(schedule?.reason).toContain('rejected the NTLM logon');
    expect(schedule?.reason).toContain('ews.auth.username');
    expect(schedule?.reason).toContain('syncline resume');
    expect((await stats()).ntlmRejected).toBeGreaterThanOrEqual(1);
  });
});
