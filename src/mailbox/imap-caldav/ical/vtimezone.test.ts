import ICAL from 'ical.js';
import { describe, expect, it } from 'vitest';
import { vtimezoneLines } from './vtimezone.ts';

/** The instant ical.js computes for a wall time under the generated VTIMEZONE. */
function instantUnder(zone: string, wall: string, fromMs: number, toMs: number): string {
  const text = ['BEGIN:VCALENDAR', 'VERSION:2.0', 'PRODID:-//test//EN', ...vtimezoneLines(zone, fromMs, toMs), 'BEGIN:VEVENT', 'UID:x', `DTSTART;TZID=${zone}:${wall}`, 'END:VEVENT', 'END:VCALENDAR'].join('\r\n');
  const event = new ICAL.Component(ICAL.parse(text) as unknown[]).getFirstSubcomponent('vevent');
  const start = event?.getFirstPropertyValue('dtstart') as ICAL.Time;
  return start.toJSDate().toISOString();
}

describe('vtimezoneLines', () => {
  const from = Date.parse('2026-05-04T00:00:00Z');
  const to = Date.parse('2026-05-05T00:00:00Z');

  it('gives summer and winter offsets', () => {
    expect(instantUnder('Europe/Berlin', '20260504T150000', from, to)).toBe('2026-05-04T13:00:00.000Z');
    expect(instantUnder('Europe/Berlin', '20261204T150000', from, to)).toBe('2026-12-04T14:00:00.000Z');
    expect(instantUnder('Australia/Sydney', '20260704T090000', from, to)).toBe('2026-07-03T23:00:00.000Z');
  });

  it('marks transitions as DAYLIGHT or STANDARD', () => {
    const lines = vtimezoneLines('Europe/Berlin', from, to);
    expect(lines).toContain('DTSTART:20260329T020000');
    expect(lines).toContain('DTSTART:20261025T030000');
    expect(lines.filter((line) => line === 'BEGIN:DAYLIGHT').length).toBeGreaterThanOrEqual(2);
  });

  it('zone without DST has one observance', () => {
    const lines = vtimezoneLines('Asia/Tokyo', from, to);
    expect(lines.filter((line) => line.startsWith('BEGIN:'))).toEqual(['BEGIN:VTIMEZONE', 'BEGIN:STANDARD']);
    expect(lines).toContain('TZOFFSETTO:+0900');
  });
});
