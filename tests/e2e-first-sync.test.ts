import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import { E2eHarness, NO_EVENT_WRITES } from './support/e2e-harness.ts';
import { timedSeed } from './support/graph-seeds.ts';

const WINDOW = { start: '2026-11-01T00:00:00Z', end: '2027-05-01T00:00:00Z' };

let harness: E2eHarness;

beforeEach(async () => {
  harness = await E2eHarness.start({ window: WINDOW });
});

afterEach(async () => {
  await harness.close();
});

describe('first sync of calendars that already agree', () => {
  it('links matching events instead of duplicating them', async () => {
    await harness.seedMailbox([
      timedSeed('Kick-off', '2026-12-01', '09:00', '10:00'),
      timedSeed('Design review', '2026-12-02', '14:00', '15:30'),
      timedSeed('Retro', '2026-12-03', '16:00', '17:00'),
    ]);
    // The same three meetings, entered in Salesforce by hand: no sync id, Berlin times as UTC instants.
    await harness.insertCrmEvents([
      { Subject: 'Kick-off', StartDateTime: '2026-12-01T08:00:00.000Z', EndDateTime: '2026-12-01T09:00:00.000Z' },
      { Subject: 'Design review', StartDateTime: '2026-12-02T13:00:00.000Z', EndDateTime: '2026-12-02T14:30:00.000Z' },
      { Subject: 'Retro', StartDateTime: '2026-12-03T15:00:00.000Z', EndDateTime: '2026-12-03T16:00:00.000Z' },
    ]);

    const first = await harness.runSession();
    expect(first.status).toBe('ok');
    expect(first.writes.crm.created).toBe(0);
    expect(first.writes.mailbox.created).toBe(0);
    expect(await harness.crmEvents()).toHaveLength(3);
    expect(await harness.mailboxInstances()).toHaveLength(3);

    const second = await harness.runSession();
    expect(second.writes).toEqual(NO_EVENT_WRITES);
  });

  it('fills fields one side lacks when linking', async () => {
    await harness.seedMailbox([timedSeed('Kick-off', '2026-12-01', '09:00', '10:00', { location: { displayName: 'Room 7' } })]);
    await harness.insertCrmEvents([{ Subject: 'Kick-off', StartDateTime: '2026-12-01T08:00:00.000Z', EndDateTime: '2026-12-01T09:00:00.000Z' }]);

    const report = await harness.runSession();
    const [record] = await harness.crmEvents();
    expect(report.writes.crm.created).toBe(0);
    expect(record?.Location).toBe('Room 7');
    expect(record?.Description).toBe('Notes for Kick-off');
  });
});
