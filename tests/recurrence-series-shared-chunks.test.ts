import { afterEach, describe, expect, it } from 'vitest';
import { FULL_READ_CHUNK_ENV } from '../src/sync/chunked-full-read.ts';
import { SeriesWorld, seriesIcs } from './support/series-shared-world.ts';

/**
 * Series mode on a meeting series in two synced mailboxes of one org, whose copies differ, when the second mailbox's
 * first listing is read in chunks (the default for a listing over 2,000 items).
 */

let world: SeriesWorld | undefined;
let previousChunk: string | undefined;
afterEach(async () => {
  await world?.close();
  world = undefined;
  if (previousChunk === undefined) {
    delete process.env[FULL_READ_CHUNK_ENV];
  } else {
    process.env[FULL_READ_CHUNK_ENV] = previousChunk;
  }
});


describe('a shared meeting series read in chunks', () => {
  it('writes one Event per occurrence', async () => {
    const chunk = '2';
    world = await SeriesWorld.start();
    // Blair removed the first occurrence from their calendar. Their session runs first and writes the other three.
    const base = seriesIcs('partner', ['alex', 'blair']);
    await world.deliver('blair', base.replace('RRULE:FREQ=WEEKLY;BYDAY=MO;COUNT=4', 'RRULE:FREQ=WEEKLY;BYDAY=MO;COUNT=4\r\nEXDATE;TZID=Europe/Berlin:20260302T100000'));
    expect((await world.session('blair')).status).toBe('ok');
    expect((await world.records('Event')).filter((row) => row.Subject === 'Shared weekly')).toHaveLength(3);

    // Alex's first listing is larger than one chunk (2 items here, 2,000 by default), so it is read a chunk at a time.
    previousChunk = process.env[FULL_READ_CHUNK_ENV];
    process.env[FULL_READ_CHUNK_ENV] = chunk;
    // One other meeting comes first in Alex's listing, so a chunk ends after the series' first occurrence.
    await world.deliver('alex', base.replace('UID:shared-series@syncline.test', 'UID:kickoff@syncline.test').replace('20260302T100000', '20260301T090000').replace('20260302T110000', '20260301T093000')
      .replace('RRULE:FREQ=WEEKLY;BYDAY=MO;COUNT=4\r\n', '').replace('SUMMARY:Shared weekly', 'SUMMARY:Kickoff'));
    await world.deliver('alex', base);
    const report = await world.session('alex');
    expect(report.status, report.notes.join(' ')).toBe('ok');
    expect((await world.session('blair')).status).toBe('ok');
    expect((await world.session('alex')).status).toBe('ok');

    const days = (await world.records('Event')).filter((row) => row.Subject === 'Shared weekly').map((row) => String(row.StartDateTime).slice(0, 10)).sort();
    expect(days).toEqual(['2026-03-02', '2026-03-09', '2026-03-16', '2026-03-23']);
  });
});
