import { randomBytes } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { SynclineConfig } from '../src/config/resolved-config.ts';
import { createSilentLogger } from '../src/observability/logger.ts';
import { openEngine, type Engine } from '../src/scheduler/engine.ts';
import { startInstantSync, type InstantSync } from '../src/scheduler/instant-sync.ts';
import { signInUrlOf } from '../src/server/webhooks/graph-sign-in.ts';
import { ADDRESS, InstantSyncWorld, MAILBOX_ID } from './support/instant-sync-world.ts';

/**
 * A mailbox with delegated Graph access, end to end. Its owner signs in through the server of `syncline start`, which
 * saves the refresh token in the encrypted credential store. The engine's sessions then read the mailbox with that
 * token and write its meetings to Salesforce.
 */

let world: InstantSyncWorld;
let config: SynclineConfig;
let engine: Engine;
let instant: InstantSync;
const env = { SYNCLINE_ENCRYPTION_KEY: randomBytes(32).toString('base64') };

beforeEach(async () => {
  world = await InstantSyncWorld.start();
  const base = world.config([]);
  config = { ...base, orgs: base.orgs.map((org) => ({ ...org, mailboxes: org.mailboxes.map((mailbox) => ({ ...mailbox, graphAuth: 'delegated' as const })) })) };
  const logger = createSilentLogger();
  engine = await openEngine({ config, logger, env });
  instant = await startInstantSync({ config, store: engine.store, scheduler: { requestSession: () => undefined }, logger, fetch: world.fetch, env, streamBackoff: { baseMs: 10, maxMs: 50 } });
  await instant.ready;
});

afterEach(async () => {
  await instant.stop();
  await engine.close();
  await world.close();
});

/** Follow the sign-in as a browser would: Syncline's page, Microsoft's sign-in as the owner, the callback. */
async function signIn(): Promise<number> {
  const start = await fetch(signInUrlOf(instant.url, MAILBOX_ID), { redirect: 'manual' });
  const authorize = new URL(start.headers.get('location') ?? '');
  authorize.searchParams.set('login_hint', ADDRESS);
  const microsoft = await fetch(authorize, { redirect: 'manual' });
  return (await fetch(microsoft.headers.get('location') ?? '')).status;
}

describe('delegated Graph mailbox in sessions', () => {
  it('waits for sign-in, then syncs with the owner token', async () => {
    await world.createOutlookEvent('Quarterly review');

    const before = await engine.runSession(MAILBOX_ID);
    expect(before.status).toBe('failed');
    expect(before.notes.join(' ')).toContain('has not signed in yet');

    expect(await signIn()).toBe(200);
    const after = await engine.runSession(MAILBOX_ID);

    expect(after.status).toBe('ok');
    expect(await world.salesforceSubjects()).toContain('Quarterly review');
    // The token grants this one mailbox only, and is kept encrypted: the store's row does not hold it in the clear.
    const row = await engine.store.loadCredentialRow(`mailbox:${MAILBOX_ID}`, 'graphRefreshToken');
    expect(row?.ciphertext).toBeDefined();
    expect(row?.ciphertext).not.toContain('1.A');
  });
});
