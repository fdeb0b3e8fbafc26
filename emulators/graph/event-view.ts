import type { EventRecord, UserRecord } from './event-record.ts';
import { NO_RESPONSE_TIME } from './event-input-values.ts';
import { propertyKey } from './event-input.ts';
import { htmlToText, previewOf, textToHtml } from './html-text.ts';
import type { Preferences } from './prefer-header.ts';
import { wallTimeOf } from './zones.ts';

interface ViewOptions {
  readonly owner: UserRecord;
  readonly preferences: Preferences;
  /** Property names from `$select`; null returns every property. */
  readonly select?: ReadonlySet<string> | null;
  /** Property ids from `$expand=singleValueExtendedProperties($filter=id eq '…')`; 'all' without a filter. */
  readonly expandProperties?: readonly string[] | 'all' | null;
  /** Delta items carry their OData type, as in the documented calendarView delta responses. */
  readonly withODataType?: boolean;
}

/** An event in Graph's JSON shape, properties in the order of the documented create-event response. */
export function renderEvent(event: EventRecord, options: ViewOptions): Record<string, unknown> {
  const full = fullView(event, options);
  const expanded = expandedProperties(event, options.expandProperties ?? null);
  if (expanded.length > 0) {
    full.singleValueExtendedProperties = expanded;
  }

  const head: Record<string, unknown> = options.withODataType ? { '@odata.type': '#microsoft.graph.event' } : {};
  if (!options.select) {
    return { ...head, ...full };
  }

  const picked: Record<string, unknown> = { ...head, '@odata.etag': full['@odata.etag'], id: full.id };
  for (const [key, value] of Object.entries(full)) {
    if (options.select.has(key.toLowerCase()) || key === 'singleValueExtendedProperties') {
      picked[key] = value;
    }
  }
  return picked;
}

function fullView(event: EventRecord, options: ViewOptions): Record<string, unknown> {
  const isOrganizer = event.organizer?.emailAddress.address.toLowerCase() === options.owner.userPrincipalName.toLowerCase();
  const view: Record<string, unknown> = {
    '@odata.etag': `W/"${event.changeKey}"`,
    id: event.id,
    createdDateTime: event.createdDateTime,
    lastModifiedDateTime: event.lastModifiedDateTime,
    changeKey: event.changeKey,
    categories: event.categories,
    transactionId: event.transactionId,
    originalStartTimeZone: event.originalStartTimeZone,
    originalEndTimeZone: event.originalEndTimeZone,
    iCalUId: event.iCalUId,
    reminderMinutesBeforeStart: event.reminderMinutesBeforeStart,
    isReminderOn: event.isReminderOn,
    hasAttachments: false,
    hideAttendees: event.hideAttendees,
    subject: event.subject,
    bodyPreview: previewOf(event.body.contentType, event.body.content),
    importance: event.importance,
    sensitivity: event.sensitivity,
    isAllDay: event.isAllDay,
    isCancelled: event.isCancelled,
    isDraft: false,
    isOrganizer,
    responseRequested: event.responseRequested,
    seriesMasterId: event.seriesMasterId,
    showAs: event.showAs,
    type: event.type,
    webLink: `https://outlook.office365.com/owa/?itemid=${encodeURIComponent(event.id)}&exvsurl=1&path=/calendar/item`,
    onlineMeetingUrl: null,
    isOnlineMeeting: false,
    onlineMeetingProvider: 'unknown',
    onlineMeeting: null,
    allowNewTimeProposals: event.allowNewTimeProposals,
    responseStatus: { response: isOrganizer ? 'organizer' : 'none', time: NO_RESPONSE_TIME },
    body: bodyView(event, options.preferences),
    start: timeView(event, 'start', options.preferences),
    end: timeView(event, 'end', options.preferences),
    location: locationView(event.location),
    locations: locationsView(event.location),
    recurrence: event.recurrence,
    attendees: event.attendees,
    organizer: event.organizer,
  };

  if (event.type === 'occurrence' || event.type === 'exception') {
    view.originalStart = event.originalStart;
  }
  return view;
}

/**
 * Timed events are converted to the preferred zone (UTC by default) and labelled with the zone name as the
 * client wrote it in `Prefer: outlook.timezone`.
 *
 * All-day events are floating dates. Graph returns them as midnight to midnight of the same dates, labelled
 * with the preferred zone and never shifted by the zone difference: an all-day day off created in
 * America/Sao_Paulo comes back as `2023-01-22T00:00:00` `UTC`, and one created at GMT+5 keeps its midnight
 * under `Prefer: outlook.timezone="America/Los_Angeles"`. The event resource documents the stored form: with
 * `isAllDay` true, start and end are midnight in one time zone.
 * Sources: https://github.com/microsoftgraph/msgraph-sdk-javascript/issues/1158 and
 * https://learn.microsoft.com/en-us/answers/questions/1382503/all-day-events-are-not-obeying-prefer-outlook-time
 */
function timeView(event: EventRecord, side: 'start' | 'end', preferences: Preferences): { dateTime: string; timeZone: string } {
  const label = preferences.timeZone?.label ?? 'UTC';
  if (event.isAllDay) {
    return { dateTime: event[side].dateTime, timeZone: label };
  }

  const ms = side === 'start' ? event.startMs : event.endMs;
  return { dateTime: wallTimeOf(ms, preferences.timeZone?.iana ?? 'UTC'), timeZone: label };
}

function bodyView(event: EventRecord, preferences: Preferences): EventRecord['body'] {
  const wanted = preferences.bodyContentType;
  if (wanted === 'text' && event.body.contentType === 'html') {
    return { contentType: 'text', content: htmlToText(event.body.content) };
  }

  if (wanted === 'html' && event.body.contentType === 'text') {
    return { contentType: 'html', content: textToHtml(event.body.content) };
  }

  return { ...event.body };
}

function locationView(location: Record<string, unknown>): Record<string, unknown> {
  const displayName = typeof location.displayName === 'string' ? location.displayName : '';
  if (displayName === '') {
    return { displayName: '', locationType: 'default', uniqueIdType: 'unknown', address: {}, coordinates: {} };
  }
  return { locationType: 'default', uniqueId: displayName, uniqueIdType: 'private', ...location, displayName };
}

function locationsView(location: Record<string, unknown>): Record<string, unknown>[] {
  const displayName = typeof location.displayName === 'string' ? location.displayName : '';
  return displayName === '' ? [] : [{ displayName, locationType: 'default', uniqueIdType: 'unknown' }];
}

function expandedProperties(event: EventRecord, wanted: readonly string[] | 'all' | null): { id: string; value: string }[] {
  if (wanted === null) {
    return [];
  }

  if (wanted === 'all') {
    return event.extendedProperties.map((property) => ({ ...property }));
  }

  const keys = new Set(wanted.map(propertyKey));
  return event.extendedProperties.filter((property) => keys.has(propertyKey(property.id))).map((property) => ({ ...property }));
}
