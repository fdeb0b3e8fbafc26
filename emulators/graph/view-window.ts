import { GraphError } from './graph-error.ts';
import { instantOf } from './zones.ts';

interface ViewWindow {
  startMs: number;
  endMs: number;
}

/**
 * The `startDateTime`/`endDateTime` pair of a calendar view (names case-insensitive, as in the documented
 * `startdatetime=` request). A value without an offset is read as UTC.
 */
export function readWindow(query: ReadonlyMap<string, string>): ViewWindow {
  const start = query.get('startdatetime');
  const end = query.get('enddatetime');
  if (start === undefined || end === undefined) {
    throw new GraphError(
      400,
      'ErrorInvalidParameter',
      'This request needs a time window: send the query parameters startDateTime and endDateTime (ISO 8601).',
    );
  }

  const startMs = instantOf(start, 'UTC');
  const endMs = instantOf(end, 'UTC');
  if (startMs === null || endMs === null) {
    throw new GraphError(400, 'ErrorInvalidParameter', `Cannot read the window '${start}'..'${end}'; write ISO 8601 such as 2026-05-04T00:00:00Z.`);
  }

  if (endMs <= startMs) {
    throw new GraphError(400, 'ErrorInvalidParameter', `endDateTime '${end}' must be after startDateTime '${start}'.`);
  }
  return { startMs, endMs };
}
