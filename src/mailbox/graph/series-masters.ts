import type { SyncWindow } from '../../domain/connector.ts';
import { ConnectorError } from '../../domain/errors.ts';
import type { SeriesInstance, SeriesMaster } from '../../sync/series-mode-types.ts';
import { executeBatch, type BatchItem, type BatchOutcome } from './graph-batch.ts';
import { eventFromGraph } from './event-from-graph.ts';
import type { GraphEvent, GraphPage } from './graph-types.ts';
import type { SourceContext } from './source-context.ts';

interface GraphRecurrence {
  readonly pattern?: {
    readonly type?: string | null;
    readonly interval?: number | null;
    readonly month?: number | null;
    readonly dayOfMonth?: number | null;
    readonly daysOfWeek?: readonly string[] | null;
    readonly firstDayOfWeek?: string | null;
    readonly index?: string | null;
  } | null;
  readonly range?: {
    readonly type?: string | null;
    readonly endDate?: string | null;
    readonly numberOfOccurrences?: number | null;
  } | null;
}

const DAY_CODES: Readonly<Record<string, string>> = {
  sunday: 'SU', monday: 'MO', tuesday: 'TU', wednesday: 'WE', thursday: 'TH', friday: 'FR', saturday: 'SA',
};
const INDEX_POSITIONS: Readonly<Record<string, number>> = { first: 1, second: 2, third: 3, fourth: 4, last: -1 };
// Only what series mode reads, so a master with a long body or many attendees stays a small response.
const MASTER_SELECT = '$select=start,end,isAllDay,originalStartTimeZone,recurrence,type';

/**
 * Read series masters by id in `$batch` requests. A master that Graph does not find is left out, so its series stays
 * in occurrence mode.
 */
export async function readSeriesMasters(ctx: SourceContext, ids: readonly string[]): Promise<Map<string, SeriesMaster>> {
  const unique = [...new Set(ids)];
  const requests: BatchItem[] = unique.map((id, index) => ({
    id: String(index),
    method: 'GET',
    url: `${ctx.userPath}/events/${encodeURIComponent(id)}?${MASTER_SELECT}`,
    idempotent: true,
  }));
  const outcomes = unique.length === 0 ? new Map<string, BatchOutcome>() : await executeBatch(ctx.batch, requests);

  const found = new Map<string, SeriesMaster>();
  unique.forEach((id, index) => {
    const outcome = outcomes.get(String(index));
    if (outcome === undefined) {
      return;
    }
    if (!outcome.ok) {
      if (outcome.failure.kind === 'notFound' || outcome.failure.code === 'ErrorInvalidIdMalformed') {
        return;
      }
      throw new ConnectorError(outcome.failure);
    }
    const event = { ...(outcome.body as GraphEvent & { recurrence?: GraphRecurrence | null }), id };
    if (event.type !== 'seriesMaster') {
      return;
    }
    found.set(id, { rule: ruleOfGraphRecurrence(event.recurrence ?? null), first: eventFromGraph(event, ctx.mailboxTimeZone).span });
  });
  return found;
}

// What names an instance's slot, and what decides whether a session starts syncing it (privacy, selection, un-sync rules).
const INSTANCE_SELECT = 'id,start,end,isAllDay,originalStart,originalStartTimeZone,type,seriesMasterId,subject,sensitivity,categories,attendees,organizer,isCancelled';
const INSTANCES_PAGE_SIZE = 100;

/**
 * Return a series' live occurrences and exceptions inside the window, each with the original start the event source
 * gives it (`recurrence.originalStart`) and the event without its body. Return null when Graph no longer has the series.
 */
export async function readSeriesInstances(ctx: SourceContext, seriesId: string, window: SyncWindow): Promise<SeriesInstance[] | null> {
  const query = new URLSearchParams({ startDateTime: window.start, endDateTime: window.end, $select: INSTANCE_SELECT, $top: String(INSTANCES_PAGE_SIZE) });
  let url: string | undefined = `${ctx.baseUrl}${ctx.userPath}/events/${encodeURIComponent(seriesId)}/instances?${query.toString()}`;
  const instances: SeriesInstance[] = [];
  while (url !== undefined) {
    const response = await ctx.http.send({ method: 'GET', url, idempotent: true, label: 'series instances' });
    if (!response.ok) {
      if (response.failure.kind === 'notFound') {
        return null;
      }
      throw new ConnectorError(response.failure);
    }
    const page = (response.body ?? {}) as GraphPage<GraphEvent>;
    for (const instance of page.value ?? []) {
      const event = eventFromGraph(instance, ctx.mailboxTimeZone);
      const originalStart = event.recurrence?.originalStart;
      if (originalStart !== undefined) instances.push({ id: instance.id, originalStart, event });
    }
    url = page['@odata.nextLink'];
  }
  return instances;
}

/**
 * Translate Graph's `patternedRecurrence` into an RRULE. The range's `endDate` is a local date of the series'
 * zone, which an RRULE says with a date-only UNTIL. Returns null for a pattern type this code does not know.
 */
export function ruleOfGraphRecurrence(recurrence: GraphRecurrence | null): string | null {
  const pattern = recurrence?.pattern;
  if (!pattern?.type) {
    return null;
  }
  const parts: string[] = [];
  const interval = pattern.interval ?? 1;
  const days = (pattern.daysOfWeek ?? []).map((day) => DAY_CODES[day.toLowerCase()]).filter((code): code is string => code !== undefined);
  const position = INDEX_POSITIONS[(pattern.index ?? 'first').toLowerCase()];
  switch (pattern.type) {
    case 'daily':
      parts.push('FREQ=DAILY');
      break;
    case 'weekly':
      parts.push('FREQ=WEEKLY', `BYDAY=${days.join(',')}`);
      break;
    case 'absoluteMonthly': {
      const monthDay = monthDayParts(pattern.dayOfMonth ?? 1, null);
      if (monthDay === null) return null;
      parts.push('FREQ=MONTHLY', ...monthDay);
      break;
    }
    case 'relativeMonthly':
      parts.push('FREQ=MONTHLY', `BYDAY=${days.join(',')}`, `BYSETPOS=${position ?? 1}`);
      break;
    case 'absoluteYearly': {
      const monthDay = monthDayParts(pattern.dayOfMonth ?? 1, pattern.month ?? 1);
      if (monthDay === null) return null;
      parts.push('FREQ=YEARLY', `BYMONTH=${pattern.month ?? 1}`, ...monthDay);
      break;
    }
    case 'relativeYearly':
      parts.push('FREQ=YEARLY', `BYMONTH=${pattern.month ?? 1}`, `BYDAY=${days.join(',')}`, `BYSETPOS=${position ?? 1}`);
      break;
    default:
      return null;
  }
  if (days.length === 0 && parts.some((part) => part === 'BYDAY=')) {
    return null;
  }
  if (interval !== 1) {
    parts.push(`INTERVAL=${interval}`);
  }
  if (pattern.type === 'weekly' && pattern.firstDayOfWeek) {
    const start = DAY_CODES[pattern.firstDayOfWeek.toLowerCase()];
    if (start !== undefined) parts.push(`WKST=${start}`);
  }
  const range = recurrence?.range;
  if (range?.type === 'numbered' && (range.numberOfOccurrences ?? 0) > 0) {
    parts.push(`COUNT=${range.numberOfOccurrences}`);
  } else if (range?.type === 'endDate' && range.endDate) {
    parts.push(`UNTIL=${range.endDate.replaceAll('-', '')}`);
  }
  return `RRULE:${parts.join(';')}`;
}

/** The maximum and minimum number of days of each month, January first. */
const MONTH_DAYS_MAX = [31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
const MONTH_DAYS_MIN = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/**
 * Return the RRULE parts of Outlook's "day N of the month" (in `month`, for a yearly pattern), or null where no RRULE
 * that ical.js expands correctly has the same days. Exchange puts a day that a month lacks on the month's last day
 * (EWS reference, AbsoluteMonthlyRecurrence), whereas BYMONTHDAY=N skips that month, so day 31 becomes BYMONTHDAY=-1.
 * RFC 5545 expresses a monthly day 29 or 30 as BYMONTHDAY=28,...,N;BYSETPOS=-1, but ical.js, which counts series here
 * and generates them in the emulator, expands BYSETPOS over month days wrongly, so such a series gets no RRULE.
 */
function monthDayParts(day: number, month: number | null): string[] | null {
  const maxDays = month === null ? 31 : (MONTH_DAYS_MAX[month - 1] ?? 31);
  const minDays = month === null ? 28 : (MONTH_DAYS_MIN[month - 1] ?? 28);
  if (day <= minDays) {
    return [`BYMONTHDAY=${day}`];
  }
  return day >= maxDays ? ['BYMONTHDAY=-1'] : null;
}
