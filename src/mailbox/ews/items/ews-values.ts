import { DateTime } from 'luxon';
import { findWindows, WINDOWS_TO_IANA_MAP } from 'windows-iana';
import type { MailAddress } from '../../../domain/email-message.ts';
import { ConnectorError } from '../../../domain/errors.ts';
import { toIanaZone } from '../../../domain/time-zones.ts';
import { child, childText, children, type XmlNode } from '../soap/xml-tree.ts';
import { element, escapeXml, textElement } from '../soap/xml-write.ts';

/** Text of a child with surrounding white space removed; null when absent or empty. */
export function textOf(node: XmlNode, name: string): string | null {
  const value = childText(node, name)?.trim();
  return value === undefined || value === '' ? null : value;
}

export function booleanOf(node: XmlNode, name: string): boolean {
  return textOf(node, name)?.toLowerCase() === 'true';
}

/** An EWS `xs:dateTime` as an ISO instant with milliseconds, or null when absent or unreadable. */
export function instantOf(node: XmlNode, name: string): string | null {
  const value = textOf(node, name);
  const ms = value === null ? Number.NaN : Date.parse(value);
  return Number.isNaN(ms) ? null : new Date(ms).toISOString();
}

/** Body text: Exchange converts HTML when the shape asks for text; line ends are normalised and trailing space dropped. */
export function bodyTextOf(node: XmlNode): string | null {
  const body = childText(node, 'Body');
  if (body === null) {
    return null;
  }
  const text = body.replace(/\r\n?/g, '\n').trimEnd();
  return text === '' ? null : text;
}

export function categoriesOf(node: XmlNode): string[] {
  return children(child(node, 'Categories'), 'String')
    .map((entry) => entry.text)
    .filter((name) => name !== '');
}

/** A `t:Mailbox` as a person: Exchange repeats the address as the name when there is none, which is no name. */
export function mailboxOf(mailbox: XmlNode | null): MailAddress | null {
  if (mailbox === null) {
    return null;
  }
  const address = textOf(mailbox, 'EmailAddress');
  const name = textOf(mailbox, 'Name');
  if (address === null) {
    return null;
  }
  return { address, name: name !== null && name.toLowerCase() !== address.toLowerCase() ? name : null };
}

/** The IANA zone of a `t:StartTimeZone` (a Windows zone id), or null when it names no known zone. */
export function ianaZoneOf(timeZone: XmlNode | null): string | null {
  const id = timeZone?.attributes.Id;
  return id === undefined ? null : toIanaZone(id);
}

const windowsZones = new Map<string, string | null>();

/**
 * Return the Windows zone id Exchange stores for an IANA zone. A name missing from the CLDR table is tried under the
 * name the runtime's zone data gives it (Europe/Kyiv is Europe/Kiev there, Pacific/Kanton is Pacific/Enderbury).
 * Failing that, the table zone with the same UTC offset on every day from last year to three years ahead is used,
 * same region first (America/Ciudad_Juarez becomes Mountain Standard Time). A zone nothing matches throws
 * itemError, so an event is never stored in UTC in place of its zone.
 */
export function windowsZoneOf(ianaZone: string, field = 'span.timeZone'): string {
  if (ianaZone === 'UTC' || ianaZone === 'Etc/UTC') {
    return 'UTC';
  }
  if (!windowsZones.has(ianaZone)) {
    windowsZones.set(ianaZone, resolveWindowsZone(ianaZone));
  }
  const found = windowsZones.get(ianaZone) ?? null;
  if (found === null) {
    throw invalidValue(field, ianaZone, 'an IANA zone with a Windows zone in Exchange, such as Europe/Berlin');
  }
  return found;
}

function resolveWindowsZone(ianaZone: string): string | null {
  const direct = findWindows(ianaZone)?.[0];
  if (direct !== undefined) {
    return direct;
  }
  const canonical = runtimeZoneName(ianaZone);
  if (canonical === null) {
    return null;
  }
  const aliased = findWindows(canonical)?.[0];
  return aliased ?? windowsZoneWithSameOffsets(canonical);
}

/** Return the name the runtime's zone data (ICU) gives a zone, or null when the zone is unknown there. */
function runtimeZoneName(zone: string): string | null {
  try {
    return new Intl.DateTimeFormat('en-US', { timeZone: zone }).resolvedOptions().timeZone;
  } catch {
    return null;
  }
}

const DAY_MS = 86_400_000;

function windowsZoneWithSameOffsets(zone: string): string | null {
  const year = new Date().getUTCFullYear();
  const from = Date.UTC(year - 1, 0, 1);
  const days = Math.round((Date.UTC(year + 3, 0, 1) - from) / DAY_MS);
  const samples = Array.from({ length: days }, (_, day) => from + day * DAY_MS + 12 * 3_600_000);
  const offsets = samples.map((ms) => offsetMinutes(zone, ms));

  const region = zone.split('/')[0];
  const entries = [...WINDOWS_TO_IANA_MAP].sort((a, b) => Number(regionOf(b) === region) - Number(regionOf(a) === region));
  for (const entry of entries) {
    const candidate = entry.iana[0];
    if (candidate === undefined || runtimeZoneName(candidate) === null) {
      continue;
    }
    if (samples.every((ms, index) => offsetMinutes(candidate, ms) === offsets[index])) {
      return entry.windowsName;
    }
  }
  return null;
}

function regionOf(entry: { readonly iana: readonly string[] }): string | undefined {
  return entry.iana[0]?.split('/')[0];
}

function offsetMinutes(zone: string, ms: number): number {
  return DateTime.fromMillis(ms, { zone }).offset;
}

/** An instant as EWS `xs:dateTime` in UTC. */
export function ewsDateTime(instant: string, field: string): string {
  const parsed = DateTime.fromISO(instant, { zone: 'UTC' });
  if (!parsed.isValid) {
    throw invalidValue(field, instant, 'an ISO instant such as 2026-05-04T13:00:00Z');
  }
  return parsed.toUTC().toISO({ suppressMilliseconds: true }) as string;
}

/** Midnight of `date` in `zone`, as EWS `xs:dateTime` in UTC: how Exchange stores a date-only value (task dates, all-day bounds). */
export function midnightIn(date: string, zone: string, field: string): string {
  const parsed = DateTime.fromISO(date, { zone });
  if (!/^\d{4}-\d{2}-\d{2}$/.test(date) || !parsed.isValid) {
    throw invalidValue(field, date, 'a date such as 2026-06-12');
  }
  return parsed.startOf('day').toUTC().toISO({ suppressMilliseconds: true }) as string;
}

/** The calendar date in `zone` of an EWS date-time, or null. */
export function dateIn(node: XmlNode, name: string, zone: string): string | null {
  const instant = instantOf(node, name);
  return instant === null ? null : (DateTime.fromISO(instant, { zone: 'UTC' }).setZone(zone).toISODate() as string);
}

export function invalidValue(field: string, value: string, expected: string): ConnectorError {
  return new ConnectorError({ kind: 'itemError', code: 'InvalidItemValue', message: `${field} "${value}" cannot be written to Exchange: expected ${expected}` });
}

export function stringsXml(name: string, values: readonly string[]): string {
  return element(name, {}, ...values.map((value) => textElement('t:String', value)));
}

/** `<t:SetItemField>` for one property path, with the item element holding the new value. */
export function setItemField(fieldUri: string, itemElement: string, valueXml: string): string {
  return element('t:SetItemField', {}, element('t:FieldURI', { FieldURI: fieldUri }), element(itemElement, {}, valueXml));
}

export function deleteItemField(fieldUri: string): string {
  return element('t:DeleteItemField', {}, element('t:FieldURI', { FieldURI: fieldUri }));
}

/** Set or clear an indexed property (one email address, phone number or address part of a contact). */
export function setIndexedField(fieldUri: string, index: string, itemElement: string, valueXml: string): string {
  return element('t:SetItemField', {}, element('t:IndexedFieldURI', { FieldURI: fieldUri, FieldIndex: index }), element(itemElement, {}, valueXml));
}

export function deleteIndexedField(fieldUri: string, index: string): string {
  return element('t:DeleteItemField', {}, element('t:IndexedFieldURI', { FieldURI: fieldUri, FieldIndex: index }));
}

export function setExtendedField(fieldUriXml: string, itemElement: string, value: string): string {
  return element('t:SetItemField', {}, fieldUriXml, element(itemElement, {}, element('t:ExtendedProperty', {}, fieldUriXml, textElement('t:Value', value))));
}

export function deleteExtendedField(fieldUriXml: string): string {
  return element('t:DeleteItemField', {}, fieldUriXml);
}

export function bodyXml(text: string): string {
  return element('t:Body', { BodyType: 'Text' }, escapeXml(text));
}

export function oneOf<T extends string>(allowed: Readonly<Record<string, T>>, value: string | null, fallback: T): T {
  return value !== null && value in allowed ? (allowed[value] as T) : fallback;
}

/** Invert a value table, for writing back what `oneOf` reads. */
export function inverse<T extends string>(table: Readonly<Record<string, T>>): Record<T, string> {
  return Object.fromEntries(Object.entries(table).map(([ews, canonical]) => [canonical, ews])) as Record<T, string>;
}
