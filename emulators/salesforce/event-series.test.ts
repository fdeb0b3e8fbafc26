import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startHarness, timedEvent, type Harness } from './test-support.ts';

let h: Harness;

beforeAll(async () => {
  h = await startHarness();
});

afterAll(async () => {
  await h.close();
});

beforeEach(async () => {
  await h.admin('PUT', 'features', { recurringEvents2: true });
});

async function insert(body: Record<string, unknown>): Promise<{ status: number; body: unknown }> {
  return h.api('POST', 'sobjects/Event', body);
}

async function occurrences(seriesId: string): Promise<Record<string, unknown>[]> {
  const soql = 'SELECT Id, Subject, StartDateTime, EndDateTime, IsRecurrence2, IsRecurrence2Exception, Recurrence2PatternText, '
    + `Recurrence2PatternStartDate, RecurrenceActivityId FROM Event WHERE RecurrenceActivityId = '${seriesId}' ORDER BY StartDateTime`;
  const response = await h.api('GET', `query?q=${encodeURIComponent(soql)}`);
  expect(response.status, JSON.stringify(response.body)).toBe(200);
  return (response.body as { records: Record<string, unknown>[] }).records;
}

async function eventFieldNames(): Promise<string[]> {
  const response = await h.api('GET', 'sobjects/Event/describe');
  return (response.body as { fields: { name: string }[] }).fields.map((f) => f.name);
}

async function insertSeries(body: Record<string, unknown>): Promise<string> {
  const response = await insert(body);
  expect(response.status, JSON.stringify(response.body)).toBe(201);
  return (response.body as { id: string }).id;
}

function firstError(body: unknown): { errorCode: string; message: string } {
  return (body as { errorCode: string; message: string }[])[0] ?? { errorCode: '', message: '' };
}

describe('Recurring Events 2.0 in the Salesforce emulator', () => {
  it('describe shows series fields when enabled', async () => {
    expect(await eventFieldNames()).toEqual(expect.arrayContaining(['IsRecurrence2', 'Recurrence2PatternText', 'IsRecurrence2Exception']));
    await h.admin('PUT', 'features', { recurringEvents2: false });
    expect(await eventFieldNames()).not.toContain('Recurrence2PatternText');
    expect(await eventFieldNames()).toContain('IsRecurrence');
  });

  it('insert expands pattern across DST', async () => {
    const created = await insert(timedEvent({
      Subject: 'Weekly sync', StartDateTime: '2026-03-23T09:00:00Z', EndDateTime: '2026-03-23T09:30:00Z',
      IsRecurrence2: true, Recurrence2PatternText: 'RRULE:FREQ=WEEKLY;BYDAY=MO;COUNT=3', Recurrence2PatternTimeZone: 'Europe/Berlin',
    }));
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    const id = (created.body as { id: string }).id;

    const series = await occurrences(id);
    // 10:00 Berlin every Monday: UTC+1 before 29 March 2026, UTC+2 after.
    expect(series.map((event) => event.StartDateTime)).toEqual([
      '2026-03-23T09:00:00.000+0000', '2026-03-30T08:00:00.000+0000', '2026-04-06T08:00:00.000+0000',
    ]);
    expect(series.map((event) => event.EndDateTime)).toEqual([
      '2026-03-23T09:30:00.000+0000', '2026-03-30T08:30:00.000+0000', '2026-04-06T08:30:00.000+0000',
    ]);
    expect(series.every((event) => event.IsRecurrence2 === true && event.Subject === 'Weekly sync')).toBe(true);
    expect(series[0]?.Id).toBe(id);
  });

  it('occurrence edit marks one exception', async () => {
    const id = await insertSeries(timedEvent({ IsRecurrence2: true, Recurrence2PatternText: 'RRULE:FREQ=DAILY;COUNT=3' }));
    const [, second] = await occurrences(id);
    const patched = await h.api('PATCH', `sobjects/Event/${String(second?.Id)}`, { Subject: 'Moved review', StartDateTime: '2026-05-05T15:00:00Z',
      EndDateTime: '2026-05-05T16:00:00Z' });
    expect(patched.status, JSON.stringify(patched.body)).toBe(204);

    const series = await occurrences(id);
    expect(series.map((event) => [event.Subject, event.IsRecurrence2Exception])).toEqual([
      ['Review', false], ['Moved review', true], ['Review', false],
    ]);
  });

  it('deletes one occurrence without touching the rest', async () => {
    const id = await insertSeries(timedEvent({ IsRecurrence2: true, Recurrence2PatternText: 'RRULE:FREQ=DAILY;COUNT=3' }));
    const [, second] = await occurrences(id);
    expect((await h.api('DELETE', `sobjects/Event/${String(second?.Id)}`)).status).toBe(204);
    expect((await occurrences(id)).map((event) => event.StartDateTime)).toEqual(['2026-05-04T13:00:00.000+0000', '2026-05-06T13:00:00.000+0000']);
  });

  it('pattern change re-creates occurrences', async () => {
    const id = await insertSeries(timedEvent({ IsRecurrence2: true, Recurrence2PatternText: 'RRULE:FREQ=DAILY;COUNT=3' }));
    const [, second] = await occurrences(id);
    await h.api('PATCH', `sobjects/Event/${String(second?.Id)}`, { Subject: 'Edited' });

    const rejected = await h.api('PATCH', `sobjects/Event/${String(second?.Id)}`, { Recurrence2PatternText: 'RRULE:FREQ=DAILY;COUNT=2' });
    expect(rejected.status).toBe(400);
    expect(firstError(rejected.body).errorCode).toBe('FIELD_INTEGRITY_EXCEPTION');

    const patched = await h.api('PATCH', `sobjects/Event/${id}`, { Recurrence2PatternText: 'RRULE:FREQ=WEEKLY;COUNT=2' });
    expect(patched.status, JSON.stringify(patched.body)).toBe(204);
    const series = await occurrences(id);
    expect(series.map((event) => [event.StartDateTime, event.Subject])).toEqual([
      ['2026-05-04T13:00:00.000+0000', 'Review'], ['2026-05-11T13:00:00.000+0000', 'Review'],
    ]);
  });

  it('rejects invalid series without storing', async () => {
    const cases: [Record<string, unknown>, string, RegExp][] = [
      [{ IsRecurrence2: true }, 'REQUIRED_FIELD_MISSING', /Recurrence2PatternText/],
      [{ IsRecurrence2: true, Recurrence2PatternText: 'FREQ=DAILY;COUNT=2' }, 'FIELD_INTEGRITY_EXCEPTION', /one RRULE line/],
      [{ IsRecurrence2: true, Recurrence2PatternText: 'RRULE:FREQ=HOURLY;COUNT=2' }, 'FIELD_INTEGRITY_EXCEPTION', /HOURLY/],
      [{ IsRecurrence2: true, Recurrence2PatternText: 'RRULE:FREQ=DAILY;BYHOUR=9;COUNT=2' }, 'FIELD_INTEGRITY_EXCEPTION', /BYHOUR/],
      [{ IsRecurrence2: true, Recurrence2PatternText: 'RRULE:FREQ=DAILY' }, 'FIELD_INTEGRITY_EXCEPTION', /up to 100 occurrences/],
      [{ Recurrence2PatternText: 'RRULE:FREQ=DAILY;COUNT=2' }, 'FIELD_INTEGRITY_EXCEPTION', /IsRecurrence2/],
      [{ IsRecurrence2: true, IsRecurrence: true, Recurrence2PatternText: 'RRULE:FREQ=DAILY;COUNT=2' }, 'FIELD_INTEGRITY_EXCEPTION', /not both/],
    ];
    for (const [extra, code, message] of cases) {
      const response = await insert(timedEvent({ Subject: 'Refused', ...extra }));
      expect(response.status, JSON.stringify(extra)).toBe(400);
      expect(firstError(response.body).errorCode).toBe(code);
      expect(firstError(response.body).message).toMatch(message);
    }
    const stored = await h.api('GET', `query?q=${encodeURIComponent("SELECT Id FROM Event WHERE Subject = 'Refused'")}`);
    expect((stored.body as { totalSize: number }).totalSize).toBe(0);
  });

  it('expands an all-day series by dates', async () => {
    const created = await insert({ Subject: 'Offsite', IsAllDayEvent: true, ActivityDate: '2026-02-19', DurationInMinutes: 1440,
      IsRecurrence2: true, Recurrence2PatternText: 'RRULE:FREQ=WEEKLY;BYDAY=TH;COUNT=3' });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    const soql = `SELECT ActivityDate, IsAllDayEvent FROM Event WHERE RecurrenceActivityId = '${(created.body as { id: string }).id}' ORDER BY ActivityDate`;
    const records = ((await h.api('GET', `query?q=${encodeURIComponent(soql)}`)).body as { records: Record<string, unknown>[] }).records;
    expect(records.map((record) => [record.ActivityDate, record.IsAllDayEvent])).toEqual([
      ['2026-02-19', true], ['2026-02-26', true], ['2026-03-05', true],
    ]);
  });
});
