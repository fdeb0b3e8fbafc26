import { SENSITIVITY_VALUES, SHOW_AS_VALUES, type CalendarEvent } from '../../domain/calendar-event.ts';
import { catalog, topLevel } from '../mailbox-fields.ts';

/** The calendar event fields a mapping pair may name; organizer, attendees and recurrence are not mapped fields. */
export const EVENT_FIELDS = catalog<CalendarEvent>(
  'event',
  [
    topLevel('subject', 'text', { emptyValue: '' }),
    topLevel('span', 'span'),
    topLevel('location', 'text'),
    topLevel('body', 'text'),
    topLevel('showAs', 'enum', { values: SHOW_AS_VALUES }),
    topLevel('sensitivity', 'sensitivity', { values: SENSITIVITY_VALUES }),
    topLevel('categories', 'textList'),
  ],
  (context) => ({
    subject: '',
    span: { kind: 'timed', start: new Date(0).toISOString(), end: new Date(0).toISOString(), timeZone: context.mailboxTimeZone },
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
  }),
);
