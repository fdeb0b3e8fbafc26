import { afterEach, describe, expect, it } from 'vitest';
import { SeriesWorld, seriesIcs } from './support/series-shared-world.ts';

/** Series mode on a meeting series in two synced mailboxes of one org, whose copies differ. */

let world: SeriesWorld | undefined;
afterEach(async () => {
  await world?.close();
  world = undefined;
});


describe('a meeting series of an outside organizer, the attendees synced at different times', () => {
  it('writes one Event per occurrence', async () => {
    world = await SeriesWorld.start();
    // Blair removed the first occurrence from their calendar. Their session runs first and writes the other three.
    const base = seriesIcs('partner', ['alex', 'blair']);
    await world.deliver('blair', base.replace('RRULE:FREQ=WEEKLY;BYDAY=MO;COUNT=4', 'RRULE:FREQ=WEEKLY;BYDAY=MO;COUNT=4\r\nEXDATE;TZID=Europe/Berlin:20260302T100000'));
    expect((await world.session('blair')).status).toBe('ok');
    expect((await world.records('Event')).filter((row) => row.Subject === 'Shared weekly')).toHaveLength(3);

    await world.deliver('alex', base);
    const report = await world.session('alex');
    expect(report.status, report.notes.join(' ')).toBe('ok');
    // Later sessions of both mailboxes leave the count as it is.
    expect((await world.session('blair')).status).toBe('ok');
    expect((await world.session('alex')).status).toBe('ok');

    const days = (await world.records('Event')).filter((row) => row.Subject === 'Shared weekly').map((row) => String(row.StartDateTime).slice(0, 10)).sort();
    expect(days).toEqual(['2026-03-02', '2026-03-09', '2026-03-16', '2026-03-23']);
  });
});
