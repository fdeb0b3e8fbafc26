import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isConnectorError, type Failure } from '../src/domain/errors.ts';
import { createEwsCredentials } from '../src/mailbox/ews/auth/ews-credentials.ts';
import { subscribeEws } from '../src/mailbox/ews/index.ts';
import { RejectedAccounts } from '../src/mailbox/ews/auth/rejected-accounts.ts';
import { EwsClient, MailboxGate } from '../src/mailbox/ews/ews-client.ts';
import type { EwsBasicAuth } from '../src/mailbox/ews/ews-options.ts';
import { createSilentLogger } from '../src/observability/logger.ts';
import { startEwsEmulator, type RunningEwsEmulator } from '../emulators/ews/server.ts';

/**
 * The service account guard under load: a password that expires after it was accepted, requests queued behind a
 * rejected one, and when a suspended mailbox resumes. Each test uses an account of its own on the emulator, and changes
 * that account's password on the server the way an expiry in the directory would.
 */

interface Account {
  readonly username: string;
  password: string;
  readonly canImpersonate: true;
}

const accounts: Account[] = Array.from({ length: 5 }, (_, index) => ({ username: `svc-review-${index}@contoso.example`, password: 'good-password', canImpersonate: true }));
const logger = createSilentLogger();
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
const GET_CALENDAR = {
  body: '<m:GetFolder><m:FolderShape><t:BaseShape>IdOnly</t:BaseShape></m:FolderShape><m:FolderIds><t:DistinguishedFolderId Id="calendar"/></m:FolderIds></m:GetFolder>',
  idempotent: true,
  label: 'GetFolder',
};

let emulator: RunningEwsEmulator;
let mailboxCount = 0;

beforeAll(async () => {
  emulator = await startEwsEmulator({ accounts, streamMinuteMs: 200 });
});

afterAll(async () => {
  await emulator.close();
});

/** Count what the client sends and how many logons Exchange rejects (HTTP 401). */
interface Counts {
  sent: number;
  rejected: number;
}

async function newAddress(): Promise<string> {
  mailboxCount += 1;
  const address = `review${mailboxCount}@contoso.example`;
  const response = await fetch(`${emulator.url}/_admin/users`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ smtp: address, displayName: `Review ${mailboxCount}`, timeZone: 'Europe/Berlin' }),
  });
  if (!response.ok) throw new Error(`admin users failed with ${response.status}`);
  return address;
}

function clientFor(options: { ewsUrl: string; auth: EwsBasicAuth; address: string; counts: Counts; rejectedAccounts: RejectedAccounts; gate?: MailboxGate; timeoutMs?: number }): EwsClient {
  const counting: typeof fetch = async (input, init) => {
    options.counts.sent += 1;
    const response = await fetch(input, init);
    if (response.status === 401) options.counts.rejected += 1;
    return response;
  };
  const credentials = createEwsCredentials(options.auth, { ewsUrl: options.ewsUrl, fetch: counting, logger, sleep });
  return new EwsClient({
    ewsUrl: options.ewsUrl,
    credentials,
    impersonate: options.address,
    mailboxAddress: options.address,
    fetch: counting,
    logger,
    sleep,
    gate: options.gate ?? new MailboxGate(3),
    timeoutMs: options.timeoutMs ?? 10_000,
    rejectedAccounts: options.rejectedAccounts,
  });
}

async function failureOf(promise: Promise<unknown>): Promise<Failure> {
  const error = await promise.then(() => null, (caught: unknown) => caught);
  if (!isConnectorError(error)) throw new Error(`expected a connector error, got ${String(error)}`);
  return error.failure;
}

describe('service account guard under load', () => {
  it('expiry after an accepted logon', async () => {
    // Three watched mailboxes log on, then the password expires in the directory. Streams close after 200 ms here.
    const account = accounts[4]!;
    const counts: Counts = { sent: 0, rejected: 0 };
    const counting: typeof fetch = async (input, init) => {
      counts.sent += 1;
      const response = await fetch(input, init);
      if (response.status === 401) counts.rejected += 1;
      return response;
    };
    const auth: EwsBasicAuth = { kind: 'basic', username: account.username, password: 'good-password' };
    const watches = [];
    for (let index = 0; index < 3; index += 1) {
      const options = { ewsUrl: `${emulator.url}/EWS/Exchange.asmx`, auth, mailboxAddress: await newAddress(), mailboxTimeZone: 'Europe/Berlin', logger, fetch: counting, connectionTimeoutMinutes: 1 };
      watches.push(await subscribeEws(options, () => undefined));
    }
    account.password = 'expired';
    try {
      await sleep(7_000);
      // Streams in flight when the password expired may fail once each. The first rejection then blocks the password
      // for 15 minutes, so a watch that reconnects (every 5 s after a failure) may not log on again.
      expect(counts.rejected).toBeLessThanOrEqual(watches.length);
    } finally {
      await Promise.all(watches.map((watch) => watch.close()));
    }
  });

  it('queued requests after a rejection', async () => {
    // The password worked, then expired in the directory while the mailbox had requests queued behind its limit.
    const account = accounts[0]!;
    const counts: Counts = { sent: 0, rejected: 0 };
    const client = clientFor({
      ewsUrl: `${emulator.url}/EWS/Exchange.asmx`,
      auth: { kind: 'basic', username: account.username, password: 'good-password' },
      address: await newAddress(),
      counts,
      rejectedAccounts: new RejectedAccounts(),
      gate: new MailboxGate(1),
    });
    await client.call(GET_CALENDAR);
    account.password = 'expired';

    const failures = await Promise.all(Array.from({ length: 5 }, () => failureOf(client.call(GET_CALENDAR))));
    expect(failures.every((failure) => failure.kind === 'suspend')).toBe(true);
    // Only the request on the wire when the password expired may fail. The four queued behind it must not log on.
    expect(counts.rejected).toBe(1);
  });

  it('guard suspension resume time', async () => {
    const account = accounts[1]!;
    account.password = 'changed-in-the-directory';
    const rejectedAccounts = new RejectedAccounts();
    const auth: EwsBasicAuth = { kind: 'basic', username: account.username, password: 'good-password' };
    const ewsUrl = `${emulator.url}/EWS/Exchange.asmx`;
    const counts: Counts = { sent: 0, rejected: 0 };
    const first = clientFor({ ewsUrl, auth, address: await newAddress(), counts, rejectedAccounts });
    const second = clientFor({ ewsUrl, auth, address: await newAddress(), counts, rejectedAccounts });

    const before = Date.now();
    expect((await failureOf(first.call(GET_CALENDAR))).kind).toBe('suspend');
    const blocked = await failureOf(second.call(GET_CALENDAR));
    expect(blocked.kind).toBe('suspend');
    expect(counts.rejected).toBe(1);
    // Without resumeAt the scheduler resumes it after its 5-minute backoff, inside the 15-minute hold. So it is
    // suspended again without a logon, and its failure count grows.
    expect(blocked.resumeAt).toBeDefined();
    expect(Date.parse(blocked.resumeAt ?? '')).toBeGreaterThanOrEqual(before + 15 * 60_000);
  });

});
