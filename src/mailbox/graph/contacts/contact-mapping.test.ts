import { describe, expect, it } from 'vitest';
import type { MailboxContact } from '../../../domain/contact.ts';
import { corpusJson } from '../fake-graph.test-support.ts';
import { SYNC_ID_PROPERTY_ID } from '../sync-id-property.ts';
import { contactSnapshot } from './contact-from-graph.ts';
import { contactCreateBody, contactPatchBody } from './contact-to-graph.ts';
import type { GraphContact } from './graph-contact-types.ts';

const CONTACT: MailboxContact = {
  givenName: 'Ada',
  surname: 'Quill',
  salutation: null,
  emails: ['ada@example.com'],
  phones: { business: null, mobile: null, home: '+1 555 0100', businessFax: null },
  companyName: null,
  jobTitle: null,
  department: null,
  businessAddress: null,
  homeAddress: { street: '1 Main St', city: 'Springfield', state: null, postalCode: null, country: null },
  notes: null,
  birthday: '1990-02-01',
  categories: [],
};

describe('contact mapping', () => {
  it('reads the documented contact', () => {
    const documented = corpusJson<GraphContact>('graph-contact.json');

    const snapshot = contactSnapshot(documented, 'Europe/Berlin');

    expect(snapshot.version).toBe('EQAAABYAAACd9nJ/tVysQos2hTfspaWRAAADTIa4');
    expect(snapshot.syncId).toBeNull();
    expect(snapshot.item).toMatchObject({
      givenName: 'Tobin',
      surname: 'Veld',
      emails: ['tobin@a830edad9050849NDA1.onmicrosoft.com'],
      phones: { business: '+1 918 555 0101', mobile: null, home: null, businessFax: null },
      businessAddress: { street: '10 Contoso Way', city: 'Redmond', state: 'WA', postalCode: '98075', country: 'USA' },
      homeAddress: null,
      birthday: '1974-07-22',
    });
  });

  it('reads the sync id and fax', () => {
    const contact: GraphContact = {
      id: 'AAMkA2',
      singleValueExtendedProperties: [
        { id: SYNC_ID_PROPERTY_ID.toUpperCase(), value: 'S-7' },
        { id: 'String 0x3a24', value: '+49 30 99' },
      ],
      personalNotes: 'Line one\r\nLine two\r\n',
    };

    const snapshot = contactSnapshot(contact, 'UTC');

    expect(snapshot.syncId).toBe('S-7');
    expect(snapshot.item.phones.businessFax).toBe('+49 30 99');
    expect(snapshot.item.notes).toBe('Line one\nLine two');
  });

  it('creates without an empty fax', () => {
    const body = contactCreateBody(CONTACT, 'S-2');

    expect(body.singleValueExtendedProperties).toEqual([{ id: SYNC_ID_PROPERTY_ID, value: 'S-2' }]);
    expect(body.birthday).toBe('1990-02-01T11:59:00Z');
    expect(body.homePhones).toEqual(['+1 555 0100']);
    expect(body.businessPhones).toEqual([]);
    expect(body.homeAddress).toEqual({ street: '1 Main St', city: 'Springfield', state: null, postalCode: null, countryOrRegion: null });
  });

  it('writes only the patched fields', () => {
    expect(contactPatchBody({ jobTitle: 'CFO' })).toEqual({ body: { jobTitle: 'CFO' }, skipped: [] });
    expect(contactPatchBody({ phones: { ...CONTACT.phones, businessFax: null } }).body.singleValueExtendedProperties).toEqual([
      { id: 'String 0x3A24', value: '' },
    ]);
    expect(contactPatchBody({ emails: ['a@x.example', 'b@x.example', 'c@x.example', 'd@x.example'] })).toEqual({
      body: { emailAddresses: [{ address: 'a@x.example' }, { address: 'b@x.example' }, { address: 'c@x.example' }] },
      skipped: ['emails beyond the first 3'],
    });
  });
});
