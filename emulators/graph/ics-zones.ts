/**
 * TZID resolution and wall-time/instant conversion for the .ics importer.
 *
 * A TZID resolves, in this order, through: a VTIMEZONE in the file (its rules decide the instant), an IANA name,
 * a Windows name (CLDR mapping via windows-iana), a vendor-prefixed IANA name (`/mozilla.org/20070129_1/...`),
 * an Outlook display name (`(UTC-05:00) Eastern Time (US & Canada)`). Quotes and backslash escapes are removed
 * first. An empty TZID is floating time; an unknown name without a VTIMEZONE is floating time with a warning.
 */
import ICAL from 'ical.js';
import { DateTime, IANAZone } from 'luxon';
import { findIana } from 'windows-iana';
import type { LocalDateTime } from './ics-time.ts';
import { windowsIdForDisplayName } from './ics-windows-display-names.ts';

export interface ResolvedZone {
  /** IANA name (or `UTC`) the seed is written in; null when the zone is known only from a VTIMEZONE. */
  iana: string | null;
  /** Windows zone id when the file named the zone the Windows way (id or display name). */
  windows: string | null;
  /** The file's own definition; when present it decides every instant. */
  vtimezone: ICAL.Timezone | null;
  /** The name is in neither the file nor any table, so times are read as floating. */
  unknown: boolean;
  name: string;
}

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;

export class ZoneResolver {
  readonly #definitions = new Map<string, ICAL.Timezone>();
  readonly #cache = new Map<string, ResolvedZone>();
  readonly #floating: ResolvedZone;
  readonly #utc: ResolvedZone = { iana: 'UTC', windows: null, vtimezone: null, unknown: false, name: 'UTC' };

  constructor(vtimezones: ICAL.Component[], defaultTimeZone: string) {
    for (const component of vtimezones) {
      const key = tzidKey(String(component.getFirstPropertyValue('tzid') ?? ''));
      if (key !== '' && !this.#definitions.has(key)) {
        this.#definitions.set(key, new ICAL.Timezone(component));
      }
    }
    this.#floating = { iana: canonicalIana(defaultTimeZone) ?? 'UTC', windows: null, vtimezone: null, unknown: false, name: defaultTimeZone };
  }

  get utc(): ResolvedZone {
    return this.#utc;
  }

  get floating(): ResolvedZone {
    return this.#floating;
  }

  resolve(tzid: string | null, utc: boolean): ResolvedZone {
    if (utc) return this.#utc;

    const key = tzidKey(tzid ?? '');
    if (key === '') return this.#floating;

    const cached = this.#cache.get(key);
    if (cached) return cached;

    const resolved = this.#resolveName(key);
    this.#cache.set(key, resolved);
    return resolved;
  }

  #resolveName(key: string): ResolvedZone {
    const vtimezone = this.#definitions.get(key) ?? null;
    const named = resolveWithoutDefinition(key);
    if (named) return { ...named, vtimezone, unknown: false, name: key };
    if (vtimezone) return { iana: null, windows: null, vtimezone, unknown: false, name: key };
    return { ...this.#floating, unknown: true, name: key };
  }
}

/** Normalize a TZID for lookup: remove quotes, backslash escapes and surrounding blanks. */
export function tzidKey(tzid: string): string {
  return tzid
    .trim()
    .replace(/^"(.*)"$/, '$1')
    .replace(/\\([,;\\])/g, '$1')
    .trim()
    .normalize('NFC');
}

function resolveWithoutDefinition(key: string): { iana: string; windows: string | null } | null {
  const iana = canonicalIana(key);
  if (iana) return { iana, windows: null };

  const fromWindows = findIana(key)?.[0];
  if (fromWindows) return { iana: canonicalIana(fromWindows) ?? fromWindows, windows: key };

  const prefixed = ianaFromVendorPrefix(key);
  if (prefixed) return { iana: prefixed, windows: null };

  const windowsId = windowsIdForDisplayName(key);
  const fromDisplay = windowsId ? findIana(windowsId)?.[0] : undefined;
  if (windowsId && fromDisplay) return { iana: canonicalIana(fromDisplay) ?? fromDisplay, windows: windowsId };

  return null;
}

// Lightning, Evolution and libical prefix an Olson name with a vendor path; the longest valid tail is the zone.
function ianaFromVendorPrefix(key: string): string | null {
  if (!key.startsWith('/')) return null;

  const parts = key.split('/').filter((part) => part !== '');
  for (let take = parts.length - 1; take >= 1; take -= 1) {
    const candidate = canonicalIana(parts.slice(parts.length - take).join('/'));
    if (candidate && candidate.includes('/')) return candidate;
  }
  return null;
}

function canonicalIana(name: string): string | null {
  if (/^(utc|gmt|etc\/utc|etc\/gmt|z|zulu)$/i.test(name)) return 'UTC';
  if (!/^[A-Za-z][A-Za-z0-9_+\-/]*$/.test(name) || !IANAZone.isValidZone(name)) return null;

  try {
    return new Intl.DateTimeFormat('en-US', { timeZone: name }).resolvedOptions().timeZone;
  } catch {
    return null;
  }
}

/**
 * Convert a wall time in a zone to its instant, as RFC 5545 section 3.3.5 prescribes. An ambiguous wall time
 * (clocks going back) is its first occurrence. A wall time in a gap (clocks going forward) uses the offset before it.
 */
export function toInstant(local: LocalDateTime, zone: ResolvedZone): number {
  const wall = Date.UTC(local.year, local.month - 1, local.day, local.hour, local.minute, local.second);
  const before = offsetAt(wall - 2 * DAY_MS, zone);
  const after = offsetAt(wall + 2 * DAY_MS, zone);
  const candidates = [...new Set([before, after])]
    .map((offset) => wall - offset)
    .filter((instant) => wall - instant === offsetAt(instant, zone));

  if (candidates.length > 0) return Math.min(...candidates);
  return wall - before;
}

/** Convert an instant to wall time in the zone the seed is written in (its IANA zone, else UTC). */
export function toWallTime(instant: number, zone: ResolvedZone): LocalDateTime {
  const wall = DateTime.fromMillis(instant, { zone: zone.iana ?? 'UTC' });
  return { year: wall.year, month: wall.month, day: wall.day, hour: wall.hour, minute: wall.minute, second: wall.second, isDate: false };
}

/** UTC offset in milliseconds at an instant: the file's VTIMEZONE when there is one, else the IANA database. */
function offsetAt(instant: number, zone: ResolvedZone): number {
  if (zone.vtimezone) return vtimezoneOffsetAt(instant, zone.vtimezone);
  return DateTime.fromMillis(instant, { zone: zone.iana ?? 'UTC' }).offset * 60_000;
}

interface TimezoneChange {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
  utcOffset: number;
  prevUtcOffset: number;
}

// ical.js converts local times only, so the offset at an instant comes from its change list of UTC transition times.
function vtimezoneOffsetAt(instant: number, timezone: ICAL.Timezone): number {
  const year = new Date(instant).getUTCFullYear();
  timezone._ensureCoverage(year + 1);
  const changes = timezone.changes as TimezoneChange[];
  if (changes.length === 0) return 0;

  let offset = (changes[0]?.prevUtcOffset ?? changes[0]?.utcOffset ?? 0) * 1000;
  for (const change of changes) {
    const at = Date.UTC(change.year, change.month - 1, change.day, change.hour, change.minute, change.second);
    if (at > instant) break;
    offset = change.utcOffset * 1000;
  }
  return offset;
}
