import { DateTime } from 'luxon';
import { findWindows } from 'windows-iana';
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

/** The Windows zone id Exchange stores for an IANA zone; `UTC` for UTC and for zones without a Windows counterpart. */
export function windowsZoneOf(ianaZone: string): string {
  if (ianaZone === 'UTC') {
    return 'UTC';
  }
  return findWindows(ianaZone)?.[0] ?? 'UTC';
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
