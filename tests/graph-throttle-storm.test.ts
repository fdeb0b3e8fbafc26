import { afterEach, describe, expect, it } from 'vitest';
import { E2eHarness } from './support/e2e-harness.ts';
import { timedSeed } from './support/graph-seeds.ts';

const WINDOW = { start: '2026-05-01T00:00:00.000Z', end: '2026-07-01T00:00:00.000Z' };
const MAILBOX_EVENTS = 150;
const CRM_EVENTS = 60;

let harness: E2eHarness | null = null;

afterEach(async () => {
  await harness?.close();
  harness = null;
});

function day(index: number): string {
  return `2026-05-${String((index % 28) + 1).padStart(2, '0')}`;
}

describe('graph throttling storm', () => {
  it('session slows down and loses nothing', async () => {
    harness = await E2eHarness.start({ window: WINDOW });
    const h = harness;
    await h.seedMailbox(Array.from({ length: MAILBOX_EVENTS }, (_, index) => timedSeed(`Outlook ${index}`, day(index), '09:00', '09:30')));
    await h.insertCrmEvents(
      Array.from({ length: CRM_EVENTS }, (_, index) => ({
        Subject: `Salesforce ${index}`,
        StartDateTime: `${day(index)}T13:00:00.000Z`,
        EndDateTime: `${day(index)}T14:00:00.000Z`,
      })),
    );
    await h.graphAdmin('POST', '/_admin/stats/reset');
    // Three of every four Graph requests, inner $batch requests included, get 429 for 8 seconds.
    await h.graphAdmin('POST', '/_admin/faults', { faults: [{ type: 'throttleStorm', seconds: 8, share: 0.75, retryAfterSeconds: 0.2 }] });

    const started = Date.now();
    const report = await h.runSession();
    const elapsedMs = Date.now() - started;
    const stats = (await h.graphAdmin('GET', '/_admin/stats')) as { throttled: number; requests: number; innerRequests: number };

    // Finished, with every item on both sides and no item error: no request was given up.
    expect(report.status).toBe('ok');
    expect(report.itemErrors).toEqual([]);
    expect((await h.crmEvents()).map((event) => event.Subject).sort()).toHaveLength(MAILBOX_EVENTS + CRM_EVENTS);
    expect((await h.mailboxInstances()).map((event) => event.subject)).toHaveLength(MAILBOX_EVENTS + CRM_EVENTS);

    // Slowed down: the storm's 429s were waited out, and each throttled request was sent again.
    expect(stats.throttled).toBeGreaterThan(20);
    expect(report.apiCalls.mailbox).toBe(stats.requests);
    expect(elapsedMs).toBeGreaterThan(1_000);
    console.info(`429 storm: ${stats.throttled} throttled of ${stats.requests} requests and ${stats.innerRequests} inner batch requests; session took ${elapsedMs} ms`);
  }, 60_000);
});
