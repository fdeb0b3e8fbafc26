import { Writable } from 'node:stream';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import type { SessionTrigger } from '../src/domain/mailbox-state.ts';
import { createSilentLogger } from '../src/observability/logger.ts';
import { createScheduler, createSessionRunner, type Scheduler } from '../src/scheduler/index.ts';
import { createServer, type RunningServer } from '../src/server/create-server.ts';
import { GRAPH_WEBHOOK_PATH, graphNotificationRoutes, type GraphWebhookOptions, type KnownSubscription, type WebhookCounters } from '../src/server/webhooks/graph-notifications.ts';
import { openStore, type SynclineStore } from '../src/store/index.ts';
import { waitFor } from './support/instant-sync-world.ts';

const SECRET = 'client-state-secret-value-0123456789';
const KNOWN: KnownSubscription = { mailboxId: 'mbx-1', clientState: SECRET };

let server: RunningServer | null = null;
let scheduler: Scheduler | null = null;
let store: SynclineStore | null = null;

afterEach(async () => {
  await scheduler?.stop();
  await server?.close();
  await store?.close();
  scheduler = null;
  server = null;
  store = null;
});

async function listen(overrides: Partial<GraphWebhookOptions>): Promise<string> {
  const options: GraphWebhookOptions = {
    lookupSubscription: async (id) => (id === 'sub-1' ? KNOWN : null),
    triggers: new Set(['create', 'update', 'delete']),
    requestSession: () => undefined,
    onLifecycle: () => undefined,
    logger: createSilentLogger(),
    ...overrides,
  };
  server = await createServer({ logger: createSilentLogger(), routes: [graphNotificationRoutes(options)] }).listen(0, '127.0.0.1');
  return `${server.url}${GRAPH_WEBHOOK_PATH}`;
}

function notification(clientState: string | null, subscriptionId = 'sub-1'): Record<string, unknown> {
  return { subscriptionId, clientState, changeType: 'created', resource: 'Users/u/Events/e', resourceData: { id: 'e' }, tenantId: 't' };
}

async function post(url: string, entries: Record<string, unknown>[]): Promise<{ status: number; ms: number }> {
  const started = Date.now();
  const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ value: entries }) });
  await response.arrayBuffer();
  return { status: response.status, ms: Date.now() - started };
}

/** Create a logger whose JSON lines land in `lines`. */
function capturingLogger(lines: string[]) {
  const sink = new Writable({
    write(chunk, _encoding, done) {
      lines.push(String(chunk));
      done();
    },
  });
  return pino({ level: 'debug' }, sink);
}

describe('graph webhook timing and trust', () => {
  it('answers 202 before a slow look-up ends', async () => {
    const requested: string[] = [];
    const url = await listen({
      lookupSubscription: async () => {
        await new Promise((resolve) => setTimeout(resolve, 2_000));
        return KNOWN;
      },
      requestSession: (mailboxId) => requested.push(mailboxId),
    });

    const answer = await post(url, [notification(SECRET)]);

    expect(answer.status).toBe(202);
    expect(answer.ms).toBeLessThan(1_000);
    expect(requested).toEqual([]);
    await waitFor(() => requested.length === 1, 5_000, 'the session request after the answer');
  });

  it('counts forged notifications and hides secrets', async () => {
    const lines: string[] = [];
    const counters: WebhookCounters = { accepted: 0, rejected: 0 };
    const requested: string[] = [];
    const url = await listen({ logger: capturingLogger(lines), counters, requestSession: (mailboxId) => requested.push(mailboxId) });

    await post(url, [notification('forged-state-aaaa'), notification('forged-state-bbbb'), notification(null)]);
    await post(url, [notification(SECRET, 'sub-unknown')]);
    await waitFor(() => counters.rejected === 4, 2_000, 'four rejections');
    await post(url, [notification(SECRET)]);
    await waitFor(() => counters.accepted === 1, 2_000, 'the genuine notification');

    expect(requested).toEqual(['mbx-1']);
    const warnings = lines.filter((line) => line.includes('Rejected Graph notifications'));
    expect(warnings).toHaveLength(1);
    expect(JSON.parse(warnings[0] ?? '{}')).toMatchObject({ level: 40, subscriptionId: 'sub-1', knownSubscription: true, rejected: 1 });
    for (const secret of ['forged-state-aaaa', 'forged-state-bbbb', SECRET]) {
      expect(lines.join('\n')).not.toContain(secret);
    }
  });

  it('valid notification starts a session within a second', async () => {
    store = await openStore({ kind: 'sqlite', path: ':memory:' }, createSilentLogger());
    await store.upsertOrg({ id: 'org-1', name: 'Contoso' });
    await store.upsertMailbox({ id: 'mbx-1', orgId: 'org-1', kind: 'graph', address: 'alex@contoso.example', timeZone: 'Europe/Berlin' });
    const far = new Date(Date.now() + 86_400_000).toISOString();
    await store.saveSchedule({ mailboxId: 'mbx-1', state: 'active', reason: null, resumeAt: null, nextSessionAt: far, lastSessionAt: null, lastStatus: null, failureCount: 0 });
    const started: number[] = [];
    const runner = createSessionRunner({
      store,
      runSession: async (mailboxId) => {
        started.push(Date.now());
        const now = new Date().toISOString();
        const zero = { created: 0, updated: 0, deleted: 0 };
        return {
          sessionId: `s-${started.length}`,
          mailboxId,
          mailbox: 'alex@contoso.example',
          kind: 'graph',
          status: 'ok',
          startedAt: now,
          endedAt: now,
          fullRead: { mailbox: false, crm: false },
          reads: { mailbox: 0, crm: 0 },
          writes: { mailbox: zero, crm: zero, byObject: {} },
          apiCalls: { mailbox: 0, crm: 0 },
          conflicts: 0,
          itemErrors: [],
          notes: [],
        };
      },
      intervalMs: () => 86_400_000,
      jitter: 0,
      logger: createSilentLogger(),
    });
    const running = createScheduler({ mailboxIds: ['mbx-1'], runner, store, maxConcurrentSessions: 1, coalesceMs: 60_000, pollMs: 60_000, logger: createSilentLogger() });
    scheduler = running;
    await running.start();
    const url = await listen({ requestSession: (mailboxId: string, trigger: SessionTrigger) => running.requestSession(mailboxId, trigger) });

    const sent = Date.now();
    await post(url, [notification(SECRET)]);
    await waitFor(() => started.length === 1, 3_000, 'the session');

    expect((started[0] ?? Infinity) - sent).toBeLessThan(1_000);
  });
});
