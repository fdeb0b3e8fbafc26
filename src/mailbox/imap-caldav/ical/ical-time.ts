import ICAL from 'ical.js';
import { DateTime, IANAZone } from 'luxon';
import { findIana, findWindows } from 'windows-iana';

/** A DATE or DATE-TIME as written, before any zone is applied. */
export interface WallTime {
  readonly year: number;
  readonly month: number;
  readonly day: number;
  readonly hour: number;
  readonly minute: number;
  readonly second: number;
}

export interface TimeValue {
  readonly wall: WallTime;
  readonly isDate: boolean;
  /** The `Z` form. */
  readonly utc: boolean;
  /** TZID as written, or null. */
  readonly tzid: string | null;
}

/** How a TZID is turned into instants: the resource's own VTIMEZONE wins, else an IANA zone. */
export interface Zone {
  /** IANA name used as the event's zone; null when only the resource's VTIMEZONE knows the zone. */
  readonly iana: string | null;
  readonly definition: ICAL.Timezone | null;
}

const JCAL_TIME = /^(\d{4})-(\d{2})-(\d{2})(?:T(\d{2}):(\d{2}):(\d{2})(Z)?)?$/;

/** Read a DATE or DATE-TIME property; null when it is missing or malformed. */
export function timeValueOf(property: ICAL.Property | null): TimeValue | null {
  if (property === null) {
    return null;
  }
  return parseTimeValue(property.toJSON()[3], tzidOf(property));
}

export function parseTimeValue(raw: unknown, tzid: string | null): TimeValue | null {
  const match = typeof raw === 'string' ? JCAL_TIME.exec(raw) : null;
  if (match === null) {
    return null;
  }

  const [year, month, day, hour, minute, second] = match.slice(1, 7).map((part) => Number(part ?? 0)) as [number, number, number, number, number, number];
  if (month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59 || second > 60) {
    return null;
  }
  return { wall: { year, month, day, hour, minute, second: Math.min(second, 59) }, isDate: match[4] === undefined, utc: match[7] === 'Z', tzid: match[7] === 'Z' ? null : tzid };
}

export function tzidOf(property: ICAL.Property): string | null {
  const value: unknown = property.getParameter('tzid');
  if (typeof value === 'string') {
    return value;
  }
  return Array.isArray(value) ? value.join(',') : null;
}

/**
 * Resolves the TZIDs of one calendar resource: its VTIMEZONE definitions first (they decide instants), then IANA
 * names, Windows names (CLDR table) and vendor-prefixed IANA names (`/mozilla.org/20070129_1/Europe/Berlin`).
 * Floating times and unknown names without a definition are read in the mailbox zone.
 */
export class ZoneResolver {
  readonly #definitions = new Map<string, ICAL.Timezone>();
  readonly #cache = new Map<string, Zone>();

  constructor(
    calendar: ICAL.Component,
    readonly mailboxZone: string,
  ) {
    for (const component of calendar.getAllSubcomponents('vtimezone')) {
      const key = tzidKey(String(component.getFirstPropertyValue('tzid') ?? ''));
      if (!this.#definitions.has(key)) {
        this.#definitions.set(key, new ICAL.Timezone(component));
      }
    }
  }

  zoneOf(value: TimeValue): Zone {
    if (value.utc) {
      return { iana: 'UTC', definition: null };
    }

    const key = tzidKey(value.tzid ?? '');
    if (key === '') {
      return { iana: this.mailboxZone, definition: null };
    }
    const cached = this.#cache.get(key);
    if (cached !== undefined) {
      return cached;
    }

    const zone: Zone = { iana: ianaOf(key) ?? (this.#definitions.has(key) ? null : this.mailboxZone), definition: this.#definitions.get(key) ?? null };
    this.#cache.set(key, zone);
    return zone;
  }

  /** The instant of a DATE-TIME in ms; a DATE counts as midnight of its zone. */
  instantOf(value: TimeValue): number {
    return wallToInstant(value.wall, this.zoneOf(value));
  }
}

/** Remove quotes, backslash escapes and surrounding blanks from a TZID before looking it up. */
function tzidKey(tzid: string): string {
  return tzid
    .trim()
    .replace(/^"(.*)"$/, '$1')
    .replace(/\\([,;\\])/g, '$1')
    .trim()
    .normalize('NFC');
}

function ianaOf(key: string): string | null {
  const direct = canonicalIana(key);
  if (direct !== null) {
    return direct;
  }
  const windows = findIana(key)?.[0];
  if (windows !== undefined) {
    return canonicalIana(windows) ?? windows;
  }
  if (key.startsWith('/')) {
    const parts = key.split('/').filter((part) => part !== '');
    for (let take = parts.length - 1; take >= 1; take -= 1) {
      const candidate = canonicalIana(parts.slice(parts.length - take).join('/'));
      if (candidate !== null && candidate.includes('/')) {
        return candidate;
      }
    }
  }
  return ianaOfDisplayName(key);
}

/** Outlook display names of the North American zones, which name no city. */
const REGION_DISPLAY_NAMES: Record<string, string> = {
  'eastern time (us & canada)': 'America/New_York',
  'central time (us & canada)': 'America/Chicago',
  'mountain time (us & canada)': 'America/Denver',
  'pacific time (us & canada)': 'America/Los_Angeles',
};

/**
 * The zone an Outlook display name such as `(UTC+10:00) Canberra, Melbourne, Sydney` means: one of its cities that
 * names an IANA zone, or a North American region. Outlook Web App writes these as TZIDs without a VTIMEZONE.
 */
function ianaOfDisplayName(key: string): string | null {
  const label = key.replace(/^\((?:UTC|GMT)[^)]*\)\s*/i, '').trim().toLowerCase();
  const region = REGION_DISPLAY_NAMES[label];
  if (region !== undefined) {
    return region;
  }

  const cities = new Set(label.split(/\s*,\s*/).map((city) => city.normalize('NFD').replace(/[\u0300-\u036f]/g, '').replace(/\s+/g, '_')));
  const match = Intl.supportedValuesOf('timeZone').find((zone) => cities.has((zone.split('/').at(-1) ?? '').toLowerCase()));
  if (match === undefined) {
    return null;
  }
  // Several cities name one Windows zone; its primary IANA zone in the CLDR table is the one Outlook means.
  const windows = findWindows(match)[0];
  return (windows === undefined ? undefined : findIana(windows)[0]) ?? match;
}

function canonicalIana(name: string): string | null {
  if (/^(utc|gmt|etc\/utc|etc\/gmt|z|zulu)$/i.test(name)) {
    return 'UTC';
  }
  if (!/^[A-Za-z][A-Za-z0-9_+\-/]*$/.test(name) || !IANAZone.isValidZone(name)) {
    return null;
  }
  return new Intl.DateTimeFormat('en-US', { timeZone: name }).resolvedOptions().timeZone;
}

/**
 * The instant of a wall time in a zone (RFC 5545 section 3.3.5): an ambiguous time (clocks going back) is its first
 * occurrence, a time in a gap (clocks going forward) uses the offset before the gap.
 */
export function wallToInstant(wall: WallTime, zone: Zone): number {
  const asUtc = Date.UTC(wall.year, wall.month - 1, wall.day, wall.hour, wall.minute, wall.second);
  const day = 86_400_000;
  const before = offsetAt(asUtc - day, zone);
  const after = offsetAt(asUtc + day, zone);
  const candidates = [...new Set([before, after])].map((offset) => asUtc - offset).filter((instant) => asUtc - instant === offsetAt(instant, zone));
  return candidates.length > 0 ? Math.min(...candidates) : asUtc - before;
}

/** The wall time of an instant in an IANA zone. */
export function instantToWall(instant: number, iana: string): WallTime {
  const local = DateTime.fromMillis(instant, { zone: iana });
  return { year: local.year, month: local.month, day: local.day, hour: local.hour, minute: local.minute, second: local.second };
}

/** UTC offset in ms at an instant: the VTIMEZONE's when there is one, else the IANA database's. */
function offsetAt(instant: number, zone: Zone): number {
  if (zone.definition !== null) {
    return definitionOffsetAt(instant, zone.definition);
  }
  return DateTime.fromMillis(instant, { zone: zone.iana ?? 'UTC' }).offset * 60_000;
}

/** One transition in ical.js's `Timezone.changes`, its wall fields in UTC and its offsets in seconds. */
interface ZoneChange extends WallTime {
  readonly utcOffset: number;
  readonly prevUtcOffset?: number;
}

// ical.js converts wall times only; the offset at an instant comes from its list of transitions, kept in UTC.
function definitionOffsetAt(instant: number, definition: ICAL.Timezone): number {
  const year = new Date(instant).getUTCFullYear();
  (definition as unknown as { _ensureCoverage(year: number): void })._ensureCoverage(year + 1);
  const changes = (definition as unknown as { changes: ZoneChange[] }).changes;
  if (changes.length === 0) {
    return 0;
  }

  let offset = (changes[0]?.prevUtcOffset ?? changes[0]?.utcOffset ?? 0) * 1000;
  for (const change of changes) {
    const at = Date.UTC(change.year, change.month - 1, change.day, change.hour, change.minute, change.second);
    if (at > instant) {
      break;
    }
    offset = change.utcOffset * 1000;
  }
  return offset;
}

export function formatDate(wall: WallTime): string {
  return `${pad(wall.year, 4)}-${pad(wall.month)}-${pad(wall.day)}`;
}

export function addDays(wall: WallTime, days: number): WallTime {
  const date = new Date(Date.UTC(wall.year, wall.month - 1, wall.day + days));
  return { year: date.getUTCFullYear(), month: date.getUTCMonth() + 1, day: date.getUTCDate(), hour: 0, minute: 0, second: 0 };
}

export function dateId(wall: WallTime): number {
  return Date.UTC(wall.year, wall.month - 1, wall.day);
}

function pad(value: number, width = 2): string {
  return String(value).padStart(width, '0');
}
