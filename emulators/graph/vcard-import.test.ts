import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { corpusApiDir } from './test-client.ts';
import { importVcards } from './vcard-import.ts';

/** vCard import over the real-world cards of the shared corpus (vCard 2.1, 3.0 and 4.0 from several exporters). */
const vcfDir = path.resolve(corpusApiDir, '..', 'vcf');

function imported(file: string) {
  return importVcards(readFileSync(path.join(vcfDir, file), 'utf8'), file);
}

function onlyContact(file: string): Record<string, unknown> {
  const result = imported(file);
  expect(result.seeds).toHaveLength(1);
  return result.seeds[0]?.contact ?? {};
}

/** Email addresses found by scanning the raw lines, independent of ical.js: unfolded, after the last colon. */
function rawEmails(text: string): string[] {
  const unfolded = text.replace(/\r+\n/g, '\n').replace(/\n[ \t]/g, '');
  return unfolded
    .split('\n')
    .filter((line) => /^(item\d+\.)?EMAIL[;:]/i.test(line))
    .map((line) => line.slice(line.lastIndexOf(':') + 1).trim());
}

describe('vCard import', () => {
  it('reads every corpus file', () => {
    const files = readdirSync(vcfDir).filter((name) => name.endsWith('.vcf'));
    expect(files.length).toBeGreaterThanOrEqual(10);

    for (const file of files) {
      const result = imported(file);
      const raw = rawEmails(readFileSync(path.join(vcfDir, file), 'utf8'));
      const emails = result.seeds.flatMap((seed) => ((seed.contact.emailAddresses as { address: string }[] | undefined) ?? []).map((email) => email.address));

      expect([file, result.seeds.length]).toEqual([file, result.cards]);
      expect([file, emails.filter((email) => !raw.includes(email))]).toEqual([file, []]);
      expect([file, emails.length]).toEqual([file, Math.min(raw.length, 3 * result.cards)]);
    }
  });

  it('maps names, company and phones of a 3.0 card', () => {
    const contact = onlyContact('evolution-vcard30-couchdb-params.vcf');

    expect(contact).toMatchObject({
      surname: 'Doe',
      givenName: 'John',
      middleName: 'Richter, James',
      title: 'Mr.',
      generation: 'Sr.',
      displayName: 'Mr. John Richter, James Doe Sr.',
      companyName: 'IBM',
      department: 'Accounting, Dungeon',
      jobTitle: 'Money Counter',
      mobilePhone: '905-666-1234',
      businessPhones: ['905-555-1234'],
      birthday: '1980-03-22',
      categories: ['VIP'],
      homeAddress: { street: 'ASB-123\n15 Crescent moon drive', city: 'Albaney', state: 'New York', postalCode: '12345', countryOrRegion: 'United States of America' },
    });
    expect(String(contact.personalNotes)).toContain('SERVICES; LOSS OF USE, DATA, OR PROFITS; OR');
    expect(imported('evolution-vcard30-couchdb-params.vcf').seeds[0]?.uid).toBe('477343c8e6bf375a9bac1f96a5000837');
  });

  it('reads a 2.1 card with quoted-printable notes', () => {
    const result = imported('outlook2003-vcard21-qp-x509-key.vcf');
    const contact = result.seeds[0]?.contact ?? {};

    expect(result.warnings).toEqual([]);
    expect(contact).toMatchObject({
      surname: 'Doe',
      givenName: 'John',
      generation: 'III',
      companyName: 'Company, The',
      department: 'TheDepartment',
      personalNotes: 'This is the note field!!\nSecond line\n\nThird line is empty',
      businessPhones: ['BusinessPhone'],
      homePhones: ['HomePhone'],
      mobilePhone: 'MobilePhone',
      birthday: '1980-03-21',
      emailAddresses: [{ address: 'jdoe@hotmail.com', name: 'jdoe@hotmail.com' }],
      singleValueExtendedProperties: [{ id: 'String 0x3A24', value: 'BusinessFaxPhone' }],
      businessAddress: { street: 'TheOffice\n123 Main St', city: 'Austin', state: 'TX', postalCode: '12345', countryOrRegion: 'United States of America' },
    });
  });

  it('reads iOS cards with CR CR LF endings and item groups', () => {
    const contact = onlyContact('ios5-vcard30-photo-item-groups.vcf');

    expect(contact).toMatchObject({
      surname: 'Doe',
      emailAddresses: [{ address: 'john.doe@ibm.com', name: 'john.doe@ibm.com' }],
      mobilePhone: '905-555-1234',
      businessPhones: ['905-777-1234', '905-222-1234'],
      homeAddress: { street: 'Silicon Alley 5', city: 'New York' },
      businessAddress: { street: 'Street4\nBuilding 6\nFloor 8', postalCode: '12345', countryOrRegion: 'USA' },
      businessHomePage: 'http://www.ibm.com',
      birthday: '2012-06-06',
    });
    expect(JSON.stringify(contact)).not.toContain('\\r');
  });

  it('keeps three emails and reports the rest', () => {
    const result = imported('gmail-vcard30-many-typed-tel-email.vcf');
    const contact = result.seeds[0]?.contact ?? {};

    expect((contact.emailAddresses as unknown[]).length).toBe(3);
    expect(result.warnings.join('\n')).toContain('otheremail@example.com, customcategory@example.com were not imported');
    expect(result.warnings.join('\n')).toContain('5555551120');
    expect(contact.singleValueExtendedProperties).toEqual([{ id: 'String 0x3A24', value: '5555551118' }]);
    expect(contact.businessHomePage).toBe('http://www.example5.com');
  });

  it('puts the preferred email first', () => {
    const contact = onlyContact('vcard30-rfc2426-agent-repeated-props.vcf');

    expect((contact.emailAddresses as { address: string }[]).map((email) => email.address)).toEqual(['jane_doe@abc.com', 'jqpublic@xyz.dom1.com', 'jdoe@isp.net']);
    expect(contact.categories).toEqual(['TRAVEL AGENT', 'INTERNET', 'IETF', 'INDUSTRY', 'INFORMATION TECHNOLOGY']);
  });

  it('reports repeated names and birthdays', () => {
    const { warnings } = imported('vcard30-rfc2426-agent-repeated-props.vcf');

    expect(warnings).toEqual([
      'vcard30-rfc2426-agent-repeated-props.vcf: 2 N properties; the first is used',
      'vcard30-rfc2426-agent-repeated-props.vcf: 3 BDAY properties; the first is used',
    ]);
  });

  it('reads a 4.0 card and skips a birthday without year', () => {
    const result = imported('vcard40-all-properties.vcf');
    const contact = result.seeds[0]?.contact ?? {};

    expect(contact).toMatchObject({ surname: 'Stevenson', middleName: 'Philip Paul', generation: 'Jr. M.D. A.C.P.', homePhones: ['+33-01-23-45-67'] });
    expect(contact.birthday).toBeUndefined();
    expect(result.warnings).toEqual(['vcard40-all-properties.vcf: BDAY has no year (02-03); Outlook needs a full date, so no birthday imported']);
  });

  it("treats Apple's year 1604 as no year", () => {
    const result = imported('cardbook-bday-1604-no-year-empty-n.vcf');

    expect(result.seeds[0]?.contact).toEqual({ displayName: 'Test bday without year Thunderbird CardBook' });
    expect(result.warnings[0]).toContain('BDAY has no year (01-01)');
  });

  it('imports nameless cards under their email', () => {
    const result = imported('sogo-two-vcards-missing-n-fn.vcf');

    expect(result.cards).toBe(2);
    expect(result.seeds.map((seed) => [seed.uid, seed.contact.displayName])).toEqual([
      ['C68582D2-2E60-0001-C2C0-000000000000.vcf', 'test-misses-N-or-FN@example.com'],
      ['C68582D2-2E60-0001-C2C0-000000000001.vcf', 'test-misses-N-or-FN@example1.com'],
    ]);
    expect(result.warnings).toEqual([
      'sogo-two-vcards-missing-n-fn.vcf card 1: no name (N or FN); imported under its email address',
      'sogo-two-vcards-missing-n-fn.vcf card 2: no name (N or FN); imported under its email address',
    ]);
  });

  it('reports an unreadable card and goes on', () => {
    const text = ['BEGIN:VCARD', 'VERSION:3.0', 'no colon on this line', 'END:VCARD', 'BEGIN:VCARD', 'VERSION:3.0', 'FN:Readable', 'END:VCARD'].join('\r\n');

    const result = importVcards(text, 'mixed.vcf');

    expect(result.seeds.map((seed) => seed.contact.displayName)).toEqual(['Readable']);
    expect(result.warnings).toHaveLength(1);
    expect(result.warnings[0]).toMatch(/^mixed\.vcf card 1: not a readable vCard/);
  });
});
