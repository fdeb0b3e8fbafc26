import { createServer } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PAGE_CONTENT_SECURITY_POLICY } from '../src/server/routes/dashboard-pages.ts';
import { ApiWorld, errorOf, orgSetting } from './support/api-world.ts';
import { ADMIN, DAILY_API_LIMIT, DANA, DANA_MAILBOX, ELI_MAILBOX, EXPLAINED_CONTACT, GINA, GINA_MAILBOX, startDashboardWorld, type DashboardWorld } from './support/dashboard-world.ts';

let world: DashboardWorld;

beforeAll(async () => {
  world = await startDashboardWorld();
}, 30_000);

afterAll(async () => {
  await world?.close();
});

/** Return a loopback port that nothing listens on. */
function closedPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

interface Usage {
  from: string;
  to: string;
  syncline: { total: number; hourly: { hour: string; calls: number }[] };
  org: { used: number; max: number; checkedAt: string } | null;
  budget: { share: number; allowed: number | null };
  orgError: string | null;
}

describe('conflict ledger route', () => {
  it('lists both values and the reason', async () => {
    const dana = await world.api.session(DANA);
    const response = await dana.request('GET', `/api/v1/mailboxes/${DANA_MAILBOX}/conflicts`);
    expect(response.status).toBe(200);
    expect((response.body as { conflicts: unknown[] }).conflicts).toEqual([
      expect.objectContaining({ objectKind: 'event', field: 'location', mailboxValue: 'Room 2', crmValue: 'Room 3', winner: 'mailbox', reason: expect.stringContaining('mailboxWins') }),
    ]);
  });

  it('hides other mailboxes with 404', async () => {
    const dana = await world.api.session(DANA);
    expect((await dana.request('GET', `/api/v1/mailboxes/${ELI_MAILBOX}/conflicts`)).status).toBe(404);
    const admin = await world.api.session(ADMIN);
    const foreign = await admin.request('GET', `/api/v1/mailboxes/${GINA_MAILBOX}/conflicts`);
    expect(foreign.status).toBe(404);
    expect(errorOf(foreign).field).toBe('id');
  });

  it('names an out-of-range limit', async () => {
    const dana = await world.api.session(DANA);
    const response = await dana.request('GET', `/api/v1/mailboxes/${DANA_MAILBOX}/conflicts?limit=0`);
    expect(response.status).toBe(400);
    expect(errorOf(response)).toMatchObject({ code: 'invalid_request', field: 'limit' });
  });
});

describe('link explanation route', () => {
  it("explains within the caller's org", async () => {
    const dana = await world.api.session(DANA);
    const response = await dana.request('GET', `/api/v1/records/${EXPLAINED_CONTACT.slice(0, 15)}/explanation`);
    expect(response.status).toBe(200);
    const body = response.body as { recordId: string; explanations: { detail: string; rule: string; use: string }[] };
    expect(body.recordId).toBe(EXPLAINED_CONTACT);
    expect(body.explanations).toEqual([expect.objectContaining({ use: 'who', rule: 'exactEmail', detail: expect.stringContaining('kim@customer.example') })]);

    const gina = await world.api.session(GINA);
    const theirs = (await gina.request('GET', `/api/v1/records/${EXPLAINED_CONTACT}/explanation`)).body as typeof body;
    expect(theirs.explanations.map((row) => row.detail)).toEqual(['a Globex link that Acme must not see']);
  });

  it('rejects an invalid record id', async () => {
    const dana = await world.api.session(DANA);
    const response = await dana.request('GET', '/api/v1/records/not-an-id/explanation');
    expect(response.status).toBe(400);
    expect(errorOf(response)).toMatchObject({ code: 'invalid_request', field: 'recordId' });
  });
});

describe('Salesforce usage route', () => {
  it('sums calls and reads the limit', async () => {
    const admin = await world.api.session(ADMIN);
    const response = await admin.request('GET', '/api/v1/org/salesforce-usage');
    expect(response.status, response.text).toBe(200);
    const { usage } = response.body as { usage: Usage };

    expect(usage.syncline.hourly).toHaveLength(24);
    // Acme's sessions made 11 + 7 + 7 calls; Globex's 500 stay out.
    expect(usage.syncline.total).toBe(25);
    expect(usage.syncline.hourly.filter((entry) => entry.calls > 0).map((entry) => entry.calls)).toEqual([11, 7, 7]);
    expect(usage.org).toMatchObject({ max: DAILY_API_LIMIT });
    expect(usage.org!.used).toBeGreaterThanOrEqual(1);
    expect(usage.budget).toEqual({ share: 0.5, allowed: DAILY_API_LIMIT / 2 });
    expect(usage.orgError).toBeNull();
  });

  it('reports a missing org usage', async () => {
    const port = await closedPort();
    const base = orgSetting('initech', 'Initech', [{ id: 'mbx-peter', address: 'peter@initech.example' }]);
    const unreachable = await ApiWorld.start({ orgs: [{ ...base, salesforce: { ...base.salesforce, loginUrl: `http://127.0.0.1:${port}` } }] });
    try {
      await unreachable.addUser('initech', 'admin@initech.example', 'admin');
      const admin = await unreachable.session('admin@initech.example');
      const response = await admin.request('GET', '/api/v1/org/salesforce-usage');
      expect(response.status).toBe(200);
      const { usage } = response.body as { usage: Usage };
      expect(usage.org).toBeNull();
      expect(usage.budget.allowed).toBeNull();
      expect(usage.orgError).toMatch(/^Salesforce did not report the org's API usage/);
      expect(usage.syncline.hourly).toHaveLength(24);
      expect(response.text).not.toContain('sf-secret-never-shown');
      expect(response.text).not.toContain('sf-refresh-never-shown');
    } finally {
      await unreachable.close();
    }
  });

  it('is for admins only', async () => {
    const dana = await world.api.session(DANA);
    const response = await dana.request('GET', '/api/v1/org/salesforce-usage');
    expect(response.status).toBe(403);
    expect(errorOf(response).code).toBe('forbidden');
    expect((await world.api.client().request('GET', '/api/v1/org/salesforce-usage')).status).toBe(401);
  });

  it('appears in the OpenAPI document', async () => {
    const document = (await (await fetch(`${world.api.url}/openapi.json`)).json()) as { paths: Record<string, unknown> };
    expect(Object.keys(document.paths)).toEqual(expect.arrayContaining(['/api/v1/org/salesforce-usage', '/api/v1/mailboxes/{id}/conflicts', '/api/v1/records/{recordId}/explanation']));
    expect(Object.keys(document.paths)).not.toContain('/');
  });
});

describe('dashboard pages', () => {
  it('shows sign-in without a session', async () => {
    for (const page of ['/', '/admin']) {
      const response = await fetch(`${world.api.url}${page}`, { redirect: 'manual' });
      expect(response.status).toBe(200);
      expect(response.headers.get('cache-control')).toBe('no-store');
      expect(await response.text()).toContain('data-page="sign-in"');
    }
    const signIn = await fetch(`${world.api.url}/sign-in`);
    expect(signIn.status).toBe(200);
    expect(signIn.headers.get('content-security-policy')).toBe(PAGE_CONTENT_SECURITY_POLICY);
    expect(await signIn.text()).toContain('id="sign-in-form"');
  });

  it('serves the console to admins only', async () => {
    const dana = await world.api.session(DANA);
    const dashboard = await dana.request('GET', '/');
    expect(dashboard.status).toBe(200);
    expect(dashboard.headers.get('content-security-policy')).toContain("script-src 'self'");
    expect(dashboard.headers.get('x-frame-options')).toBe('DENY');
    expect(dashboard.text).toContain('data-page="dashboard"');

    const redirected = await dana.request('GET', '/admin');
    expect(redirected.status).toBe(303);
    expect(redirected.headers.get('location')).toBe('/');

    const admin = await world.api.session(ADMIN);
    const console = await admin.request('GET', '/admin');
    expect(console.status).toBe(200);
    expect(console.text).toContain('data-page="console"');
  });

  it('serves listed assets only', async () => {
    const script = await fetch(`${world.api.url}/ui/dashboard.js`);
    expect(script.status).toBe(200);
    expect(script.headers.get('content-type')).toContain('text/javascript');
    expect((await fetch(`${world.api.url}/ui/..%2Froutes%2Fdashboard-pages.ts`)).status).toBe(404);
    expect((await fetch(`${world.api.url}/ui/dashboard-pages.ts`)).status).toBe(404);
  });
});
