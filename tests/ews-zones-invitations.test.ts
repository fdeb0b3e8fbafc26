import { DateTime } from 'luxon';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CalendarEvent } from '../src/domain/calendar-event.ts';
import { parseConfig } from '../src/config/load-config.ts';
import { EwsWorld } from './support/ews-world.ts';

const world = new EwsWorld();

beforeAll(() => world.start());
afterAll(() => world.stop());

const EVENT: CalendarEvent = {
  subject: 'Zone',
  span: { kind: 'timed', start: '2026-05-04T13:00:00.000Z', end: '2026-05-04T14:00:00.000Z', timeZone: 'Europe/Berlin' },
  location: null,
  body: null,
  showAs: 'busy',
  sensitivity: 'normal',
  organizer: null,
  attendees: [],
  recurrence: null,
  isCancelled: false,
  iCalUId: null,
  categories: [],
};

async function storedXml(address: string): Promise<string[]> {
  const stored = await world.admin<{ items: { xml: string }[] }>('GET', `/users/${encodeURIComponent(address)}/items?folder=calendar`);
  return stored.items.map((item) => item.xml);
}

function zoneIdOf(xml: string): string | undefined {
  return /<t:StartTimeZone[^>]*Id="([^"]*)"/.exec(xml)?.[1];
}

/** Check that two zones have the same UTC offset on the first of every month of 2026. */
function sameOffsets(a: string, b: string): boolean {
  return Array.from({ length: 12 }, (_, month) => DateTime.utc(2026, month + 1, 1)).every((instant) => instant.setZone(a).offset === instant.setZone(b).offset);
}

describe('EWS time zones without a CLDR Windows name', () => {
  it('writes Windows zones of newer names', async () => {
    const mailbox = await world.newMailbox();
    const zones = { 'Europe/Kyiv': 'FLE Standard Time', 'America/Ciudad_Juarez': 'Mountain Standard Time', 'Pacific/Kanton': 'UTC+13' };
    const writes = Object.keys(zones).map((zone, index) => ({
      op: 'create' as const,
      ref: zone,
      syncId: `zone-${index}`,
      item: { ...EVENT, subject: zone, span: { ...EVENT.span, timeZone: zone } as CalendarEvent['span'] },
    }));

    const results = await mailbox.connector.events.applyWrites(writes);
    const read = await mailbox.connector.events.readItems(results.map((result) => (result.ok ? result.id : '')));
    const xml = await storedXml(mailbox.address);

    expect(results.every((result) => result.ok)).toBe(true);
    for (const [zone, windowsName] of Object.entries(zones)) {
      expect(zoneIdOf(xml.find((entry) => entry.includes(`<t:Subject>${zone}</t:Subject>`)) ?? '')).toBe(windowsName);
      const span = [...read.values()].find((snapshot) => snapshot.item.subject === zone)?.item.span;
      expect(span?.kind).toBe('timed');
      expect(span?.kind === 'timed' ? sameOffsets(span.timeZone, zone) : null).toBe(true);
    }
  });

  it('keeps a Kyiv all-day date', async () => {
    const mailbox = await world.newMailbox([], { mailboxTimeZone: 'Europe/Kyiv' });
    const holiday: CalendarEvent = { ...EVENT, subject: 'Holiday', span: { kind: 'allDay', startDate: '2026-05-04', endDate: '2026-05-05' } };

    const [result] = await mailbox.connector.events.applyWrites([{ op: 'create', ref: 'a', syncId: 'all-day', item: holiday }]);
    const id = result?.ok ? result.id : '';
    const read = await mailbox.connector.events.readItems([id]);
    const [xml] = await storedXml(mailbox.address);

    expect(zoneIdOf(xml ?? '')).toBe('FLE Standard Time');
    expect(read.get(id)?.item.span).toEqual({ kind: 'allDay', startDate: '2026-05-04', endDate: '2026-05-05' });
  });

  it('fails only the unknown zone', async () => {
    const mailbox = await world.newMailbox();
    const writes = [
      { op: 'create' as const, ref: 'bad', syncId: 'zone-bad', item: { ...EVENT, span: { ...EVENT.span, timeZone: 'Mars/Olympus' } as CalendarEvent['span'] } },
      { op: 'create' as const, ref: 'good', syncId: 'zone-good', item: EVENT },
    ];

    const results = await mailbox.connector.events.applyWrites(writes);

    expect(results.map((result) => (result.ok ? 'ok' : result.failure.kind))).toEqual(['itemError', 'ok']);
    const rejected = results[0];
    expect(rejected?.ok).toBe(false);
    expect(rejected?.ok === false ? rejected.failure.message : '').toContain('Mars/Olympus');
  });
});

describe('EWS meeting invitations', () => {
  it('sends only when configured', async () => {
    const silent = await world.newMailbox();
    const sending = await world.newMailbox([], { sendMeetingInvitations: 'sendToAllAndSaveCopy' });
    const lastCreate = async () => (await world.admin<{ lastAttributes: Record<string, Record<string, string>> }>('GET', '/stats')).lastAttributes.CreateItem;

    await silent.connector.events.applyWrites([{ op: 'create', ref: 'a', syncId: 'silent', item: EVENT }]);
    const silentAttributes = await lastCreate();
    const [created] = await sending.connector.events.applyWrites([{ op: 'create', ref: 'b', syncId: 'sending', item: EVENT }]);
    const sendingAttributes = await lastCreate();
    await sending.connector.events.applyWrites([{ op: 'delete', ref: 'c', id: created?.ok ? created.id : '' }]);
    const stats = await world.admin<{ lastAttributes: Record<string, Record<string, string>> }>('GET', '/stats');

    expect(silentAttributes).toMatchObject({ SendMeetingInvitations: 'SendToNone' });
    expect(sendingAttributes).toMatchObject({ SendMeetingInvitations: 'SendToAllAndSaveCopy' });
    expect(stats.lastAttributes.DeleteItem).toMatchObject({ SendMeetingCancellations: 'SendToAllAndSaveCopy' });
  });

  it('reads the invitation setting', () => {
    const org = (ews: Record<string, unknown>) => ({
      id: 'contoso',
      name: 'Contoso',
      salesforce: { loginUrl: 'https://login.salesforce.com', auth: { kind: 'refreshToken', clientId: 'a', clientSecret: 'b', refreshToken: 'c' } },
      ews: { url: 'https://mail.contoso.com/EWS/Exchange.asmx', auth: { kind: 'basic', username: 'svc', password: 'p' }, ...ews },
      mailboxes: [{ address: 'robin@contoso.example', timeZone: 'Europe/Berlin', kind: 'ews' }],
    });
    const parse = (ews: Record<string, unknown>) => parseConfig({ dataDir: '/tmp', orgs: [org(ews)] }, { source: 'test', env: {}, baseDir: '/tmp' });

    expect(parse({}).orgs[0]?.ews?.sendMeetingInvitations).toBe('none');
    expect(parse({ sendMeetingInvitations: 'sendToAllAndSaveCopy' }).orgs[0]?.ews?.sendMeetingInvitations).toBe('sendToAllAndSaveCopy');
    expect(() => parse({ sendMeetingInvitations: 'always' })).toThrow(/sendMeetingInvitations/);
  });
});
