import { DateTime } from 'luxon';

import type { GraphEventSeed } from '../../emulators/graph/seed-types.ts';
import type { CalendarEvent } from '../../src/domain/calendar-event.ts';
import { BODIES, LOCATIONS, SHIFT_HOURS, SUBJECT_WORDS, type ModelCommand } from './model-commands.ts';
import { shiftDate, shiftInstant, type SideEvent } from './model-sides.ts';

// What a user of either side writes: new events as the emulators store them, and edits as each side's patch.
const ZONE = 'Europe/Berlin';
export const FIRST_DAY = DateTime.fromISO('2026-12-01', { zone: ZONE });

type CreateCommand = Extract<ModelCommand, { kind: 'create' }>;
type EditCommand = Extract<ModelCommand, { kind: 'edit' }>;

function graphWallTime(time: DateTime): string {
  return `${time.toFormat("yyyy-MM-dd'T'HH:mm:ss")}.0000000`;
}

export function mailboxSeed(token: string, subject: string, start: DateTime, command: CreateCommand, location: string | null, body: string | null): GraphEventSeed {
  const allDay = command.allDayDays > 0;
  const first = allDay ? start.startOf('day') : start;
  const end = allDay ? first.plus({ days: command.allDayDays }) : start.plus({ minutes: command.durationMinutes });
  return {
    seedKey: token,
    iCalUId: `${token}@model.example.com`,
    subject,
    body: { contentType: 'text', content: body ?? '' },
    start: { dateTime: graphWallTime(first), timeZone: ZONE },
    end: { dateTime: graphWallTime(end), timeZone: ZONE },
    originalStartTimeZone: 'W. Europe Standard Time',
    originalEndTimeZone: 'W. Europe Standard Time',
    isAllDay: allDay,
    isCancelled: false,
    location: { displayName: location ?? '' },
    showAs: allDay ? 'free' : 'busy',
    sensitivity: 'normal',
    organizer: { emailAddress: { name: 'Alex Morgan', address: 'alex.morgan@contoso.example.com' } },
    attendees: [],
    type: 'singleInstance',
    seriesMasterSeedKey: null,
    originalStart: null,
    recurrence: null,
  };
}

export function crmRecord(subject: string, start: DateTime, command: CreateCommand, location: string | null, body: string | null): Record<string, unknown> {
  const fields = { Subject: subject, Location: salesforceLocation(location), Description: body };
  if (command.allDayDays > 0) {
    return { ...fields, IsAllDayEvent: true, ActivityDate: start.toISODate(), DurationInMinutes: command.allDayDays * 1440, ShowAs: 'Free' };
  }
  const end = start.plus({ minutes: command.durationMinutes });
  return { ...fields, StartDateTime: start.toUTC().toISO(), EndDateTime: end.toUTC().toISO(), ShowAs: 'Busy' };
}

/** Cut a location to the 255 characters a Salesforce user can type. */
function salesforceLocation(location: string | null): string | null {
  return location === null ? null : location.slice(0, 255);
}

function shiftDays(hours: number): number {
  return Math.sign(hours) * (Math.abs(hours) > 24 ? 2 : 1);
}

export function mailboxPatch(target: SideEvent & { token: string }, command: EditCommand): Partial<CalendarEvent> {
  switch (command.field) {
    case 'location':
      return { location: LOCATIONS[command.value % LOCATIONS.length] ?? null };
    case 'body':
      return { body: BODIES[command.value % BODIES.length] ?? null };
    case 'subject':
      return { subject: `${target.token} ${SUBJECT_WORDS[command.value % SUBJECT_WORDS.length]}` };
    case 'time': {
      const hours = SHIFT_HOURS[command.value % SHIFT_HOURS.length] ?? 1;
      const span = target.span;
      return span.allDay
        ? { span: { kind: 'allDay', startDate: shiftDate(span.startDate, shiftDays(hours)), endDate: shiftDate(span.endDate, shiftDays(hours)) } }
        : { span: { kind: 'timed', start: shiftInstant(span.start, hours), end: shiftInstant(span.end, hours), timeZone: ZONE } };
    }
  }
}

export function crmPatch(target: SideEvent & { token: string }, command: EditCommand): Record<string, unknown> {
  switch (command.field) {
    case 'location':
      return { Location: salesforceLocation(LOCATIONS[command.value % LOCATIONS.length] ?? null) };
    case 'body':
      return { Description: BODIES[command.value % BODIES.length] ?? null };
    case 'subject':
      return { Subject: `${target.token} ${SUBJECT_WORDS[command.value % SUBJECT_WORDS.length]}` };
    case 'time': {
      const hours = SHIFT_HOURS[command.value % SHIFT_HOURS.length] ?? 1;
      const span = target.span;
      if (span.allDay) {
        const startDate = shiftDate(span.startDate, shiftDays(hours));
        return { ActivityDate: startDate, StartDateTime: `${startDate}T00:00:00.000Z` };
      }
      return { StartDateTime: shiftInstant(span.start, hours), EndDateTime: shiftInstant(span.end, hours) };
    }
  }
}
