import { createHash } from 'node:crypto';

/**
 * Support for the corpus round trip through Radicale: splitting .ics files into CalDAV resources, and the
 * differences between the CalDAV and the Graph reading of the corpus that are known and explained.
 */

export interface IcsResource {
  readonly uid: string;
  readonly text: string;
}

/**
 * Split a file into one VCALENDAR per UID, as a CalDAV client stores it (RFC 4791 section 4.1): each with the
 * file's VTIMEZONEs and its METHOD. The lines are kept as written, folding included; a VEVENT without UID gets one
 * named after the file and its position, since a CalDAV server needs one.
 */
export function splitIcsByUid(text: string, file: string): IcsResource[] {
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/);
  const timezones: string[][] = [];
  const groups = new Map<string, { method: string | null; events: string[][] }>();
  let method: string | null = null;
  let block: string[] | null = null;
  let blockName = '';
  let ordinal = 0;

  for (const line of lines) {
    const upper = line.trim().toUpperCase();
    if (block === null) {
      if (upper === 'BEGIN:VCALENDAR') {
        method = null;
      } else if (upper.startsWith('METHOD:')) {
        method = line.trim().slice('METHOD:'.length);
      } else if (upper === 'BEGIN:VEVENT' || upper === 'BEGIN:VTIMEZONE') {
        block = [line.trim()];
        blockName = upper.slice('BEGIN:'.length);
      }
      continue;
    }

    block.push(line);
    if (upper !== `END:${blockName}`) {
      continue;
    }
    if (blockName === 'VTIMEZONE') {
      timezones.push(block);
    } else {
      const uid = uidOf(block) ?? importerUid(file, ordinal);
      if (uidOf(block) === null) {
        block.splice(1, 0, `UID:${uid}`);
      }
      ordinal += 1;
      const group = groups.get(uid) ?? { method, events: [] };
      group.events.push(block);
      groups.set(uid, group);
    }
    block = null;
  }

  return [...groups].map(([uid, group]) => ({
    uid,
    text: ['BEGIN:VCALENDAR', 'VERSION:2.0', 'PRODID:-//Syncline tests//Corpus//EN', ...(group.method ? [`METHOD:${group.method}`] : []), ...timezones.flat(), ...group.events.flat(), 'END:VCALENDAR', ''].join('\r\n'),
  }));
}

/**
 * Derive the UID the Graph emulator's importer gives a VEVENT without one (its position among the file's VEVENTs), so both
 * sides of the comparison name such an event alike.
 */
function importerUid(file: string, ordinal: number): string {
  return `syncline-import-${createHash('sha256').update(`${file}\u0000${ordinal}`).digest('hex').slice(0, 24)}`;
}

function uidOf(block: readonly string[]): string | null {
  const index = block.findIndex((line) => /^UID[;:]/i.test(line));
  if (index === -1) {
    return null;
  }
  let value = (block[index] as string).replace(/^UID[^:]*:/i, '');
  for (let next = index + 1; next < block.length && /^[ \t]/.test(block[next] as string); next += 1) {
    value += (block[next] as string).slice(1);
  }
  return value.trim() === '' ? null : value.trim();
}

/**
 * Resources (by UID) that Radicale 3.1 rejects with 400, per file, and the reason its log gives. Each breaks
 * RFC 5545 or RFC 4791 in a way a CalDAV client would have to repair before storing the event.
 */
export const RADICALE_REJECTS: Record<string, readonly string[]> = {
  // Continuation lines without leading white space: "Failed to parse line".
  'confluence-allday-long-vtimezone-broken-fold.ics': ['20211215T205931Z-1325586105@confluence.sd.apple.com'],
  // Two masters of one UID: "Overwritten recurrence with RRULESET".
  'duplicate-master-exdate-vs-modification.ics': ['111'],
  // Two masters of one UID: "Multiple main components".
  'duplicate-uid-sequence-ordering.ics': ['duplicate-sequence-test@node-ical.test', 'newer-wins-test@node-ical.test'],
  // A VTIMEZONE with an empty TZID: "mandatory TZID not found".
  'exchange-blank-tzid-attendees.ics': ['t21ocubdt9jagerldbkak7uhcg@google.com'],
  // RRULE BYDAY=MO, TU with spaces: "Invalid recurrence rules".
  'exchange-cdo-tzid-byday-with-spaces.ics': ['syncline-import-9fd709b35cc331613b1d9cec'],
  // The file's VTIMEZONE has no valid TZID: "VTIMEZONE components must contain a valid TZID".
  'exdate-plus-recurrence-id-dtend-before-dtstart.ics': ['0000001'],
  // RDATE 20131210Z is no DATE-TIME, and the sibling UID has overrides only: "Main component missing".
  'google-birthday-rdate-date-with-z.ics': ['2014_BIRTHDAY_79d389868f96182e@google.com', 'BIRTHDAY_79d389868f96182e@google.com'],
  // Several iTIP copies of one UID: "Multiple main components".
  'itip-stream-request-reply-cancel-counter.ics': ['calsrv.example.com-873970198738777@example.com', 'calsrv.example.com-873970198738785@example.com'],
  // The file's VTIMEZONE has no valid TZID.
  'mixed-tzid-dtstart-vs-exdate.ics': ['0000001'],
  // DTSTAMP 202103206T200210Z is no DATE-TIME.
  'ms-custom-tz-malformed-dtstamp-negative-duration.ics': ['*masked-away2*@google.com'],
  // TZID="W. Europe Standard Time:20200609T090000" swallows the value: "Failed to parse line".
  'outlook-exchange2010-windows-tzids.ics': ['040000008200E00074C5B7101A82E008000000008001F1896B63D3010000000000000000100000005D0552D848712746896D6C8E2E066560'],
  // An empty VTIMEZONE: "mandatory TZID not found".
  'zimbra-rdate-period-exdate-recurrence-ids.ics': ['623c13c0-6c2b-45d6-a12b-c33ad61c4868'],
};

/** Known differences between the CalDAV and the Graph reading, as `<uid> <field>` lines per file, with the cause. */
export const CORPUS_DIFFERENCES: Record<string, readonly string[]> = {
  // STATUS:CANCELLED stays in a CalDAV calendar and is read with isCancelled true; a Graph calendar view leaves
  // cancelled events out.
  'apple-status-tentative-cancelled-partstat.ics': ['8CAB46C5-669F-4249-B1AD-52BFA72F4E0A only in CalDAV'],
  // The SUMMARY has an unescaped comma, and Radicale stores only the text before it.
  'custom-tz-ambiguous-local-times.ics': ['2 subject', '3 subject'],
  // "(UTC-03:00) Brasília" names no IANA city, so the zone label falls back to the mailbox zone; the file's
  // VTIMEZONE still gives the same instants.
  'outlook-non-ascii-tzid-brasilia.ics': ['syncline-import-2fa56a988f0d6fad842c5edd span'],
  // The DESCRIPTION has an unescaped comma, and Radicale stores only the text before it.
  'recurrence-id-range-thisandfuture.ics': ['210 body'],
};
