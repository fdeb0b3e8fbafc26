/**
 * Lenient reading of iCalendar text into top-level component blocks, the way Outlook accepts files that
 * RFC 5545 parsers reject. Accepted: a BOM, whitespace before BEGIN, blank lines, TAB folds, continuation lines
 * that lost their leading space, bare VEVENTs without VCALENDAR, several VCALENDARs and junk after the end.
 */

/** One top-level component (VEVENT, VTIMEZONE, ...) with the METHOD of the calendar it came from. */
export interface IcsBlock {
  name: string;
  /** Unfolded content lines from BEGIN to END, nested components included. */
  lines: string[];
  method: string | null;
}

export interface IcsCalendarText {
  blocks: IcsBlock[];
  /** X-WR-TIMEZONE of the first calendar that names one; calendar clients use it as the calendar's zone. */
  calendarZone: string | null;
}

const PROPERTY_START = /^[A-Za-z][A-Za-z0-9-]*[;:]/;

export function readCalendarText(text: string): IcsCalendarText {
  const lines = repairLines(unfoldLenient(text));
  return splitBlocks(lines);
}

/** Unfold content lines; a line that cannot start a property is taken as a fold whose leading space was lost. */
export function unfoldLenient(text: string): string[] {
  const physical = text.replace(/^\uFEFF/, '').split(/\r\n|\r|\n/);
  const logical: string[] = [];

  for (const line of physical) {
    if (line.trim() === '') {
      continue;
    }

    const last = logical.length - 1;
    if (last < 0) {
      logical.push(line.trimStart());
      continue;
    }

    if (line.startsWith(' ') || line.startsWith('\t')) {
      logical[last] += line.slice(1);
      continue;
    }

    if (!PROPERTY_START.test(line)) {
      logical[last] += line;
      continue;
    }

    logical.push(line);
  }

  return logical;
}

function repairLines(lines: string[]): string[] {
  return lines.map((line) => {
    // Exchange 2010 sometimes closes the TZID quote after the value: TZID="W. Europe Standard Time:20200609T090000".
    const swallowed = /^([A-Z-]+(?:;[^:"]*)*;TZID=)"([^":]*):(\d{8}(?:T\d{6}Z?)?)"$/i.exec(line);
    if (swallowed) {
      return `${swallowed[1]}"${swallowed[2]}":${swallowed[3]}`;
    }

    // CDO writes BYDAY=MO, TU, WE with spaces, which no RRULE grammar allows.
    if (/^(RRULE|EXRULE)[;:]/i.test(line)) {
      return line.replace(/\s+/g, '');
    }

    // Google's birthday feed writes RDATE:20131210Z, a DATE with a UTC marker; the marker means nothing on a date.
    const dateWithZ = /^(RDATE|EXDATE)((?:;[^:]*)?):((?:\d{8}Z,?)+)$/i.exec(line);
    if (dateWithZ && !/VALUE=/i.test(dateWithZ[2] ?? '')) {
      return `${dateWithZ[1]}${dateWithZ[2]};VALUE=DATE:${(dateWithZ[3] ?? '').replace(/Z/g, '')}`;
    }

    return line;
  });
}

function splitBlocks(lines: string[]): IcsCalendarText {
  const blocks: IcsBlock[] = [];
  let calendarZone: string | null = null;
  let method: string | null = null;
  let current: IcsBlock | null = null;
  let depth = 0;

  for (const line of lines) {
    const begin = /^BEGIN:(.+)$/i.exec(line.trim());
    const end = /^END:(.+)$/i.exec(line.trim());

    if (current) {
      current.lines.push(line);
      if (begin) depth += 1;
      if (end) depth -= 1;
      if (depth === 0) {
        blocks.push(current);
        current = null;
      }
      continue;
    }

    if (begin) {
      const name = (begin[1] ?? '').toUpperCase();
      if (name === 'VCALENDAR') {
        method = null;
        continue;
      }
      current = { name, lines: [line], method };
      depth = 1;
      continue;
    }

    // Calendar-level properties; lines after END:VCALENDAR land here too and only METHOD/X-WR-TIMEZONE matter.
    const property = /^(METHOD|X-WR-TIMEZONE)(?:;[^:]*)?:(.*)$/i.exec(line);
    if (property?.[1]?.toUpperCase() === 'METHOD') {
      method = (property[2] ?? '').trim().toUpperCase() || null;
    }
    if (property?.[1]?.toUpperCase() === 'X-WR-TIMEZONE' && calendarZone === null) {
      calendarZone = (property[2] ?? '').trim() || null;
    }
  }

  // A component still open at the end of the file lost its END line; keep what it has.
  if (current) {
    blocks.push({ ...current, lines: [...current.lines, `END:${current.name}`] });
  }

  return { blocks, calendarZone };
}
