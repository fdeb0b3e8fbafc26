import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { SessionReport } from '../src/domain/session-report.ts';
import { ApiWorld, errorOf, orgSetting, type ApiClient } from './support/api-world.ts';

const ACME = orgSetting('acme', 'Acme Corp', [
  { id: 'mbx-dana', address: 'dana@acme.example' },
  { id: 'mbx-eli', address: 'eli@acme.example' },
]);
const GLOBEX = orgSetting('globex', 'Globex', [{ id: 'mbx-gina', address: 'gina@globex.example' }]);

let world: ApiWorld;
const requested: string[] = [];

function report(sessionId: string, mailboxId: string, startedAt: string, overrides: Partial<SessionReport> = {}): SessionReport {
  return {
    sessionId,
    mailboxId,
    mailbox: `${mailboxId}@acme.example`,
    kind: 'graph',
    status: 'partial',
    startedAt,
    endedAt: new Date(Date.parse(startedAt) + 4_000).toISOString(),
    fullRead: { mailbox: false, crm: false },
    reads: { mailbox: 5, crm: 2 },
    writes: { mailbox: { created: 1, updated: 0, deleted: 0 }, crm: { created: 2, updated: 1, deleted: 0 }, byObject: { Event: { created: 3, updated: 1, deleted: 0, mailbox: { created: 1, updated: 0, deleted: 0 }, crm: { created: 2, updated: 1, deleted: 0 } } } },
    apiCalls: { mailbox: 6, crm: 3 },
    conflicts: 0,
    itemErrors: [
      {
        side: 'crm',
        itemId: 'AAMkAD-7',
        syncId: 'sync-7',
        code: 'FIELD_CUSTOM_VALIDATION_EXCEPTION',
        message: 'Customer meetings need an account',
        recordUrl: 'https://acme.my.salesforce.com/lightning/r/Event/00U000000000007AAA/view',
      },
    ],
    notes: [],
    ...overrides,
  };
}

beforeAll(async () => {
  world = await ApiWorld.start({ orgs: [ACME, GLOBEX], requestSession: (mailboxId) => requested.push(mailboxId) });
  await world.addUser('acme', 'admin@acme.example', 'admin');
  await world.addUser('acme', 'dana@acme.example', 'user');
  await world.addUser('globex', 'gina@globex.example', 'admin');
  await world.store.recordSession(report('s-1', 'mbx-dana', '2026-05-04T10:00:00.000Z'));
  await world.store.recordSession(report('s-2', 'mbx-dana', '2026-05-04T10:30:00.000Z', { status: 'ok', itemErrors: [] }));
}, 30_000);

afterAll(async () => {
  await world?.close();
});

beforeEach(async () => {
  for (const mailboxId of ['mbx-dana', 'mbx-eli', 'mbx-gina']) {
    await world.store.saveSchedule({ mailboxId, state: 'active', reason: null, resumeAt: null, nextSessionAt: '2026-05-04T11:00:00.000Z', lastSessionAt: '2026-05-04T10:30:00.000Z', lastStatus: 'ok', failureCount: 0 });
  }
  requested.length = 0;
});

function signedIn(email: string): Promise<ApiClient> {
  return world.session(email);
}

describe('mailbox listing', () => {
  it('admin sees every mailbox of the org', async () => {
    const admin = await signedIn('admin@acme.example');
    const response = await admin.request('GET', '/api/v1/mailboxes');
    expect(response.status).toBe(200);
    const mailboxes = (response.body as { mailboxes: { id: string; state: string; nextSessionAt: string }[] }).mailboxes;
    expect(mailboxes.map((mailbox) => mailbox.id)).toEqual(['mbx-dana', 'mbx-eli']);
    expect(mailboxes[0]).toMatchObject({ state: 'active', nextSessionAt: '2026-05-04T11:00:00.000Z', lastStatus: 'ok' });
  });

  it('user sees only their own mailbox', async () => {
    const dana = await signedIn('dana@acme.example');
    const response = await dana.request('GET', '/api/v1/mailboxes');
    expect((response.body as { mailboxes: { id: string }[] }).mailboxes.map((mailbox) => mailbox.id)).toEqual(['mbx-dana']);
    expect((await dana.request('GET', '/api/v1/mailboxes/mbx-eli')).status).toBe(404);
  });

  it('detail shows state, reason and last session', async () => {
    await world.store.saveSchedule({ mailboxId: 'mbx-dana', state: 'suspendedByError', reason: 'The Salesforce refresh token was revoked', resumeAt: '2026-05-04T12:00:00.000Z', nextSessionAt: null, lastSessionAt: '2026-05-04T10:30:00.000Z', lastStatus: 'failed', failureCount: 2 });
    const dana = await signedIn('dana@acme.example');
    const response = await dana.request('GET', '/api/v1/mailboxes/mbx-dana');

    expect(response.status).toBe(200);
    const body = response.body as { mailbox: Record<string, unknown>; lastSession: { sessionId: string } };
    expect(body.mailbox).toMatchObject({ state: 'suspendedByError', reason: 'The Salesforce refresh token was revoked', nextSessionAt: '2026-05-04T12:00:00.000Z', failureCount: 2 });
    expect(body.lastSession.sessionId).toBe('s-2');
  });

  it('session history carries item errors with record links', async () => {
    const dana = await signedIn('dana@acme.example');
    const response = await dana.request('GET', '/api/v1/mailboxes/mbx-dana/sessions?limit=5');

    expect(response.status).toBe(200);
    const sessions = (response.body as { sessions: SessionReport[] }).sessions;
    expect(sessions.map((session) => session.sessionId)).toEqual(['s-2', 's-1']);
    expect(sessions[1]?.apiCalls).toEqual({ mailbox: 6, crm: 3 });
    expect(sessions[1]?.writes.crm).toEqual({ created: 2, updated: 1, deleted: 0 });
    expect(sessions[1]?.itemErrors[0]?.recordUrl).toBe('https://acme.my.salesforce.com/lightning/r/Event/00U000000000007AAA/view');
  });

  it('invalid limit names the field', async () => {
    const dana = await signedIn('dana@acme.example');
    const response = await dana.request('GET', '/api/v1/mailboxes/mbx-dana/sessions?limit=5000');
    expect(response.status).toBe(400);
    expect(errorOf(response)).toMatchObject({ code: 'invalid_request', field: 'limit' });
    expect(errorOf(response).message).toMatch(/limit: expected 1 to 200/);
  });
});

describe('mailbox controls', () => {
  it('force queues a session and notifies the scheduler', async () => {
    const dana = await signedIn('dana@acme.example');
    const response = await dana.request('POST', '/api/v1/mailboxes/mbx-dana/force');

    expect(response.status).toBe(202);
    expect(requested).toEqual(['mbx-dana']);
    const schedule = await world.store.loadSchedule('mbx-dana');
    expect(Date.parse(schedule?.nextSessionAt ?? '')).toBeGreaterThan(Date.parse('2026-05-04T11:00:00.000Z'));
  });

  it('suspend keeps the reason, resume lifts it', async () => {
    const admin = await signedIn('admin@acme.example');
    const suspended = await admin.request('POST', '/api/v1/mailboxes/mbx-eli/suspend', { body: { reason: 'On leave until June' } });
    expect(suspended.status).toBe(200);
    expect((await world.store.loadSchedule('mbx-eli'))).toMatchObject({ state: 'suspendedByUser', reason: 'On leave until June' });

    const forced = await admin.request('POST', '/api/v1/mailboxes/mbx-eli/force');
    expect(forced.status).toBe(409);
    expect(errorOf(forced).code).toBe('mailbox_suspended');

    const resumed = await admin.request('POST', '/api/v1/mailboxes/mbx-eli/resume');
    expect(resumed.status).toBe(200);
    expect((resumed.body as { mailbox: { state: string; reason: string | null } }).mailbox).toMatchObject({ state: 'active', reason: null });
  });

  it('suspend without a body names the caller', async () => {
    const dana = await signedIn('dana@acme.example');
    const response = await dana.request('POST', '/api/v1/mailboxes/mbx-dana/suspend');
    expect(response.status).toBe(200);
    expect((await world.store.loadSchedule('mbx-dana'))?.reason).toBe('Suspended by dana@acme.example from the API');
  });

  it('suspend reason over 500 characters names the field', async () => {
    const dana = await signedIn('dana@acme.example');
    const response = await dana.request('POST', '/api/v1/mailboxes/mbx-dana/suspend', { body: { reason: 'x'.repeat(501) } });
    expect(response.status).toBe(400);
    expect(errorOf(response)).toMatchObject({ code: 'invalid_request', field: 'reason' });
  });

  it('unknown body field names the field', async () => {
    const dana = await signedIn('dana@acme.example');
    const response = await dana.request('POST', '/api/v1/mailboxes/mbx-dana/suspend', { body: { reasn: 'typo' } });
    expect(response.status).toBe(400);
    expect(errorOf(response)).toMatchObject({ code: 'invalid_request', field: 'reasn' });
  });
});

describe('org settings', () => {
  it('admin reads settings without secrets', async () => {
    const admin = await signedIn('admin@acme.example');
    const response = await admin.request('GET', '/api/v1/org/settings');

    expect(response.status).toBe(200);
    expect((response.body as { org: Record<string, unknown> }).org).toMatchObject({
      id: 'acme',
      name: 'Acme Corp',
      policy: { conflict: 'mailboxWins', deleteCrmOnMailboxDelete: true },
      salesforce: { authKind: 'refreshToken', syncIdField: 'Syncline_Sync_Id__c', recurringEvents: 'auto' },
      mailboxes: { count: 2, sessionIntervalMinutes: [30] },
    });
    expect(response.text).not.toMatch(/never-shown/);
  });

  it('user gets 403', async () => {
    const dana = await signedIn('dana@acme.example');
    const response = await dana.request('GET', '/api/v1/org/settings');
    expect(response.status).toBe(403);
    expect(errorOf(response).code).toBe('forbidden');
  });
});

describe('documents and probes', () => {
  it('openapi lists the routes', async () => {
    const response = await world.client().request('GET', '/openapi.json');
    expect(response.status).toBe(200);
    const document = response.body as { openapi: string; paths: Record<string, Record<string, { requestBody?: unknown; parameters?: { name: string }[] }>> };
    expect(document.openapi).toBe('3.1.0');
    for (const route of ['/api/v1/me', '/api/v1/mailboxes', '/api/v1/mailboxes/{id}', '/api/v1/mailboxes/{id}/sessions', '/api/v1/mailboxes/{id}/force', '/api/v1/org/settings', '/api/v1/auth/sign-in']) {
      expect(Object.keys(document.paths)).toContain(route);
    }
    expect(document.paths['/api/v1/auth/sign-in']?.post?.requestBody).toBeDefined();
    expect(document.paths['/api/v1/mailboxes/{id}/sessions']?.get?.parameters?.map((parameter) => parameter.name)).toEqual(expect.arrayContaining(['id', 'limit']));
  });

  it('healthz and readyz return 200', async () => {
    const client = world.client();
    expect((await client.request('GET', '/healthz')).status).toBe(200);
    expect((await client.request('GET', '/readyz')).body).toEqual({ status: 'ready' });
  });

  it('metrics count recorded sessions', async () => {
    world.metrics.recordSession(report('s-metrics', 'mbx-dana', '2026-05-04T11:00:00.000Z'));
    const response = await world.client().request('GET', '/metrics');

    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/plain/);
    expect(response.text).toMatch(/syncline_sessions_total\{status="partial"\} 1/);
    expect(response.text).toMatch(/syncline_items_written_total\{side="crm",object="Event",operation="created"\} 2/);
    expect(response.text).toMatch(/syncline_item_errors_total\{side="crm",object="event"\} 1/);
    expect(response.text).toMatch(/syncline_api_calls_total\{system="salesforce"\} 3/);
    expect(response.text).toMatch(/syncline_api_calls_total\{system="graph"\} 6/);
    expect(response.text).toMatch(/syncline_queue_lag_seconds \d+/);
  });

  it('unknown route returns the error shape', async () => {
    const response = await world.client().request('GET', '/nowhere');
    expect(response.status).toBe(404);
    expect(errorOf(response).code).toBe('not_found');
  });
});
