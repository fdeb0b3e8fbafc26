import { SfError } from './sf-error.ts';
import { DAY_MS, MINUTE_MS, formatDate, formatDateTime, localDate, parseDate, parseDateTime } from './sf-time.ts';
import type { SfRecord } from './record-table.ts';

/**
 * Salesforce rejects events longer than 14 days.
 * NOTE: the FIELD_INTEGRITY_EXCEPTION messages below are the emulator's wording; only the codes follow Salesforce.
 */
const MAX_DURATION_MINUTES = 14 * 24 * 60;

/**
 * Makes StartDateTime, EndDateTime, DurationInMinutes, ActivityDate and ActivityDateTime agree, the way
 * Salesforce derives them. A timed event needs a start (StartDateTime or its alias ActivityDateTime) and an end
 * or a duration. An all-day event is stored from midnight GMT of its first day to midnight GMT of its last day,
 * with 1440 minutes per day. `patch` holds only the fields the request sent (already coerced); `previous` is the
 * stored record on update, null on create. `timeZone` is the owner's zone, which decides a timed event's
 * ActivityDate.
 */
export function normalizeEventTimes(previous: SfRecord | null, patch: SfRecord, timeZone: string): SfRecord {
  const allDay = (patch.IsAllDayEvent ?? previous?.IsAllDayEvent ?? false) === true;
  const start = sentStart(patch);
  return allDay ? allDayTimes(previous, patch, start) : timedTimes(previous, patch, start, timeZone);
}

function sentStart(patch: SfRecord): number | null {
  const start = instant(patch.StartDateTime);
  const activity = instant(patch.ActivityDateTime);
  if (start !== null && activity !== null && start !== activity) {
    throw new SfError(400, 'FIELD_INTEGRITY_EXCEPTION',
      'StartDateTime and ActivityDateTime must be the same instant', ['StartDateTime', 'ActivityDateTime']);
  }
  return start ?? activity;
}

function timedTimes(previous: SfRecord | null, patch: SfRecord, sent: number | null, timeZone: string): SfRecord {
  const start = sent ?? instant(previous?.StartDateTime);
  if (start === null) throw missing('ActivityDateTime');

  const end = instant(patch.EndDateTime);
  const sentDuration = typeof patch.DurationInMinutes === 'number' ? patch.DurationInMinutes : null;
  let duration: number;
  if (end !== null) {
    duration = Math.round((end - start) / MINUTE_MS);
    if (sentDuration !== null && sentDuration !== duration) throw mismatch();
  } else if (sentDuration !== null) {
    duration = sentDuration;
  } else if (previous && typeof previous.DurationInMinutes === 'number') {
    duration = previous.DurationInMinutes;
  } else {
    throw missing('DurationInMinutes');
  }

  checkDuration(duration);
  return {
    StartDateTime: formatDateTime(start),
    ActivityDateTime: formatDateTime(start),
    EndDateTime: formatDateTime(start + duration * MINUTE_MS),
    DurationInMinutes: duration,
    ActivityDate: localDate(start, timeZone),
  };
}

function allDayTimes(previous: SfRecord | null, patch: SfRecord, sent: number | null): SfRecord {
  const dateText = typeof patch.ActivityDate === 'string' ? patch.ActivityDate : null;
  let first = previousFirstDay(previous);
  if (sent !== null) first = midnight(sent);
  if (dateText !== null) first = parseDate(dateText);
  if (first === null) throw missing('ActivityDate');

  const end = instant(patch.EndDateTime);
  const sentDuration = typeof patch.DurationInMinutes === 'number' ? patch.DurationInMinutes : null;
  let days: number;
  if (end !== null) {
    days = Math.round((midnight(end) - first) / DAY_MS) + 1;
    if (sentDuration !== null && sentDuration !== days * 1440) throw mismatch();
  } else if (sentDuration !== null) {
    days = Math.max(1, Math.ceil(sentDuration / 1440));
  } else {
    days = previousDays(previous);
  }

  if (days < 1) throw endBeforeStart();
  checkDuration(days * 1440);
  return {
    StartDateTime: formatDateTime(first),
    ActivityDateTime: null,
    EndDateTime: formatDateTime(first + (days - 1) * DAY_MS),
    DurationInMinutes: days * 1440,
    ActivityDate: formatDate(first),
  };
}

/** Days an existing event covers, kept when it becomes (or stays) all-day without new dates. */
function previousDays(previous: SfRecord | null): number {
  if (!previous) return 1;
  const start = instant(previous.StartDateTime);
  const end = instant(previous.EndDateTime);
  if (start === null || end === null) return 1;
  if (previous.IsAllDayEvent === true) return Math.round((end - start) / DAY_MS) + 1;
  return Math.max(1, Math.round((midnight(end) - midnight(start)) / DAY_MS) + (end > midnight(end) ? 1 : 0));
}

function previousFirstDay(previous: SfRecord | null): number | null {
  if (!previous) return null;
  if (typeof previous.ActivityDate === 'string') return parseDate(previous.ActivityDate);
  const start = instant(previous.StartDateTime);
  return start === null ? null : midnight(start);
}

function checkDuration(minutes: number): void {
  if (minutes < 0) throw endBeforeStart();
  if (minutes > MAX_DURATION_MINUTES) {
    throw new SfError(400, 'FIELD_INTEGRITY_EXCEPTION', 'Event duration cannot exceed 14 days.',
      ['DurationInMinutes']);
  }
}

function instant(value: unknown): number | null {
  return typeof value === 'string' ? parseDateTime(value) : null;
}

function midnight(ms: number): number {
  return Math.floor(ms / DAY_MS) * DAY_MS;
}

function missing(fieldName: string): SfError {
  return new SfError(400, 'REQUIRED_FIELD_MISSING', `Required fields are missing: [${fieldName}]`, [fieldName]);
}

function mismatch(): SfError {
  return new SfError(400, 'FIELD_INTEGRITY_EXCEPTION',
    'EndDateTime and DurationInMinutes do not describe the same length of time.', ['EndDateTime', 'DurationInMinutes']);
}

function endBeforeStart(): SfError {
  return new SfError(400, 'FIELD_INTEGRITY_EXCEPTION', 'End Date Time: the end must not be before the start.',
    ['EndDateTime']);
}
