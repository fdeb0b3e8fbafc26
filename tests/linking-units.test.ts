import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { lookupFor, mailboxKey, parseAddress, websiteDomain } from '../src/linking/addresses.ts';
import { matchesAnyPattern, parseAddressPatterns } from '../src/email/address-rules.ts';
import { Blocklist } from '../src/linking/blocklist.ts';
import { FREE_MAIL_DOMAINS, domainOnList, isRoleLocalPart } from '../src/linking/lists.ts';
import { nameFromLocalPart, parseDisplayName } from '../src/linking/names.ts';
import { companyFromDomain } from '../src/linking/person-draft.ts';
import { parseSignature } from '../src/linking/signature/parse-signature.ts';
import { stripQuotedText } from '../src/linking/signature/quoted-text.ts';
import { startHarness, type Harness } from '../emulators/salesforce/test-support.ts';

const address = (value: string) => parseAddress(value)!;

describe('addresses', () => {
  it.each([
    ['John.Smith+news@GoogleMail.com', 'johnsmith@gmail.com'],
    ['ann+x@outlook.com', 'ann@outlook.com'],
    ['ann+x@acme.test', 'ann+x@acme.test'],
    ['Ann.Lee@Acme.test', 'ann.lee@acme.test'],
  ])('mailbox key of %s', (input, key) => {
    expect(mailboxKey(address(input))).toBe(key);
  });

  it('Gmail lookup covers every dot placement and a stored +tag', () => {
    expect(lookupFor(address('j.doe@gmail.com'))).toEqual({
      exact: ['j.doe@gmail.com', 'jdoe@gmail.com', 'jdoe@googlemail.com'],
      patterns: ['j%d%o%e%@gmail.com', 'j%d%o%e%@googlemail.com'],
    });
  });

  it('subaddressing lookup covers a stored +tag, escaped for LIKE', () => {
    expect(lookupFor(address('ann_lee@outlook.com'))).toEqual({ exact: ['ann_lee@outlook.com'], patterns: ['ann\\_lee+%@outlook.com'] });
    expect(lookupFor(address('ann@acme.test'), ['acme.test']).patterns).toEqual(['ann+%@acme.test']);
    expect(lookupFor(address('ann@acme.test')).patterns).toEqual([]);
  });

  it('rejects what is no address', () => {
    expect(parseAddress('not an address')).toBeNull();
    expect(parseAddress('a@b')).toBeNull();
    expect(parseAddress('mailto:Ann@Acme.test')?.address).toBe('ann@acme.test');
  });

  it('website domain', () => {
    expect(websiteDomain('https://www.Acme.com/about')).toBe('acme.com');
    expect(websiteDomain('acme.com')).toBe('acme.com');
    expect(websiteDomain('')).toBeNull();
  });
});

describe('lists', () => {
  it('blocklist entries and wildcards', () => {
    const blocklist = new Blocklist(['ann@acme.test', 'globex.test', '@hooli.test', '*.initech.test']);
    expect(blocklist.match(address('Ann@acme.test'))).toBe('ann@acme.test');
    expect(blocklist.match(address('bob@acme.test'))).toBeNull();
    expect(blocklist.match(address('x@globex.test'))).toBe('globex.test');
    expect(blocklist.match(address('x@mail.globex.test'))).toBeNull();
    expect(blocklist.match(address('x@hooli.test'))).toBe('hooli.test');
    expect(blocklist.match(address('x@initech.test'))).toBe('*.initech.test');
    expect(blocklist.match(address('x@eu.mail.initech.test'))).toBe('*.initech.test');
  });

  it('blocklist entries match the normalized mailbox, and name the entry, never the address', () => {
    const blocklist = new Blocklist(['ceo.private@gmail.com', 'ann@outlook.com', 'dana@acme.test'], ['acme.test']);
    expect(blocklist.match(address('CeoPrivate+x@googlemail.com'))).toBe('ceo.private@gmail.com');
    expect(blocklist.match(address('c.e.o.private@gmail.com'))).toBe('ceo.private@gmail.com');
    expect(blocklist.match(address('Ann+crm@Outlook.com'))).toBe('ann@outlook.com');
    expect(blocklist.match(address('dana+news@acme.test'))).toBe('dana@acme.test');
    expect(blocklist.match(address('ceo.public@gmail.com'))).toBeNull();
    // `+tags` count on domains that keep them.
    expect(new Blocklist(['dana@acme.test']).match(address('dana+news@acme.test'))).toBeNull();
  });

  it('one pattern matcher for linking and email saving', () => {
    const entries = ['*.x.test', 'own.test', 'ceo.private@gmail.com'];
    const blocklist = new Blocklist(entries);
    const patterns = parseAddressPatterns(entries);
    for (const value of ['a@x.test', 'a@mail.x.test', 'a@own.test', 'a@sub.own.test', 'CeoPrivate+x@googlemail.com', 'ceo@gmail.com']) {
      expect(matchesAnyPattern(value, patterns), value).toBe(blocklist.match(address(value)) !== null);
    }
    expect(matchesAnyPattern('a@x.test', patterns)).toBe(true);
    expect(matchesAnyPattern('CeoPrivate+x@googlemail.com', patterns)).toBe(true);
  });

  it('role addresses', () => {
    for (const local of [
      'noreply', 'no-reply', 'info', 'billing', 'support-eu', 'postmaster', 'mailer-daemon', 'noreply+bounce',
      'no.reply', 'support.eu', 'mailer_daemon', 'comments-noreply', 'do.not.reply', 'calendar_notifications', 'sales.de', 'press.office',
    ]) {
      expect(isRoleLocalPart(local), local).toBe(true);
    }
    for (const local of ['mary.oneil', 'information.officer.jones', 'hr.smith', 'salesman', 'team.lead', 'anna-lena.meyer', 'jean_luc', 'news.room']) {
      expect(isRoleLocalPart(local), local).toBe(false);
    }
  });

  it('free-mail domains with any top-level domain', () => {
    expect(domainOnList('gmx.de', FREE_MAIL_DOMAINS)).toBe(true);
    expect(domainOnList('gmx.co.uk', FREE_MAIL_DOMAINS)).toBe(true);
    expect(domainOnList('gmx.example.com', FREE_MAIL_DOMAINS)).toBe(false);
    expect(domainOnList('gmail.com', FREE_MAIL_DOMAINS)).toBe(true);
    expect(domainOnList('acme.com', FREE_MAIL_DOMAINS)).toBe(false);
  });

  it('company from a corporate domain only', () => {
    expect(companyFromDomain('acme-robotics.co.uk')).toBe('Acme Robotics');
    expect(companyFromDomain('mail.globex.com')).toBe('Globex');
    expect(companyFromDomain('yahoo.fr')).toBeNull();
  });
});

describe('names', () => {
  it.each([
    [`"O'Neil, Mary"`, 'mary.oneil', { firstName: 'Mary', lastName: "O'Neil" }, null],
    ['Günther John | Example GmbH', 'k.guenther', { firstName: 'John', lastName: 'Günther' }, 'Example GmbH'],
    ['Dr. Ann Lee', 'ann.lee', { salutation: 'Dr.', firstName: 'Ann', lastName: 'Lee' }, null],
    ['Smith, John Marian', 'john.smith', { firstName: 'John Marian', lastName: 'Smith' }, null],
    ['Ann Lee (Acme Inc.)', 'ann', { firstName: 'Ann', lastName: 'Lee' }, 'Acme Inc.'],
  ])('display name %s', (display, local, name, company) => {
    const parsed = parseDisplayName(display, local);
    expect(parsed.name).toMatchObject(name);
    expect(parsed.company).toBe(company);
  });

  it('no name from an address display name', () => {
    expect(parseDisplayName('noreply@acme.test', 'noreply').name).toBeNull();
  });

  it('name from the local part', () => {
    expect(nameFromLocalPart('mary.oneil')).toEqual({ salutation: null, firstName: 'Mary', lastName: 'Oneil' });
    expect(nameFromLocalPart('x7f3k')).toBeNull();
  });
});

describe('signature phone numbers without a country code', () => {
  const text = 'Thanks!\n\nBest regards,\nPat Lane\nAccount Manager\nPhone: (415) 555-0132\nMobile: 415.555.0188';

  it('.com sender reads as US', () => {
    expect(parseSignature(text, { address: 'pat.lane@globex.com', displayName: 'Pat Lane' })).toMatchObject({ phone: '+14155550132', mobilePhone: '+14155550188' });
  });

  it('configured region after the ccTLD', () => {
    const uk = 'Regards,\nPat Lane\nTel: 020 7946 0132';
    expect(parseSignature(uk, { address: 'pat.lane@globex.com', displayName: 'Pat Lane', defaultRegion: 'GB' }).phone).toBe('+442079460132');
    const de = 'Viele Grüße\nPat Lane\nTel: 030 1234567';
    expect(parseSignature(de, { address: 'pat.lane@globex.de', displayName: 'Pat Lane', defaultRegion: 'GB' }).phone).toBe('+49301234567');
  });
});

describe('quoted text', () => {
  it('cuts at an Outlook header block', () => {
    const lines = stripQuotedText('Sounds good.\n\nRegards\nAnn\n\n________________________________\nFrom: Bob <bob@x.test>\nSent: Monday\nTo: Ann\nSubject: Hi\n\nBob Builder\nCEO, Builder Ltd');
    expect(lines).toEqual(['Sounds good.', '', 'Regards', 'Ann']);
  });

  it('keeps a reply below a top attribution', () => {
    const lines = stripQuotedText('Am 1. Mai schrieb Bob:\n> Hallo\n> Bob\nDanke!\nAnn');
    expect(lines).toEqual(['Danke!', 'Ann']);
  });

  it('ignores a signature that is only quoted', () => {
    const text = 'Fine by me.\n\nOn Mon, Bob wrote:\n> --\n> Bob Builder\n> Builder Ltd\n> Tel: +44 20 7946 0000';
    expect(parseSignature(text, { address: 'ann@acme.test', displayName: 'Ann Lee' })).toMatchObject({ lastName: null, company: null, phone: null });
  });

  it('reads the signature of a long-line reply', () => {
    const text = `${'word '.repeat(60)}\n-----\nTestbot Maton\nManager, Communications Platforms\nCompany Liner\n\nPhone: +1 555.555.5555`;
    expect(parseSignature(text, { address: 'tmaton@companyliner.test', displayName: null })).toMatchObject({
      firstName: 'Testbot', lastName: 'Maton', title: 'Manager, Communications Platforms', company: 'Company Liner', phone: '+15555555555',
    });
  });
});

describe('emulator standard duplicate rules', () => {
  let harness: Harness;

  beforeAll(async () => {
    harness = await startHarness({ duplicateRules: 'standard' });
    await harness.api('POST', 'sobjects/Contact', { LastName: 'Lee', Email: 'ann@acme.test' });
  });

  afterAll(async () => {
    await harness?.close();
  });

  it('reject a Lead with a Contact email', async () => {
    const response = await harness.api('POST', 'sobjects/Lead', { LastName: 'Lee', Company: 'Acme', Email: 'ANN@acme.test' });
    expect(response.status).toBe(400);
    const [error] = response.body as { errorCode: string; duplicateResult: { duplicateRule: string; matchResults: { entityType: string; matchRecords: { record: { Id: string } }[] }[] } }[];
    expect(error!.errorCode).toBe('DUPLICATES_DETECTED');
    expect(error!.duplicateResult.matchResults.map((match) => match.entityType)).toEqual(['Contact']);
  });

  it('save past the alert with allowSave=true', async () => {
    const response = await harness.api('POST', 'sobjects/Contact', { LastName: 'Lee', Email: 'ann@acme.test' }, { 'Sforce-Duplicate-Rule-Header': 'allowSave=true' });
    expect(response.status).toBe(201);
  });

  it('report duplicates per record in collections', async () => {
    const response = await harness.api('POST', 'composite/sobjects', { allOrNone: false, records: [{ attributes: { type: 'Contact' }, LastName: 'X', Email: 'ann@acme.test' }, { attributes: { type: 'Contact' }, LastName: 'Y', Email: 'new@acme.test' }] }, { 'Sforce-Duplicate-Rule-Header': 'allowSave=false' });
    const results = response.body as { success: boolean; errors: { statusCode: string }[] }[];
    expect(results.map((result) => result.success)).toEqual([false, true]);
    expect(results[0]!.errors[0]!.statusCode).toBe('DUPLICATES_DETECTED');
  });
});
