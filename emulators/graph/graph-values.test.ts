import { describe, expect, it } from 'vitest';
import { htmlToText, previewOf, textToHtml } from './html-text.ts';
import { parsePrefer, preferenceApplied } from './prefer-header.ts';
import { parseExpand, parseFilter } from './query-options.ts';
import { instantOf, resolveZone, wallTimeOf } from './zones.ts';

describe('graph emulator value helpers', () => {
  it('prefer header parses several preferences', () => {
    const preferences = parsePrefer(['outlook.timezone="W. Europe Standard Time", odata.maxpagesize=25', 'IdType="ImmutableId"']);

    expect(preferences.timeZone).toEqual({ label: 'W. Europe Standard Time', iana: 'Europe/Berlin' });
    expect(preferences.maxPageSize).toBe(25);
    expect(preferences.immutableId).toBe(true);
    expect(preferences.bodyContentType).toBeNull();
    expect(preferenceApplied(preferences, { pageSize: true })).toBe('outlook.timezone="W. Europe Standard Time", odata.maxpagesize=25, IdType="ImmutableId"');
  });

  it('prefer header ignores an unknown zone', () => {
    expect(parsePrefer('outlook.timezone="Nowhere/Special"').timeZone).toBeNull();
  });

  it('zones resolve Windows and IANA names', () => {
    expect(resolveZone('Eastern Standard Time')).toBe('America/New_York');
    expect(resolveZone('Asia/Tokyo')).toBe('Asia/Tokyo');
    expect(resolveZone('Etc/UTC')).toBe('UTC');
    expect(resolveZone('tzone://Microsoft/Custom')).toBeNull();
  });

  it('wall times convert across daylight saving', () => {
    const winter = instantOf('2018-03-19T10:00:00.0000000', 'Europe/Berlin');
    const summer = instantOf('2018-03-26T10:00:00', 'Europe/Berlin');

    expect(new Date(winter ?? 0).toISOString()).toBe('2018-03-19T09:00:00.000Z');
    expect(new Date(summer ?? 0).toISOString()).toBe('2018-03-26T08:00:00.000Z');
    expect(wallTimeOf(summer ?? 0, 'America/New_York')).toBe('2018-03-26T04:00:00.0000000');
    expect(instantOf('2018-03-26T10:00:00Z', 'Europe/Berlin')).toBe(Date.parse('2018-03-26T10:00:00Z'));
    expect(instantOf('yesterday', 'UTC')).toBeNull();
  });

  it('html converts to text and back', () => {
    expect(htmlToText('<div>A&nbsp;&lt;b&gt;</div><div>C&#233;</div>')).toBe('A <b>\r\nCé');
    expect(textToHtml('a < b\nc')).toContain('<body>a &lt; b<br>\r\nc</body>');
    expect(previewOf('html', `<p>${'x'.repeat(300)}</p>`)).toHaveLength(255);
  });

  it('filter parser matches extended properties and plain equality', () => {
    const predicate = parseFilter("singleValueExtendedProperties/any(p: p/id eq 'String {66F5A359-4659-4830-9070-00047EC6AC6E} Name SynclineSyncId' and p/value eq 'x') and subject eq 'It''s'");
    const event = {
      subject: "It's",
      extendedProperties: [{ id: 'String {66f5a359-4659-4830-9070-00047ec6ac6e} Name SynclineSyncId', value: 'x' }],
    } as Parameters<NonNullable<typeof predicate>>[0];

    expect(predicate?.(event)).toBe(true);
    expect(predicate?.({ ...event, subject: 'Other' })).toBe(false);
    expect(() => parseFilter('start/dateTime ge 2020')).toThrow(/Invalid filter clause/);
    expect(parseExpand("singleValueExtendedProperties($filter=id eq 'String {66f5a359-4659-4830-9070-00047ec6ac6e} Name A')")).toEqual([
      'String {66f5a359-4659-4830-9070-00047ec6ac6e} Name A',
    ]);
  });
});
