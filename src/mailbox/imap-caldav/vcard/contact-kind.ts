import ICAL from 'ical.js';
import type { MailboxContact } from '../../../domain/contact.ts';
import { SYNC_ID_PROPERTY, type DavItem, type DavItemKind, type ResourceEdit } from '../dav/dav-kind.ts';
import type { DavResource } from '../dav/dav-reports.ts';
import { serialize } from '../ical/ical-write.ts';
import { readContact } from './contact-from-vcard.ts';
import { applyContactPatch } from './contact-to-vcard.ts';

/** Contacts as vCards (3.0 or 4.0) in a CardDAV address book, one contact per resource. */
export function contactKind(): DavItemKind<MailboxContact> {
  const itemOf = (resource: DavResource): DavItem<MailboxContact> => {
    const card = parseCard(resource);
    return { id: resource.href, ...readContact(card) };
  };

  return {
    label: 'contact',
    collectionType: 'addressbook',
    contentType: 'text/vcard; charset=utf-8',
    extension: '.vcf',
    itemsOf: (resource) => [itemOf(resource)],
    findItem: (resource, id) => (id === resource.href ? itemOf(resource) : null),
    createText: (contact, syncId) => {
      // vCard 3.0 is what every CardDAV server takes, iCloud included.
      const card = new ICAL.Component(['vcard', [['version', {}, 'text', '3.0']], []]);
      card.addPropertyWithValue('uid', `${syncId}@syncline`);
      card.addPropertyWithValue(SYNC_ID_PROPERTY, syncId);
      applyContactPatch(card, contact);
      return serialize(card);
    },
    patchResource: (resource, _id, patch): ResourceEdit => {
      const card = parseCard(resource);
      unescapeUriValues(card);
      applyContactPatch(card, patch);
      return { kind: 'put', text: serialize(card) };
    },
    deleteFromResource: () => ({ kind: 'delete' }),
  };
}

/** The first vCard of the resource; a resource may hold several, but CardDAV names one contact per resource. */
function parseCard(resource: DavResource): ICAL.Component {
  const parsed: unknown = ICAL.parse(resource.data);
  const first = Array.isArray(parsed) && Array.isArray(parsed[0]) ? parsed[0] : parsed;
  const card = new ICAL.Component(first as unknown[]);
  if (card.name !== 'vcard') {
    throw new Error(`${resource.href} holds no vCard`);
  }
  return card;
}


/**
 * Undo text escaping inside the URI values of a vCard 4.0 (PHOTO, URL, LOGO and the like). ical.js reads them as
 * text but unescapes only `\\`, `\,` and `\n`, so a `\;` that a client wrote stays in the value and gains one more
 * backslash on every write. A URI contains no escapes (RFC 6350 section 3.4), so `\;`, `\,` and `\\` become the
 * characters they stand for, and every later write gives the same text.
 */
export function unescapeUriValues(card: ICAL.Component): void {
  if (String(card.getFirstPropertyValue('version') ?? '') !== '4.0') {
    return;
  }
  for (const property of card.getAllProperties()) {
    const value: unknown = property.getFirstValue();
    if (property.type === 'uri' && typeof value === 'string' && /\\[\\;,]/.test(value)) {
      property.setValue(value.replace(/\\([\\;,])/g, '$1'));
    }
  }
}
