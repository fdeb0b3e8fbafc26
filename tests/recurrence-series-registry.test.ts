import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { seriesPatternOf } from '../src/crm/salesforce/series-pattern.ts';
import type { SynclineStore } from '../src/store/index.ts';
import { emptyCommit, link, mailbox, ORG_ID } from './support/store-fixtures.ts';
import { postgresSchemaTarget, sqliteFileTarget, type StoreTarget } from './support/store-targets.ts';

const TARGETS: ReadonlyArray<{ name: string; makeTarget: () => StoreTarget }> = [
  { name: 'sqlite', makeTarget: sqliteFileTarget },
  { name: 'postgres', makeTarget: postgresSchemaTarget },
];
const AT = '2026-12-01T09:00:00.000Z';

describe.each(TARGETS)('series registry on $name', ({ makeTarget }) => {
  const target = makeTarget();
  let store: SynclineStore;

  beforeAll(async () => {
    store = await target.open();
  });

  afterAll(async () => {
    await store?.close();
    await target.dispose();
  });

  beforeEach(async () => {
    await store.truncateAll();
    await store.upsertOrg({ id: ORG_ID, name: 'Contoso' });
    await store.upsertMailbox(mailbox('m1'));
    await store.upsertMailbox(mailbox('m2'));
  });

  it('intent, settle and forget by mailbox', async () => {
    await store.recordSeriesIntent({ mailboxId: 'm1', mailboxSeriesId: 'master-a', headSyncId: 'sync-a', createdAt: AT });
    await store.recordSeriesIntent({ mailboxId: 'm1', mailboxSeriesId: 'master-b', headSyncId: 'sync-b', createdAt: AT });
    await store.recordSeriesIntent({ mailboxId: 'm2', mailboxSeriesId: 'master-a', headSyncId: 'sync-c', createdAt: AT });
    // A second intent for a recorded series keeps the first row.
    await store.recordSeriesIntent({ mailboxId: 'm1', mailboxSeriesId: 'master-a', headSyncId: 'sync-z', createdAt: AT });
    await store.settleSeries('m1', 'master-a', '00U000000000001AAA');

    expect((await store.listSeries('m1')).map((row) => [row.mailboxSeriesId, row.headSyncId, row.crmSeriesId]).sort()).toEqual([
      ['master-a', 'sync-a', '00U000000000001AAA'], ['master-b', 'sync-b', null],
    ]);
    await store.forgetSeries('m1', ['master-b']);
    expect((await store.listSeries('m1')).map((row) => row.mailboxSeriesId)).toEqual(['master-a']);
    expect((await store.listSeries('m2')).map((row) => [row.mailboxSeriesId, row.crmSeriesId])).toEqual([['master-a', null]]);

    await store.truncateAll();
    expect(await store.listSeries('m1')).toEqual([]);
  });

  it('linked event items of one mailbox only', async () => {
    await store.commitSession({ ...emptyCommit('m1'), upsertLinks: [link('m1', 1), link('m1', 2)] });
    await store.commitSession({ ...emptyCommit('m2'), upsertLinks: [link('m2', 3)] });

    expect([...(await store.linkedEventItems('m1', ['AAMkAD-1', 'AAMkAD-3', 'AAMkAD-9']))]).toEqual(['AAMkAD-1']);
    expect([...(await store.linkedEventItems('m2', ['AAMkAD-3']))]).toEqual(['AAMkAD-3']);
    expect((await store.linkedEventItems('m1', [])).size).toBe(0);
  });
});

describe('series patterns bounded by the sync window', () => {
  const first = { kind: 'timed', start: '2026-02-10T17:00:00.000Z', end: '2026-02-10T18:00:00.000Z', timeZone: 'America/Denver' } as const;

  it('counts only occurrences before the bound', () => {
    expect(seriesPatternOf('RRULE:FREQ=DAILY;COUNT=10', first, 'UTC', '2026-02-13T00:00:00Z')).toEqual({ ok: true, text: 'RRULE:FREQ=DAILY;COUNT=3', occurrences: 3 });
    // An occurrence that starts at the bound lies outside the window.
    expect(seriesPatternOf('RRULE:FREQ=DAILY;COUNT=10', first, 'UTC', '2026-02-12T17:00:00Z')).toMatchObject({ occurrences: 2 });
    // The series' own end wins when it comes first.
    expect(seriesPatternOf('RRULE:FREQ=DAILY;UNTIL=20260211', first, 'UTC', '2026-03-01T00:00:00Z')).toMatchObject({ text: 'RRULE:FREQ=DAILY;COUNT=2' });
  });

  it('window bound fits long series', () => {
    expect(seriesPatternOf('RRULE:FREQ=DAILY;COUNT=400', first).ok).toBe(false);
    expect(seriesPatternOf('RRULE:FREQ=DAILY;COUNT=400', first, 'UTC', '2026-03-01T00:00:00Z')).toMatchObject({ ok: true, occurrences: 19 });
  });

  it('the window ends an endless series', () => {
    expect(seriesPatternOf('RRULE:FREQ=WEEKLY;BYDAY=TU', first).ok).toBe(false);
    expect(seriesPatternOf('RRULE:FREQ=WEEKLY;BYDAY=TU', first, 'UTC', '2026-03-01T00:00:00Z')).toEqual({ ok: true, text: 'RRULE:FREQ=WEEKLY;BYDAY=TU;COUNT=3', occurrences: 3 });
  });

  it('caps a bounded series at the maximum', () => {
    // A daily series over a window of a year has more than 100 occurrences. The rest become single Events.
    expect(seriesPatternOf('RRULE:FREQ=DAILY', first, 'UTC', '2027-02-10T00:00:00Z')).toEqual({ ok: true, text: 'RRULE:FREQ=DAILY;COUNT=100', occurrences: 100 });
  });

  it('rejects a bound before the first occurrence', () => {
    expect(seriesPatternOf('RRULE:FREQ=DAILY;COUNT=3', first, 'UTC', '2026-02-10T00:00:00Z')).toEqual({ ok: false, reason: 'the series has no occurrence before the end of the sync window' });
  });
});
