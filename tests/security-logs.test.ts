import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCredentialStore } from '../src/auth/credential-store.ts';
import { generateKey, keyringFromEnvironment } from '../src/auth/encryption-keys.ts';
import { hashPassword } from '../src/auth/passwords.ts';
import type { SynclineConfig } from '../src/config/resolved-config.ts';
import type { SessionReport } from '../src/domain/session-report.ts';
import { createLogger, type Logger } from '../src/observability/logger.ts';
import { createMetrics } from '../src/observability/metrics.ts';
import { openEngine, type Engine } from '../src/scheduler/engine.ts';
import { createEngineRunner } from '../src/scheduler/engine-scheduler.ts';
import { apiRoutes } from '../src/server/api-routes.ts';
import { createServer, type RunningServer } from '../src/server/create-server.ts';
import { ApiClient } from './support/api-world.ts';
import { timedSeed } from './support/graph-seeds.ts';
import { ADDRESS, adminRequest, InstantSyncWorld, MAILBOX_ID } from './support/instant-sync-world.ts';

/**
 * Secrets and bodies never reach a log. A sandbox-like run logs at the most verbose level into memory: both
 * emulators, the engine's sessions through the session runner, and the HTTP API, with faults injected on both
 * sides. Afterwards no line may contain a secret that the run used or a body that it synced.
 */
const MAILBOX_BODY = 'Confidential merger notes 7f3a: valuation 41.5M';
const CRM_DESCRIPTION = 'Private pricing memo 9c2e: discount 38 percent';
const PRIVATE_BODY = 'Doctor appointment details 5b71';
const PASSWORD = 'log-scan password 2b8e4d61';
const STORED_SECRET = 'stored-refresh-token-d41d8cd9';

let world: InstantSyncWorld;
let config: SynclineConfig;
let engine: Engine;
let server: RunningServer;
const lines: string[] = [];
const reports: SessionReport[] = [];
/** The API client's cookies and CSRF token at the end, which are secrets too. */
let sessionToken = '';
let csrfToken = '';

function day(offset: number): string {
  return new Date(Date.now() + offset * 86_400_000).toISOString().slice(0, 10);
}

beforeAll(async () => {
  const logger: Logger = createLogger({ level: 'trace', destination: { write: (line: string) => void lines.push(line) } });
  world = await InstantSyncWorld.start();
  config = world.config();

  await adminRequest(world.graph.url, 'POST', `/_admin/users/${encodeURIComponent(ADDRESS)}/seed`, {
    events: [
      timedSeed('Board prep', day(2), '09:00', '10:00', { body: { contentType: 'html', content: `<p>${MAILBOX_BODY}</p>` } }),
      timedSeed('Customer visit', day(3), '14:00', '15:00', { body: { contentType: 'text', content: MAILBOX_BODY } }),
      timedSeed('Personal', day(4), '08:00', '09:00', { sensitivity: 'private', body: { contentType: 'text', content: PRIVATE_BODY } }),
    ],
  });
  const users = (await adminRequest(world.salesforce.url, 'GET', '/_admin/records/User')) as { Id: string; Email: string }[] | { records: { Id: string; Email: string }[] };
  const owner = (Array.isArray(users) ? users : users.records).find((user) => user.Email === ADDRESS);
  const start = new Date(`${day(5)}T13:00:00.000Z`);
  await adminRequest(world.salesforce.url, 'POST', '/_admin/records', {
    sobject: 'Event',
    records: [{ OwnerId: owner?.Id, Subject: 'Pricing call', Description: CRM_DESCRIPTION, StartDateTime: start.toISOString(), EndDateTime: new Date(start.getTime() + 3_600_000).toISOString() }],
  });

  engine = await openEngine({ config, logger });
  const runner = createEngineRunner(engine, config, logger);
  const run = async () => {
    const report = await runner.runSession(MAILBOX_ID, 'force');
    if (report !== null) {
      reports.push(report);
    }
  };

  // A clean first session, then one per fault kind.
  await run();
  await world.graphFault({ type: 'throttle', count: 2, retryAfterSeconds: 0 });
  await world.graphFault({ type: 'expireTokens' });
  await adminRequest(world.salesforce.url, 'POST', '/_admin/faults', { faults: [{ type: 'expireTokens' }, { type: 'throttle', count: 1, retryAfterSeconds: 0 }] });
  await world.touchOutlookEvent(await world.createOutlookEvent('Edited later', 6), 'Edited again');
  await run();
  await world.graphFault({ type: 'expireDeltaTokens' });
  await adminRequest(world.salesforce.url, 'POST', '/_admin/faults', { faults: [{ type: 'validationRule', sobject: 'Event', field: 'Subject', pattern: 'Rejected', message: 'Rejected meetings need an account' }] });
  await adminRequest(world.graph.url, 'POST', `/_admin/users/${encodeURIComponent(ADDRESS)}/seed`, {
    events: [timedSeed('Rejected by a rule', day(7), '10:00', '11:00', { body: { contentType: 'text', content: MAILBOX_BODY } })],
  });
  await run();
  await world.graphFault({ type: 'failNth', n: 1, status: 503, code: 'ServiceUnavailable' });
  await run();
  await adminRequest(world.salesforce.url, 'POST', '/_admin/faults', { faults: [{ type: 'revokeRefreshTokens' }, { type: 'expireTokens' }] });
  await run();

  // The API: sign-ins that work and fail, reads, a forced session, sign-out; credentials saved and read back.
  await engine.store.createUser({ id: randomUUID(), orgId: config.orgs[0]?.id ?? '', email: ADDRESS, role: 'admin', passwordHash: await hashPassword(PASSWORD), createdAt: new Date().toISOString() });
  server = await createServer({ logger, routes: [apiRoutes({ store: engine.store, config, logger, metrics: createMetrics({ processMetrics: false }) })] }).listen(0, '127.0.0.1');
  const client = new ApiClient(server.url);
  await client.signIn(ADDRESS, `${PASSWORD} but wrong`);
  await client.request('POST', '/api/v1/auth/sign-in', { rawBody: `{"email":"${ADDRESS}","password":"${PASSWORD}"` });
  await client.signIn(ADDRESS, PASSWORD);
  sessionToken = [...client.cookies.values()].join(' ');
  csrfToken = client.csrfToken ?? '';
  await client.request('GET', `/api/v1/mailboxes/${MAILBOX_ID}/sessions`);
  await client.request('POST', `/api/v1/mailboxes/${MAILBOX_ID}/force`, { csrf: false });
  await client.request('POST', '/api/v1/auth/sign-out');

  const credentials = createCredentialStore(engine.store, keyringFromEnvironment({ SYNCLINE_ENCRYPTION_KEY: generateKey().key.toString('base64') }));
  await credentials.saveCredential(`mailbox:${MAILBOX_ID}`, 'graphRefreshToken', STORED_SECRET);
  await credentials.loadCredential(`mailbox:${MAILBOX_ID}`, 'graphRefreshToken');
}, 120_000);

afterAll(async () => {
  await server?.close();
  await engine?.close();
  await world?.close();
});

describe('log scan', () => {
  it('run exercised faults and logged them', () => {
    expect(reports[0]?.writes.crm.created).toBeGreaterThanOrEqual(3);
    expect(reports[0]?.writes.mailbox.created).toBe(1);
    expect(reports.map((report) => report.status)).toContain('failed');
    expect(reports.some((report) => report.itemErrors.length > 0)).toBe(true);
    expect(lines.length).toBeGreaterThan(50);
    expect(lines.some((line) => (JSON.parse(line) as { level: number }).level >= 40)).toBe(true);
  });

  it('no line contains a secret', () => {
    const org = config.orgs[0];
    const auth = org?.salesforce.auth;
    const secrets = [
      org?.graph?.clientSecret ?? '',
      auth?.kind === 'refreshToken' ? auth.clientSecret : '',
      auth?.kind === 'refreshToken' ? auth.refreshToken : '',
      PASSWORD,
      STORED_SECRET,
      csrfToken,
      ...sessionToken.split(' '),
    ].filter((secret) => secret.length >= 8);
    expect(secrets.length).toBeGreaterThanOrEqual(7);

    for (const secret of secrets) {
      const leaks = lines.filter((line) => line.includes(secret));
      expect(leaks, `a log line contains the secret ${secret.slice(0, 4)}…`).toEqual([]);
    }
  });

  it('no line contains a body', () => {
    for (const text of [MAILBOX_BODY, CRM_DESCRIPTION, PRIVATE_BODY, 'Confidential merger notes', 'Private pricing memo']) {
      const leaks = lines.filter((line) => line.includes(text));
      expect(leaks, `a log line contains body text "${text}"`).toEqual([]);
    }
  });
});
