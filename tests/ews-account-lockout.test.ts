import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isConnectorError } from '../src/domain/errors.ts';
import type { EwsAuth } from '../src/mailbox/ews/ews-options.ts';
import { EwsWorld, SERVICE_ACCOUNT } from './support/ews-world.ts';

/**
 * Many mailboxes share one Exchange service account, and each failed logon counts toward its lockout in the
 * directory. After Exchange rejects a password once, the other mailboxes must not try the same password again.
 */

const WINDOW = { start: '2026-11-01T00:00:00Z', end: '2027-01-01T00:00:00Z' };

describe('a rejected service account password', () => {
  const world = new EwsWorld();
  beforeAll(() => world.start());
  afterAll(() => world.stop());

  /** Create a mailbox of the shared account whose requests to Exchange are counted in `sent`. */
  async function mailboxWith(auth: EwsAuth, sent: { count: number }) {
    const counting: typeof fetch = (input, init) => {
      sent.count += 1;
      return fetch(input, init);
    };
    return world.newMailbox([], { auth, fetch: counting });
  }

  async function failureOf(promise: Promise<unknown>): Promise<{ kind: string; message: string }> {
    const error = await promise.then(() => null, (caught: unknown) => caught);
    if (!isConnectorError(error)) throw new Error(`expected a connector error, got ${String(error)}`);
    return error.failure;
  }

  it('is tried by one mailbox only', async () => {
    const wrong: EwsAuth = { kind: 'basic', username: SERVICE_ACCOUNT.username, password: 'an-old-password' };
    const sent = { count: 0 };
    const first = await mailboxWith(wrong, sent);
    const second = await mailboxWith(wrong, sent);

    const firstFailure = await failureOf(first.connector.events.pullChanges(null, WINDOW));
    expect(firstFailure.kind).toBe('suspend');
    expect(firstFailure.message).toContain("Exchange rejected the service account's user name or password");
    const afterFirst = sent.count;
    expect(afterFirst).toBeGreaterThan(0);

    // The second mailbox is suspended without a logon of its own, and its reason names the mailbox whose logon failed.
    const secondFailure = await failureOf(second.connector.events.pullChanges(null, WINDOW));
    expect(secondFailure.kind).toBe('suspend');
    expect(secondFailure.message).toContain(`for mailbox ${first.address}, so it was not tried again`);
    expect(sent.count).toBe(afterFirst);

    // A fixed password is another account key, so it is tried at once.
    const fixed = await mailboxWith({ kind: 'basic', username: SERVICE_ACCOUNT.username, password: SERVICE_ACCOUNT.password }, sent);
    const pulled = await fixed.connector.events.pullChanges(null, WINDOW);
    expect(pulled.changes).toEqual([]);
    expect(sent.count).toBeGreaterThan(afterFirst);
  });

  it('is tried once by mailboxes starting together', async () => {
    const wrong: EwsAuth = { kind: 'basic', username: SERVICE_ACCOUNT.username, password: 'another-old-password' };
    const sent = { count: 0 };
    const mailboxes = await Promise.all(Array.from({ length: 8 }, () => mailboxWith(wrong, sent)));

    // Eight sessions start at once: one logon goes out, and the others wait for its result.
    const failures = await Promise.all(mailboxes.map((mailbox) => failureOf(mailbox.connector.events.pullChanges(null, WINDOW))));
    expect(failures.map((failure) => failure.kind)).toEqual(Array.from({ length: 8 }, () => 'suspend'));
    expect(sent.count).toBe(1);
  });

  it('lets requests run together once accepted', async () => {
    const right: EwsAuth = { kind: 'basic', username: SERVICE_ACCOUNT.username, password: SERVICE_ACCOUNT.password };
    const sent = { count: 0 };
    const mailboxes = await Promise.all(Array.from({ length: 4 }, () => mailboxWith(right, sent)));
    const pulls = await Promise.all(mailboxes.map((mailbox) => mailbox.connector.events.pullChanges(null, WINDOW)));
    expect(pulls.map((pull) => pull.changes)).toEqual([[], [], [], []]);
  });
});
