import { createHash } from 'node:crypto';
import { RE2JS } from 're2js';

import type { CalendarEvent, EventSpan } from '../domain/calendar-event.ts';
import type { MappedValue, MappedValues } from '../domain/link.ts';

/**
 * An admin's un-sync rule: calendar events it matches leave the mailbox calendar and stay in Salesforce. Every
 * condition given must hold, and a rule gives at least one. It is plain JSON, so a settings editor can write it.
 */
export interface UnsyncRule {
  readonly name: string;
  /** Text the subject contains, compared without regard to case. */
  readonly subjectContains?: string;
  /** A regular expression in RE2 syntax the subject matches, tested without regard to case and in linear time. */
  readonly subjectMatches?: string;
  /** A category the mailbox event carries, compared without regard to case. Salesforce Events have none. */
  readonly category?: string;
  /** The event ended more than this many whole days ago. */
  readonly olderThanDays?: number;
}

/** Fields a rule tests, from a mailbox event or from a Salesforce Event's mapped values (which have no categories). */
interface RuleSubject {
  readonly subject: string;
  readonly categories: readonly string[] | null;
  /** Epoch milliseconds of the end, or null when the item has no usable end. */
  readonly endsAt: number | null;
}

const DAY_MS = 24 * 60 * 60 * 1000;

/** Compiled patterns by source. Rules come from the configuration and settings edits, so there are few. */
const compiled = new Map<string, RE2JS>();

/** Return the first rule that matches a mailbox event, or null. */
export function unsyncRuleForEvent(rules: readonly UnsyncRule[] | undefined, event: CalendarEvent, now: Date): UnsyncRule | null {
  if (rules === undefined || rules.length === 0) {
    return null;
  }
  return firstMatch(rules, { subject: event.subject, categories: event.categories, endsAt: endOfSpan(event.span) }, now);
}

/** Return the first rule that matches a Salesforce Event, given as the mapped values of the event table, or null. */
export function unsyncRuleForValues(rules: readonly UnsyncRule[] | undefined, values: MappedValues, now: Date): UnsyncRule | null {
  if (rules === undefined || rules.length === 0) {
    return null;
  }
  const subject = typeof values.subject === 'string' ? values.subject : '';
  return firstMatch(rules, { subject, categories: null, endsAt: endOfSpanValue(values.span) }, now);
}

/**
 * Compute the rules' fingerprint, stored with the mailbox cursor of calendar events. When it changes, the session reads
 * the mailbox in full and so tests every linked event against the new rules. An age rule adds the UTC day, so events
 * that grew old enough since yesterday are found although they did not change. Without rules it is empty.
 */
export function unsyncScopeOf(rules: readonly UnsyncRule[] | undefined, now: Date): string {
  if (rules === undefined || rules.length === 0) {
    return '';
  }
  const hash = createHash('sha256').update(JSON.stringify(rules)).digest('base64url').slice(0, 16);
  const day = rules.some((rule) => rule.olderThanDays !== undefined) ? `@${now.toISOString().slice(0, 10)}` : '';
  return `${hash}${day}`;
}

/**
 * Return true when deleting this mailbox's copy would cancel the meeting for others: the mailbox organizes it (or the
 * organizer is unknown) and anyone besides the mailbox is invited. Rooms and equipment count, because a cancellation
 * frees their booking too.
 */
export function isOrganizedMeeting(event: CalendarEvent, mailboxAddress: string | undefined): boolean {
  const own = mailboxAddress?.toLowerCase();
  const others = event.attendees.filter((attendee) => attendee.email === null || attendee.email.toLowerCase() !== own);
  if (others.length === 0) {
    return false;
  }
  const organizer = event.organizer?.email?.toLowerCase();
  return organizer === undefined || own === undefined || organizer === own;
}

function firstMatch(rules: readonly UnsyncRule[], item: RuleSubject, now: Date): UnsyncRule | null {
  return rules.find((rule) => ruleMatches(rule, item, now)) ?? null;
}

function ruleMatches(rule: UnsyncRule, item: RuleSubject, now: Date): boolean {
  if (rule.subjectContains !== undefined && !item.subject.toLowerCase().includes(rule.subjectContains.toLowerCase())) {
    return false;
  }
  if (rule.subjectMatches !== undefined && !patternOf(rule.subjectMatches).test(item.subject)) {
    return false;
  }
  if (rule.category !== undefined) {
    const expectedCategory = rule.category.toLowerCase();
    // A side without categories cannot show the condition holds, so the rule does not match there.
    if (item.categories === null || !item.categories.some((name) => name.toLowerCase() === expectedCategory)) {
      return false;
    }
  }
  if (rule.olderThanDays !== undefined && (item.endsAt === null || now.getTime() - item.endsAt <= rule.olderThanDays * DAY_MS)) {
    return false;
  }
  return true;
}

function patternOf(source: string): RE2JS {
  let pattern = compiled.get(source);
  if (pattern === undefined) {
    // The configuration schema rejects a pattern that does not compile, so this throws only for a bug.
    pattern = RE2JS.compile(source, RE2JS.CASE_INSENSITIVE);
    compiled.set(source, pattern);
  }
  return pattern;
}

/**
 * Check a `subjectMatches` pattern. Returns null for a usable one, else what is wrong and how to fix it. Anyone can
 * send an invitation with any subject, so patterns run on RE2, whose matching time grows linearly with the subject,
 * where a backtracking engine takes exponential time on `^(a+)+$` against a long run of `a` and one other character. RE2 leaves out backreferences and
 * lookaround to stay linear.
 */
export function subjectPatternProblem(source: string): string | null {
  try {
    // Compiled without the flag because the flag adds (?i) to the pattern that error messages quote.
    RE2JS.compile(source);
    return null;
  } catch (error) {
    const feature = unsupportedFeature(source);
    if (feature !== null) {
      return `'${source}' uses ${feature}, which subject patterns do not support: they are matched in linear time (RE2 syntax), so that no subject can stall a session; rewrite the pattern without it, or use subjectContains for plain text`;
    }
    const reason = error instanceof Error ? error.message.replace(/^error parsing regexp: /, '') : String(error);
    return `'${source}' is not a valid regular expression (${reason}); correct it (RE2 syntax), or use subjectContains for plain text`;
  }
}

/** Name the backreference or lookaround a pattern uses outside a character class, or return null. */
function unsupportedFeature(source: string): string | null {
  let inClass = false;
  for (let index = 0; index < source.length; index += 1) {
    const char = source[index];
    if (char === '\\') {
      const next = source[index + 1] ?? '';
      if (!inClass && (/[1-9]/.test(next) || (next === 'k' && source[index + 2] === '<'))) {
        return `a backreference (\\${next}${next === 'k' ? '<…>' : ''})`;
      }
      index += 1;
    } else if (char === '[') {
      inClass = true;
    } else if (char === ']') {
      inClass = false;
    } else if (!inClass && char === '(') {
      const opening = /^\(\?(?:=|!|<=|<!)/.exec(source.slice(index));
      if (opening !== null) {
        return `lookaround (${opening[0]}…)`;
      }
    }
  }
  return null;
}

/** Return the end of a span in epoch milliseconds. An all-day end date is exclusive and has no zone, so its UTC midnight is used. */
function endOfSpan(span: EventSpan): number | null {
  const end = span.kind === 'allDay' ? Date.parse(`${span.endDate}T00:00:00.000Z`) : Date.parse(span.end);
  return Number.isNaN(end) ? null : end;
}

/** Return the end of a mapped span value. A date alone (a calendar item kept as a Task date) ends at the end of that day. */
function endOfSpanValue(span: MappedValue | undefined): number | null {
  if (typeof span === 'string') {
    const day = Date.parse(`${span}T00:00:00.000Z`);
    return Number.isNaN(day) ? null : day + DAY_MS;
  }
  if (span === null || span === undefined || typeof span !== 'object' || Array.isArray(span)) {
    return null;
  }
  const value = span as Record<string, MappedValue>;
  const end = value.allDay === true ? Date.parse(`${String(value.endDate)}T00:00:00.000Z`) : Date.parse(String(value.end));
  return Number.isNaN(end) ? null : end;
}
