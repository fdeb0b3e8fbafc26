/**
 * A Graph `patternedRecurrence` for a series master, best effort. Graph has six pattern types and three range
 * types, so a rule it cannot express (several RRULEs, BYSETPOS, BYHOUR, RDATE lists) is described by its first
 * RRULE. The occurrences themselves always come from the exact expansion.
 */
import type ICAL from 'ical.js';
import type { LocalDateTime } from './ics-time.ts';
import { formatDate } from './ics-time.ts';

const DAY_NAMES: Record<string, string> = {
  SU: 'sunday',
  MO: 'monday',
  TU: 'tuesday',
  WE: 'wednesday',
  TH: 'thursday',
  FR: 'friday',
  SA: 'saturday',
};
const WEEKDAY_CODES = ['SU', 'MO', 'TU', 'WE', 'TH', 'FR', 'SA'] as const;
const INDEX_NAMES: Record<number, string> = { 1: 'first', 2: 'second', 3: 'third', 4: 'fourth', [-1]: 'last' };

export interface PatternInput {
  rule: ICAL.Recur | null;
  start: LocalDateTime;
  /** Local date of the last slot when the rule ends by UNTIL. */
  untilDate: LocalDateTime | null;
  recurrenceTimeZone: string;
}

export function patternedRecurrence(input: PatternInput): Record<string, unknown> {
  return { pattern: patternOf(input.rule, input.start), range: rangeOf(input) };
}

function patternOf(rule: ICAL.Recur | null, start: LocalDateTime): Record<string, unknown> {
  const base = { interval: rule?.interval ?? 1, month: 0, dayOfMonth: 0, daysOfWeek: [] as string[], firstDayOfWeek: firstDayOf(rule), index: 'first' };
  const byDay = (rule?.getComponent('byday') ?? []).map(String);
  const startDay = WEEKDAY_CODES[new Date(Date.UTC(start.year, start.month - 1, start.day)).getUTCDay()] ?? 'MO';

  switch (rule?.freq) {
    case 'DAILY':
      // Outlook writes "every weekday" as a daily rule with BYDAY; Graph calls it weekly.
      if (byDay.length > 0) return { ...base, type: 'weekly', interval: 1, daysOfWeek: dayNames(byDay) };
      return { ...base, type: 'daily' };
    case 'WEEKLY':
      return { ...base, type: 'weekly', daysOfWeek: dayNames(byDay.length > 0 ? byDay : [startDay]) };
    case 'MONTHLY':
      return monthly(base, byDay, start, rule);
    case 'YEARLY':
      return yearly(base, byDay, start, rule);
    default:
      return { ...base, type: 'daily' };
  }
}

function monthly(base: Record<string, unknown>, byDay: string[], start: LocalDateTime, rule: ICAL.Recur): Record<string, unknown> {
  const relative = relativeDay(byDay, rule);
  if (relative) return { ...base, type: 'relativeMonthly', ...relative };
  const dayOfMonth = Number(rule.getComponent('bymonthday')[0] ?? start.day);
  return { ...base, type: 'absoluteMonthly', dayOfMonth };
}

function yearly(base: Record<string, unknown>, byDay: string[], start: LocalDateTime, rule: ICAL.Recur): Record<string, unknown> {
  const month = Number(rule.getComponent('bymonth')[0] ?? start.month);
  const relative = relativeDay(byDay, rule);
  if (relative) return { ...base, type: 'relativeYearly', month, ...relative };
  const dayOfMonth = Number(rule.getComponent('bymonthday')[0] ?? start.day);
  return { ...base, type: 'absoluteYearly', month, dayOfMonth };
}

function relativeDay(byDay: string[], rule: ICAL.Recur): { daysOfWeek: string[]; index: string } | null {
  const first = /^([+-]?\d)?([A-Z]{2})$/.exec(byDay[0] ?? '');
  if (!first) return null;

  const ordinal = first[1] ? Number(first[1]) : Number(rule.getComponent('bysetpos')[0] ?? NaN);
  const index = INDEX_NAMES[ordinal];
  if (!index) return null;
  return { daysOfWeek: dayNames(byDay.map((day) => day.replace(/^[+-]?\d/, ''))), index };
}

function rangeOf(input: PatternInput): Record<string, unknown> {
  const base = { startDate: formatDate(input.start), recurrenceTimeZone: input.recurrenceTimeZone, endDate: '0001-01-01', numberOfOccurrences: 0 };
  const count = input.rule?.count ?? null;

  if (count !== null) return { ...base, type: 'numbered', numberOfOccurrences: count };
  if (input.untilDate) return { ...base, type: 'endDate', endDate: formatDate(input.untilDate) };
  return { ...base, type: 'noEnd' };
}

function firstDayOf(rule: ICAL.Recur | null): string {
  const code = WEEKDAY_CODES[(rule?.wkst ?? 1) - 1] ?? 'SU';
  return DAY_NAMES[code] ?? 'sunday';
}

function dayNames(codes: string[]): string[] {
  return [...new Set(codes.map((code) => DAY_NAMES[code.replace(/^[+-]?\d+/, '')]).filter((name): name is string => name !== undefined))];
}
