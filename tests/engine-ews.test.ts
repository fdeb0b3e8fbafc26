import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEwsEmulator, type RunningEwsEmulator } from '../emulators/ews/server.ts';
import { startSalesforceEmulator, type RunningSalesforceEmulator } from '../emulators/salesforce/server.ts';
import { parseConfig } from '../src/config/load-config.ts';
import type { SynclineConfig } from '../src/config/resolved-config.ts';
import type { SessionReport } from '../src/domain/session-report.ts';
import { createSilentLogger } from '../src/observability/logger.ts';
import { openEngine, type Engine } from '../src/scheduler/engine.ts';
import { apiRoutes } from '../src/server/api-routes.ts';
import { createServer, type RunningServer } from '../src/server/create-server.ts';
import { timedSeed } from './support/graph-seeds.ts';

/** A mailbox of kind `ews` configured from a file and the environment, run by the engine against both emulators. */

const ADDRESS = 'robin.ews@contoso.example';
const SERVICE_ACCOUNT = { username: 'svc-syncline@contoso.example', password: 'ews-service-pw-7c1e', canImpersonate: true };
const SF_CLIENT = { clientId: 'ews-sf', clientSecret: 'ews-sf-secret', refreshTokens: ['ews-sf-refresh'] };

let ews: RunningEwsEmulator;
let salesforce: RunningSalesforceEmulator;
let dataDir: string;
let engine: Engine;
let config: SynclineConfig;
let server: RunningServer;

function day(offset: number): string {
  return new Date(Date.now() + offset * 86_400_000).toISOString().slice(0, 10);
}

function configFile(ewsBlock: unknown, kind = 'ews'): unknown {
  return {
    dataDir,
    orgs: [
      {
        id: 'contoso',
        name: 'Contoso',
        salesforce: { loginUrl: salesforce.url, auth: { kind: 'refreshToken', clientId: SF_CLIENT.clientId, clientSecret: SF_CLIENT.clientSecret, refreshToken: SF_CLIENT.refreshTokens[0] } },
        graph: { tenantId: 'contoso', clientId: 'unused-graph-app', clientSecret: 'unused' },
        ...(ewsBlock === undefined ? {} : { ews: ewsBlock }),
        mailboxes: [{ address: ADDRESS, timeZone: 'Europe/Berlin', kind }],
      },
    ],
  };
}

const EWS_BLOCK = () => ({ url: `${ews.url}/EWS/Exchange.asmx`, auth: { kind: 'basic', username: SERVICE_ACCOUNT.username } });

function totalWrites(report: SessionReport): number {
  return ['created', 'updated', 'deleted'].reduce((sum, key) => sum + report.writes.crm[key as 'created'] + report.writes.mailbox[key as 'created'], 0);
}

beforeAll(async () => {
  dataDir = mkdtempSync(path.join(tmpdir(), 'syncline-engine-ews-'));
  ews = await startEwsEmulator({ accounts: [SERVICE_ACCOUNT], users: [{ smtp: ADDRESS, displayName: 'Robin', timeZone: 'Europe/Berlin' }] });
  salesforce = await startSalesforceEmulator({
    clients: [SF_CLIENT],
    users: [{ Username: ADDRESS, Email: ADDRESS, Name: 'Robin', TimeZoneSidKey: 'Europe/Berlin' }],
    syncIdField: 'Syncline_Sync_Id__c',
  });
  const seeded = await fetch(`${ews.url}/_admin/users/${encodeURIComponent(ADDRESS)}/events`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ events: [timedSeed('Renewal call', day(2), '09:00', '10:00'), timedSeed('Site visit', day(4), '14:00', '16:00')] }),
  });
  expect(seeded.status).toBe(201);

  config = parseConfig(configFile(EWS_BLOCK()), { source: 'test', env: { SYNCLINE_CONTOSO_EWS_PASSWORD: SERVICE_ACCOUNT.password }, baseDir: dataDir });
  engine = await openEngine({ config, logger: createSilentLogger() });
  server = await createServer({ logger: createSilentLogger(), routes: [apiRoutes({ store: engine.store, config, logger: createSilentLogger() })] }).listen(0, '127.0.0.1');
});

afterAll(async () => {
  await server?.close();
  await engine?.close();
  await Promise.all([ews?.close(), salesforce?.close()]);
  rmSync(dataDir, { recursive: true, force: true });
});

describe('an EWS mailbox in the engine', () => {
  it('config takes secret from environment', () => {
    const org = config.orgs[0];
    expect(org?.ews?.auth).toEqual({ kind: 'basic', username: SERVICE_ACCOUNT.username, password: SERVICE_ACCOUNT.password });
    expect(org?.mailboxes[0]?.kind).toBe('ews');
  });

  it('config rejects missing ews block and password', () => {
    expect(() => parseConfig(configFile(undefined), { source: 'test', env: {}, baseDir: dataDir })).toThrow(/orgs\[0\]\.mailboxes\[0\]\.kind.*orgs\[0\]\.ews is missing/s);
    expect(() => parseConfig(configFile(EWS_BLOCK()), { source: 'test', env: {}, baseDir: dataDir })).toThrow(/SYNCLINE_CONTOSO_EWS_PASSWORD/);
  });

  it('session syncs, then writes nothing', async () => {
    const mailboxId = engine.mailboxes[0]?.record.id ?? '';
    expect(engine.mailboxes[0]?.record.kind).toBe('ews');

    const first = await engine.runSession(mailboxId);
    expect(first.kind).toBe('ews');
    expect(first.status, first.notes.join('; ')).toBe('ok');
    expect(first.writes.byObject.Event?.crm.created).toBe(2);
    expect(first.apiCalls.mailbox).toBeGreaterThan(0);

    const second = await engine.runSession(mailboxId);
    expect(second.status, second.notes.join('; ')).toBe('ok');
    expect(totalWrites(second)).toBe(0);
  });

  it('metrics count the sessions', async () => {
    const response = await fetch(`${server.url}/metrics`);
    const text = await response.text();
    expect(response.status).toBe(200);
    expect(text).toMatch(/syncline_sessions_total\{status="ok"\} [2-9]/);
    expect(text).toMatch(/syncline_items_written_total\{side="crm",object="Event",operation="created"\} [2-9]/);
    expect(text).toMatch(/syncline_api_calls_total\{system="ews"\} [1-9]/);
  });
});
