import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestEmulator } from './test-client.ts';
import { SYNC_PROPERTY, USER, startTestEmulator, timedEvent } from './test-client.ts';
import { weeklySeries } from './test-seeds.ts';

const EVENTS = `/users/${USER.userPrincipalName}/events`;

describe('graph emulator events', () => {
  let test: TestEmulator;

  beforeAll(async () => {
    test = await startTestEmulator();
  });

  afterAll(async () => {
    await test.emulator.close();
  });

  it('POST assigns server fields and GET returns the event', async () => {
    const created = await test.graph('POST', EVENTS, {
      body: { ...timedEvent('Brunch', '2026-05-04T11:00:00', '2026-05-04T12:00:00', 'Pacific Standard Time'), body: { contentType: 'HTML', content: '<p>Noon?</p>' } },
    });
    const read = await test.graph('GET', `${EVENTS}/${created.json.id}`);

    expect(created.status).toBe(201);
    expect(created.json.id).toMatch(/^AAMkA[\w-]{100,}=$/);
    expect(created.json['@odata.etag']).toBe(`W/"${created.json.changeKey}"`);
    expect(created.json.createdDateTime).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{7}Z$/);
    expect(created.json.type).toBe('singleInstance');
    expect(created.json.originalStartTimeZone).toBe('Pacific Standard Time');
    expect(created.json.start).toEqual({ dateTime: '2026-05-04T18:00:00.0000000', timeZone: 'UTC' });
    expect(created.json.body).toEqual({ contentType: 'html', content: '<p>Noon?</p>' });
    expect(created.json.bodyPreview).toBe('Noon?');
    expect(created.json.iCalUId).toMatch(/^040000008200E00074C5B7101A82E008/);
    expect(created.json.webLink).toContain(encodeURIComponent(created.json.id));
    expect(read.json.changeKey).toBe(created.json.changeKey);
    expect(read.json.subject).toBe('Brunch');
  });

  it('PATCH changes only the properties sent and moves the change key', async () => {
    const created = await test.graph('POST', `/users/${USER.id}/calendar/events`, { body: { ...timedEvent('Plan', '2026-05-05T10:00:00', '2026-05-05T11:00:00'), location: { displayName: 'Lab' } } });
    const patched = await test.graph('PATCH', `${EVENTS}/${created.json.id}`, { body: { subject: 'Plan v2' } });

    expect(patched.status).toBe(200);
    expect(patched.json.subject).toBe('Plan v2');
    expect(patched.json.location.displayName).toBe('Lab');
    expect(patched.json.start).toEqual(created.json.start);
    expect(patched.json.changeKey).not.toBe(created.json.changeKey);
    expect(patched.json.lastModifiedDateTime >= created.json.lastModifiedDateTime).toBe(true);
  });

  it('If-Match with a stale change key gets 412 on PATCH and DELETE', async () => {
    const created = await test.graph('POST', EVENTS, { body: timedEvent('Guarded', '2026-05-06T10:00:00', '2026-05-06T11:00:00') });
    const stale = created.json.changeKey as string;
    const first = await test.graph('PATCH', `${EVENTS}/${created.json.id}`, { body: { subject: 'Edited' }, headers: { 'if-match': stale } });
    const staleEtag = await test.graph('PATCH', `${EVENTS}/${created.json.id}`, { body: { subject: 'Lost' }, headers: { 'if-match': `W/"${stale}"` } });
    const staleDelete = await test.graph('DELETE', `${EVENTS}/${created.json.id}`, { headers: { 'if-match': stale } });
    const currentDelete = await test.graph('DELETE', `${EVENTS}/${created.json.id}`, { headers: { 'if-match': first.json['@odata.etag'] } });
    const gone = await test.graph('GET', `${EVENTS}/${created.json.id}`);

    expect(first.status).toBe(200);
    expect(staleEtag.status).toBe(412);
    expect(staleEtag.json.error.code).toBe('ErrorIrresolvableConflict');
    expect(staleDelete.status).toBe(412);
    expect(currentDelete.status).toBe(204);
    expect(gone.status).toBe(404);
    expect(gone.json.error.code).toBe('ErrorItemNotFound');
  });

  it('malformed ids, unknown properties and unknown zones are rejected', async () => {
    const malformed = await test.graph('GET', `${EVENTS}/not-an-id`);
    const unknownProperty = await test.graph('POST', EVENTS, { body: { ...timedEvent('X', '2026-05-06T10:00:00', '2026-05-06T11:00:00'), colour: 'red' } });
    const unknownZone = await test.graph('POST', EVENTS, { body: timedEvent('X', '2026-05-06T10:00:00', '2026-05-06T11:00:00', 'Mars/Olympus') });
    const backwards = await test.graph('POST', EVENTS, { body: timedEvent('X', '2026-05-06T10:00:00', '2026-05-06T09:00:00') });

    expect([malformed.status, malformed.json.error.code]).toEqual([400, 'ErrorInvalidIdMalformed']);
    expect([unknownProperty.status, unknownProperty.json.error.code]).toEqual([400, 'RequestBodyRead']);
    expect([unknownZone.status, unknownZone.json.error.code]).toEqual([400, 'TimeZoneNotSupportedException']);
    expect(backwards.status).toBe(400);
  });

  it('Prefer outlook.timezone converts times and is acknowledged', async () => {
    const created = await test.graph('POST', EVENTS, { body: timedEvent('Zoned', '2026-07-01T09:00:00', '2026-07-01T10:00:00', 'Europe/Berlin') });
    const windows = await test.graph('GET', `${EVENTS}/${created.json.id}`, { headers: { prefer: 'outlook.timezone="Eastern Standard Time"' } });
    const iana = await test.graph('GET', `${EVENTS}/${created.json.id}`, { headers: { prefer: 'outlook.timezone="Asia/Tokyo", IdType="ImmutableId"' } });

    expect(created.json.start.dateTime).toBe('2026-07-01T07:00:00.0000000');
    expect(windows.json.start).toEqual({ dateTime: '2026-07-01T03:00:00.0000000', timeZone: 'Eastern Standard Time' });
    expect(windows.headers.get('preference-applied')).toBe('outlook.timezone="Eastern Standard Time"');
    expect(iana.json.end).toEqual({ dateTime: '2026-07-01T17:00:00.0000000', timeZone: 'Asia/Tokyo' });
    expect(iana.headers.get('preference-applied')).toContain('IdType="ImmutableId"');
  });

  it('Prefer outlook.body-content-type text converts an HTML body', async () => {
    const created = await test.graph('POST', EVENTS, {
      body: { ...timedEvent('Body', '2026-07-02T09:00:00', '2026-07-02T10:00:00'), body: { contentType: 'html', content: '<html><head><style>p{}</style></head><body><p>Hello &amp; welcome</p><p>Line two<br>three</p></body></html>' } },
    });
    const text = await test.graph('GET', `${EVENTS}/${created.json.id}`, { headers: { prefer: 'outlook.body-content-type="text"' } });

    expect(text.json.body).toEqual({ contentType: 'text', content: 'Hello & welcome\r\nLine two\r\nthree' });
    expect(text.headers.get('preference-applied')).toBe('outlook.body-content-type="text"');
  });

  it('all-day events keep their dates under any preferred zone', async () => {
    const created = await test.graph('POST', EVENTS, {
      body: { ...timedEvent('Holiday', '2026-05-12T00:00:00', '2026-05-13T00:00:00', 'Europe/Berlin'), isAllDay: true },
    });
    const pacific = await test.graph('GET', `${EVENTS}/${created.json.id}`, { headers: { prefer: 'outlook.timezone="Pacific Standard Time"' } });
    const notMidnight = await test.graph('POST', EVENTS, { body: { ...timedEvent('Bad', '2026-05-12T08:00:00', '2026-05-13T00:00:00'), isAllDay: true } });

    expect(created.json.start).toEqual({ dateTime: '2026-05-12T00:00:00.0000000', timeZone: 'UTC' });
    expect(pacific.json.start).toEqual({ dateTime: '2026-05-12T00:00:00.0000000', timeZone: 'Pacific Standard Time' });
    expect(pacific.json.end).toEqual({ dateTime: '2026-05-13T00:00:00.0000000', timeZone: 'Pacific Standard Time' });
    expect(notMidnight.status).toBe(400);
  });

  it('extended property filter finds the event and $expand returns the property', async () => {
    const ids: string[] = [];
    for (const syncId of ['sync-1', 'sync-2', "sync-'3'"]) {
      const created = await test.graph('POST', EVENTS, {
        body: { ...timedEvent(`Synced ${syncId}`, '2026-08-01T09:00:00', '2026-08-01T10:00:00'), singleValueExtendedProperties: [{ id: SYNC_PROPERTY, value: syncId }] },
      });
      ids.push(created.json.id);
    }

    const filter = (value: string) => `singleValueExtendedProperties/Any(ep: ep/id eq '${SYNC_PROPERTY}' and ep/value eq '${value.replace(/'/g, "''")}')`;
    const expand = `singleValueExtendedProperties($filter=id eq '${SYNC_PROPERTY}')`;
    const found = await test.graph('GET', `${EVENTS}?$filter=${encodeURIComponent(filter('sync-2'))}&$expand=${encodeURIComponent(expand)}`);
    const quoted = await test.graph('GET', `${EVENTS}?$filter=${encodeURIComponent(filter("sync-'3'"))}`);
    const plain = await test.graph('GET', `${EVENTS}/${ids[0]}`);

    expect(found.status).toBe(200);
    expect(found.json.value.map((event: { id: string }) => event.id)).toEqual([ids[1]]);
    expect(found.json.value[0].singleValueExtendedProperties).toEqual([{ id: SYNC_PROPERTY, value: 'sync-2' }]);
    expect(quoted.json.value.map((event: { id: string }) => event.id)).toEqual([ids[2]]);
    expect(quoted.json.value[0].singleValueExtendedProperties).toBeUndefined();
    expect(plain.json.singleValueExtendedProperties).toBeUndefined();
  });

  it('event list pages with $top and @odata.nextLink', async () => {
    const first = await test.graph('GET', `${EVENTS}?$top=2`);
    const second = await test.graph('GET', first.json['@odata.nextLink']);
    const all = await test.graph('GET', `${EVENTS}?$top=100`);

    expect(first.json.value).toHaveLength(2);
    expect(first.json['@odata.nextLink']).toContain('$skip=2');
    expect(second.json.value[0].id).toBe(all.json.value[2].id);
  });

  it('series: list shows the master, PATCH makes an exception, DELETE removes one instance', async () => {
    const seeded = await test.admin('POST', `/users/${USER.userPrincipalName}/seed`, { events: weeklySeries(4) });
    const [masterId, firstId, , thirdId] = seeded.json.ids as string[];
    const listed = await test.graph('GET', `${EVENTS}?$top=1000&$filter=${encodeURIComponent("iCalUId eq 'uid-series'")}`);
    const patched = await test.graph('PATCH', `${EVENTS}/${firstId}`, { body: { subject: 'Weekly sync (moved room)' } });
    const deleted = await test.graph('DELETE', `${EVENTS}/${thirdId}`);
    const instances = await test.graph('GET', `${EVENTS}/${masterId}/instances?startDateTime=2026-05-01T00:00:00Z&endDateTime=2026-06-30T00:00:00Z`);

    expect(listed.json.value.map((event: { id: string; type: string }) => [event.id, event.type])).toEqual([[masterId, 'seriesMaster']]);
    expect(patched.json.type).toBe('exception');
    expect(patched.json.seriesMasterId).toBe(masterId);
    expect(patched.json.originalStart).toBe('2026-05-04T07:00:00Z');
    expect(deleted.status).toBe(204);
    expect(instances.json.value.map((event: { type: string }) => event.type)).toEqual(['exception', 'exception', 'occurrence']);
  });
});
