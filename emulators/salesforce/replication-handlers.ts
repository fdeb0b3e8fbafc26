import { SfError } from './sf-error.ts';
import { formatDateTime, parseDateTime } from './sf-time.ts';
import { tableOf } from './sobject-handlers.ts';
import type { RestRequest, RestHandler } from './rest-types.ts';

const MINUTE_MS = 60_000;
/** Salesforce keeps deleted records in the recycle bin for 15 days; getDeleted cannot look further back. */
const RECYCLE_BIN_MS = 15 * 24 * 60 * MINUTE_MS;

/** `GET sobjects/{sobject}/updated/?start=&end=`: ids of records changed in the window (by SystemModstamp). */
export const updatedHandler: RestHandler = (request, context, params) => {
  const table = tableOf(context, params.sobject ?? '');
  const { start, end } = windowOf(request);
  const ids = [...table.all()]
    .filter((r) => r.IsDeleted !== true && inWindow(r.SystemModstamp, start, end))
    .map((r) => String(r.Id));
  return { status: 200, body: { ids, latestDateCovered: formatDateTime(end) } };
};

/** `GET sobjects/{sobject}/deleted/?start=&end=`: records deleted in the window, with their deletion time. */
export const deletedHandler: RestHandler = (request, context, params) => {
  const table = tableOf(context, params.sobject ?? '');
  const { start, end } = windowOf(request);
  const deletedRecords = [...table.all()]
    .filter((r) => r.IsDeleted === true && inWindow(r.SystemModstamp, start, end))
    .map((r) => ({ id: String(r.Id), deletedDate: String(r.SystemModstamp) }));
  const earliest = Math.floor((Date.now() - RECYCLE_BIN_MS) / MINUTE_MS) * MINUTE_MS;
  return {
    status: 200,
    body: { deletedRecords, earliestDateAvailable: formatDateTime(earliest), latestDateCovered: formatDateTime(end) },
  };
};

/** Reads start and end; Salesforce covers whole minutes, so the end is cut to the minute. */
function windowOf(request: RestRequest): { start: number; end: number } {
  const start = parseDateTime(request.query.get('start') ?? '');
  const end = parseDateTime(request.query.get('end') ?? '');
  if (start === null || end === null || end < start) {
    throw new SfError(400, 'INVALID_REPLICATION_DATE',
      'start and end must be ISO datetimes (e.g. 2026-05-04T13:00:00Z) with start before end');
  }
  return { start, end: Math.floor(end / MINUTE_MS) * MINUTE_MS };
}

function inWindow(stamp: unknown, start: number, end: number): boolean {
  const ms = typeof stamp === 'string' ? parseDateTime(stamp) : null;
  return ms !== null && ms >= start && ms < end;
}
