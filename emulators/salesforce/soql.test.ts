import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHarness, type Harness } from './test-support.ts';

interface QueryBody {
  totalSize: number;
  done: boolean;
  records: Record<string, unknown>[];
}

describe('salesforce emulator SOQL', () => {
  let h: Harness;
  const subjects = (body: unknown): unknown[] => (body as QueryBody).records.map((r) => r.Subject);
  const query = async (soql: string) => h.api('GET', `query?q=${encodeURIComponent(soql)}`);

  beforeAll(async () => {
    h = await startHarness();
    const seed = [
      { Subject: 'Alpha', StartDateTime: '2026-05-04T09:00:00Z', DurationInMinutes: 30, Location: 'Room 1', ShowAs: 'Busy' },
      { Subject: "O'Brien call", StartDateTime: '2026-05-04T13:00:00Z', DurationInMinutes: 60, Location: null, ShowAs: 'Free' },
      { Subject: 'Beta 100%', StartDateTime: '2026-05-05T09:00:00Z', DurationInMinutes: 90, Location: 'Room 2', IsPrivate: true },
      { Subject: 'Gamma', IsAllDayEvent: true, ActivityDate: '2026-05-06', Location: 'Offsite' },
      { Subject: 'path\\back', StartDateTime: '2026-05-07T09:00:00Z', DurationInMinutes: 15 },
    ];
    expect((await h.admin('POST', 'records', { sobject: 'Event', records: seed })).status).toBe(201);
  });
  afterAll(async () => h.close());

  it('equality on text ignores case', async () => {
    expect(subjects((await query("SELECT Subject FROM Event WHERE Subject = 'alpha'")).body)).toEqual(['Alpha']);
  });

  it('string literal escapes are resolved', async () => {
    expect(subjects((await query("SELECT Subject FROM Event WHERE Subject = 'O\\'Brien call'")).body)).toEqual(["O'Brien call"]);
    expect(subjects((await query("SELECT Subject FROM Event WHERE Subject = 'path\\\\back'")).body)).toEqual(['path\\back']);
  });

  it('LIKE handles wildcards and escaped percent', async () => {
    expect(subjects((await query("SELECT Subject FROM Event WHERE Subject LIKE '%a' ORDER BY Subject")).body)).toEqual(['Alpha', 'Gamma']);
    expect(subjects((await query("SELECT Subject FROM Event WHERE Subject LIKE '%100\\%'")).body)).toEqual(['Beta 100%']);
    expect(subjects((await query("SELECT Subject FROM Event WHERE Subject LIKE 'G_mma'")).body)).toEqual(['Gamma']);
  });

  it('AND, OR, NOT and parentheses combine', async () => {
    const soql = "SELECT Subject FROM Event WHERE (Location = 'Room 1' OR Location = 'Room 2') AND NOT (IsPrivate = true) ";
    expect(subjects((await query(soql)).body)).toEqual(['Alpha']);
    const nested = "SELECT Subject FROM Event WHERE NOT (Subject = 'Alpha' OR Subject = 'Gamma') AND Location != null";
    expect(subjects((await query(nested)).body)).toEqual(['Beta 100%']);
  });

  it('IN and NOT IN filter lists', async () => {
    const inList = await query("SELECT Subject FROM Event WHERE Subject IN ('Alpha', 'Gamma') ORDER BY Subject DESC");
    expect(subjects(inList.body)).toEqual(['Gamma', 'Alpha']);
    const notIn = await query("SELECT Subject FROM Event WHERE Location NOT IN ('Room 1', 'Room 2', 'Offsite') ORDER BY Subject");
    expect(subjects(notIn.body)).toEqual(["O'Brien call", 'path\\back']);
  });

  it('null and boolean literals', async () => {
    expect(subjects((await query('SELECT Subject FROM Event WHERE Location = null ORDER BY Subject')).body))
      .toEqual(["O'Brien call", 'path\\back']);
    expect(subjects((await query('SELECT Subject FROM Event WHERE IsAllDayEvent = true')).body)).toEqual(['Gamma']);
  });

  it('datetime literals in both forms and date literals', async () => {
    const z = await query('SELECT Subject FROM Event WHERE StartDateTime >= 2026-05-04T13:00:00Z AND StartDateTime < 2026-05-05T09:00:00.000+0000');
    expect(subjects(z.body)).toEqual(["O'Brien call"]);
    const offset = await query('SELECT Subject FROM Event WHERE StartDateTime = 2026-05-04T15:00:00+02:00');
    expect(subjects(offset.body)).toEqual(["O'Brien call"]);
    const date = await query('SELECT Subject FROM Event WHERE ActivityDate = 2026-05-06');
    expect(subjects(date.body)).toEqual(['Gamma']);
  });

  it('ORDER BY with NULLS LAST and LIMIT', async () => {
    const ordered = await query('SELECT Subject, Location FROM Event ORDER BY Location ASC NULLS LAST, Subject LIMIT 4');
    expect(subjects(ordered.body)).toEqual(['Gamma', 'Alpha', 'Beta 100%', "O'Brien call"]);
    expect((ordered.body as QueryBody).totalSize).toBe(4);
  });

  it('COUNT() returns only totalSize', async () => {
    const counted = await query("SELECT COUNT() FROM Event WHERE Subject != 'Alpha'");
    expect(counted.body).toEqual({ totalSize: 4, done: true, records: [] });
  });

  it('records carry attributes and select-list keys in canonical case', async () => {
    const { body } = await query("SELECT id, subject FROM event WHERE subject = 'Alpha'");
    const [record] = (body as QueryBody).records;
    expect(Object.keys(record ?? {})).toEqual(['attributes', 'Id', 'Subject']);
    expect(record?.attributes).toEqual({ type: 'Event', url: `/services/data/v62.0/sobjects/Event/${String(record?.Id)}` });
  });

  it('unknown field is INVALID_FIELD with row and column', async () => {
    const { status, body } = await query('SELECT Id, Foo FROM Event');
    expect(status).toBe(400);
    const [error] = body as { errorCode: string; message: string }[];
    expect(error?.errorCode).toBe('INVALID_FIELD');
    expect(error?.message).toContain('ERROR at Row:1:Column:12');
    expect(error?.message).toContain("No such column 'Foo' on entity 'Event'");
  });

  it('unknown object is INVALID_TYPE', async () => {
    const { status, body } = await query('SELECT Id FROM Widget__c');
    expect(status).toBe(400);
    expect((body as { errorCode: string }[])[0]?.errorCode).toBe('INVALID_TYPE');
  });

  it('malformed queries are MALFORMED_QUERY', async () => {
    for (const soql of ['SELECT Id FROM Event WHERE', 'SELEC Id FROM Event',
      "SELECT Id FROM Event WHERE Subject = 'a' AND Location = 'b' OR IsPrivate = true",
      "SELECT Id FROM Event WHERE StartDateTime > '2026-05-04'"]) {
      const { status, body } = await query(soql);
      expect(status, soql).toBe(400);
      expect((body as { errorCode: string }[])[0]?.errorCode, soql).toBe('MALFORMED_QUERY');
    }
  });

  it('a bad id literal is INVALID_QUERY_FILTER_OPERATOR', async () => {
    const { status, body } = await query("SELECT Id FROM Event WHERE Id = 'nope'");
    expect(status).toBe(400);
    expect((body as { errorCode: string; message: string }[])[0]?.message).toContain('invalid ID field: nope');
  });

  it('User is queryable by Email', async () => {
    const { body } = await query("SELECT Id, Name, TimeZoneSidKey FROM User WHERE Email = 'ada@example.com' AND IsActive = true");
    const [user] = (body as QueryBody).records;
    expect(user?.Name).toBe('Ada Lovelace');
    expect(String(user?.Id)).toMatch(/^005\w{15}$/);
  });
});
