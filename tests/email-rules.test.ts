import { describe, expect, it } from 'vitest';
import type { MailMessage } from '../src/domain/email-message.ts';
import { matchesAnyPattern, parseAddressPattern, parseAddressPatterns } from '../src/email/address-rules.ts';
import { attachmentSkipReason } from '../src/email/attachment-rules.ts';
import { cutHtmlBody, cutTextBody, joinAddresses } from '../src/email/body-cut.ts';
import { bulkReason } from '../src/email/bulk-detection.ts';
import { htmlToText } from '../src/email/html-text.ts';
import { contentFingerprint, headerFingerprint, listMessageIds, messageIdHash, normalizeMessageId } from '../src/email/message-identity.ts';
import { selectMessage, type SelectionContext, type SelectionRules } from '../src/email/selection.ts';
import { DEFAULT_EMAIL_SAVING_SETTINGS, type EmailSavingSettings } from '../src/email/settings.ts';

const OWNER = 'dana@acme.example';

const MESSAGE: MailMessage = {
  internetMessageId: '<m1@customer.example>', conversationId: 'conv-1', inReplyTo: null, references: [], subject: 'Quote',
  from: { address: 'buyer@customer.example', name: 'Bea Buyer' }, to: [{ address: OWNER, name: null }], cc: [], bcc: [],
  sentAt: '2026-03-02T09:30:00.000Z', receivedAt: '2026-03-02T09:30:05.000Z', bodyText: 'Hello', bodyHtml: null, headers: {},
  categories: [], folder: 'inbox', isDraft: false, attachments: [],
};

function rules(settings: Partial<EmailSavingSettings> = {}): SelectionRules {
  const merged = { ...DEFAULT_EMAIL_SAVING_SETTINGS, ...settings };
  return { settings: merged, ownDomains: parseAddressPatterns(merged.ownDomains), blocklist: parseAddressPatterns(merged.blocklist) };
}

function context(overrides: Partial<SelectionContext> = {}): SelectionContext {
  return { ownerAddress: OWNER, requested: false, composeMarked: false, savedMessageIdHashes: new Set(), savedConversations: new Map(), ...overrides };
}

const INBOUND_ON = { autoSave: { inbound: true, outbound: false, threads: true } };

describe('selection', () => {
  it('saves an email with the category', () => {
    expect(selectMessage({ ...MESSAGE, categories: ['salesforce'] }, rules(), context())).toEqual({ save: true, path: 'category' });
  });

  it('saves an email in the Salesforce folder', () => {
    expect(selectMessage({ ...MESSAGE, folder: 'salesforce' }, rules(), context())).toEqual({ save: true, path: 'folder' });
  });

  it('leaves other emails alone by default', () => {
    expect(selectMessage(MESSAGE, rules(), context())).toEqual({ save: false, reason: 'notSelected' });
  });

  it('never saves a draft', () => {
    expect(selectMessage({ ...MESSAGE, isDraft: true, folder: 'drafts', categories: ['Salesforce'] }, rules(), context())).toEqual({ save: false, reason: 'draft' });
  });

  it('saves every inbound or outbound email when the org asks', () => {
    expect(selectMessage(MESSAGE, rules(INBOUND_ON), context())).toEqual({ save: true, path: 'inbound' });
    const sent = { ...MESSAGE, folder: 'sent' as const, from: { address: OWNER, name: null } };
    expect(selectMessage(sent, rules(INBOUND_ON), context())).toEqual({ save: false, reason: 'notSelected' });
    expect(selectMessage(sent, rules({ autoSave: { inbound: false, outbound: true, threads: false } }), context())).toEqual({ save: true, path: 'outbound' });
  });

  it('saves a reply to a saved email by In-Reply-To', () => {
    const saved = new Set([messageIdHash('m0@acme.example')]);
    const reply = { ...MESSAGE, conversationId: null, inReplyTo: '<M0@acme.example>' };
    expect(selectMessage(reply, rules(), context({ savedMessageIdHashes: saved }))).toEqual({ save: true, path: 'thread' });
  });

  it('saves a reply to a saved email by References', () => {
    const saved = new Set([messageIdHash('m0@acme.example')]);
    const reply = { ...MESSAGE, conversationId: null, references: ['<x@y.example> <m0@acme.example>'] };
    expect(selectMessage(reply, rules(), context({ savedMessageIdHashes: saved }))).toEqual({ save: true, path: 'thread' });
  });

  it('saves only newer emails of a saved conversation', () => {
    const conversations = new Map([['conv-1', '2026-03-01T00:00:00.000Z']]);
    expect(selectMessage(MESSAGE, rules(), context({ savedConversations: conversations }))).toEqual({ save: true, path: 'thread' });
    const older = { ...MESSAGE, sentAt: '2026-02-01T00:00:00.000Z' };
    expect(selectMessage(older, rules(), context({ savedConversations: conversations }))).toEqual({ save: false, reason: 'notSelected' });
    expect(selectMessage(MESSAGE, rules({ autoSave: { inbound: false, outbound: false, threads: false } }), context({ savedConversations: conversations }))).toEqual({ save: false, reason: 'notSelected' });
  });

  it('saves a sent email marked while written', () => {
    const sent = { ...MESSAGE, folder: 'sent' as const };
    expect(selectMessage(sent, rules(), context({ composeMarked: true }))).toEqual({ save: true, path: 'compose' });
    expect(selectMessage({ ...sent, headers: { 'x-syncline-save': 'true' } }, rules(), context())).toEqual({ save: true, path: 'compose' });
    expect(selectMessage({ ...sent, headers: { 'x-syncline-save': 'no' } }, rules(), context())).toEqual({ save: false, reason: 'notSelected' });
  });

  it('skips blocklisted participants on every path', () => {
    const categorized = { ...MESSAGE, categories: ['Salesforce'], cc: [{ address: 'ceo@mail.private.example', name: null }] };
    expect(selectMessage(categorized, rules({ blocklist: ['*.private.example'] }), context())).toEqual({ save: false, reason: 'blocklisted' });
    expect(selectMessage(categorized, rules({ blocklist: ['private.example'] }), context())).toEqual({ save: true, path: 'category' });
    expect(selectMessage(categorized, rules({ blocklist: ['BUYER@customer.example'] }), context({ requested: true }))).toEqual({ save: false, reason: 'blocklisted' });
  });

  it('ignores the owner on the blocklist', () => {
    expect(selectMessage({ ...MESSAGE, categories: ['Salesforce'] }, rules({ blocklist: ['acme.example'] }), context())).toEqual({ save: true, path: 'category' });
  });

  it('holds back internal-only emails from automatic rules', () => {
    const internal = { ...MESSAGE, from: { address: 'lee@acme.example', name: null } };
    const own = { ...INBOUND_ON, ownDomains: ['acme.example'] };
    expect(selectMessage(internal, rules(own), context())).toEqual({ save: false, reason: 'internalOnly' });
    expect(selectMessage(internal, rules({ ...own, saveInternal: true }), context())).toEqual({ save: true, path: 'inbound' });
    expect(selectMessage({ ...internal, categories: ['Salesforce'] }, rules(own), context())).toEqual({ save: true, path: 'category' });
    expect(selectMessage(MESSAGE, rules(own), context())).toEqual({ save: true, path: 'inbound' });
  });

  it('holds back bulk emails from automatic rules', () => {
    const newsletter = { ...MESSAGE, headers: { 'list-unsubscribe': '<mailto:unsubscribe@customer.example>' } };
    expect(selectMessage(newsletter, rules(INBOUND_ON), context())).toEqual({ save: false, reason: 'bulk' });
    expect(selectMessage(newsletter, rules({ ...INBOUND_ON, saveBulk: true }), context())).toEqual({ save: true, path: 'inbound' });
    expect(selectMessage({ ...newsletter, categories: ['Salesforce'] }, rules(INBOUND_ON), context())).toEqual({ save: true, path: 'category' });
  });
});

describe('bulk detection', () => {
  it.each([
    [{ 'list-unsubscribe': '<https://customer.example/u>' }, 'List-Unsubscribe'],
    [{ 'auto-submitted': 'auto-replied' }, 'Auto-Submitted: auto-replied'],
    [{ 'auto-submitted': 'Auto-Generated; owner-email="a@b.example"' }, 'Auto-Submitted: auto-generated'],
    [{ 'auto-submitted': 'no' }, null],
    [{ 'auto-submitted': 'No (a comment)' }, null],
    [{ precedence: 'bulk' }, 'Precedence: bulk'],
    [{ precedence: 'List' }, 'Precedence: list'],
    [{ precedence: 'junk' }, 'Precedence: junk'],
    [{ precedence: 'first-class' }, null],
    [{}, null],
  ])('reads %j as %s', (headers, reason) => {
    expect(bulkReason(headers)).toBe(reason);
  });
});

describe('address patterns', () => {
  it('matches addresses, domains and subdomains', () => {
    const patterns = parseAddressPatterns(['dana@acme.example', '@partner.example', '*.private.example']);
    expect(matchesAnyPattern('DANA@acme.example', patterns)).toBe(true);
    expect(matchesAnyPattern('lee@acme.example', patterns)).toBe(false);
    expect(matchesAnyPattern('anyone@partner.example', patterns)).toBe(true);
    expect(matchesAnyPattern('anyone@sub.partner.example', patterns)).toBe(false);
    expect(matchesAnyPattern('x@a.b.private.example', patterns)).toBe(true);
    // One matcher with linking: `*.private.example` covers private.example itself too.
    expect(matchesAnyPattern('x@private.example', patterns)).toBe(true);
  });

  it('names the problem of an invalid pattern', () => {
    expect(parseAddressPattern('*.')).toMatch(/after '\*\.' give a domain/);
    expect(parseAddressPattern('localhost')).toMatch(/neither an address nor a domain/);
    expect(parseAddressPattern('a b@x.example')).toMatch(/not a valid email address/);
    expect(() => parseAddressPatterns(['ok.example', 'bad'])).toThrow("'bad' is neither an address nor a domain");
  });
});

describe('message identity', () => {
  it('normalizes Message-IDs', () => {
    expect(normalizeMessageId(' <ABC@Example.COM> ')).toBe('abc@example.com');
    expect(normalizeMessageId('(comment) <a@b>')).toBe('a@b');
    expect(normalizeMessageId('bare@id.example')).toBe('bare@id.example');
    expect(normalizeMessageId('  ')).toBeNull();
    expect(normalizeMessageId(null)).toBeNull();
    expect(listMessageIds(['<a@x> <b@y>', '<A@x>', 'c@z'])).toEqual(['a@x', 'b@y', 'c@z']);
  });

  it('fingerprints copies alike and other content apart', () => {
    const copy = { ...MESSAGE, receivedAt: '2026-03-02T10:00:00.000Z', bodyText: '  Hello  ', folder: 'salesforce' as const, categories: ['Salesforce'] };
    expect(contentFingerprint(copy)).toBe(contentFingerprint(MESSAGE));
    expect(contentFingerprint({ ...MESSAGE, subject: 'Other' })).not.toBe(contentFingerprint(MESSAGE));
    expect(contentFingerprint({ ...MESSAGE, sentAt: '2026-03-02T09:31:00.000Z' })).not.toBe(contentFingerprint(MESSAGE));
    expect(contentFingerprint({ ...MESSAGE, bodyText: null, bodyHtml: '<p>Hello</p>' })).toBe(contentFingerprint(MESSAGE));
  });

  it('tells reused ids apart by headers only', () => {
    const withDisclaimer = { ...MESSAGE, bodyText: 'Hello\n--\nThis email is confidential.' };
    expect(headerFingerprint(withDisclaimer)).toBe(headerFingerprint(MESSAGE));
    expect(contentFingerprint(withDisclaimer)).not.toBe(contentFingerprint(MESSAGE));
    expect(headerFingerprint({ ...MESSAGE, subject: 'Newsletter' })).not.toBe(headerFingerprint(MESSAGE));
  });

  it('ignores gateway subject tags', () => {
    expect(headerFingerprint({ ...MESSAGE, subject: `[EXTERNAL] ${MESSAGE.subject}` })).toBe(headerFingerprint(MESSAGE));
    expect(contentFingerprint({ ...MESSAGE, subject: `[EXT][SPAM]  ${MESSAGE.subject}` })).toBe(contentFingerprint(MESSAGE));
    expect(headerFingerprint({ ...MESSAGE, subject: `${MESSAGE.subject} [EXTERNAL]` })).not.toBe(headerFingerprint(MESSAGE));
  });

  it('leaves the receive time out', () => {
    const undated = { ...MESSAGE, sentAt: null };
    expect(headerFingerprint({ ...undated, receivedAt: '2026-03-02T10:00:00.000Z' })).toBe(headerFingerprint({ ...undated, receivedAt: '2026-03-02T11:30:00.000Z' }));
    expect(contentFingerprint({ ...undated, receivedAt: '2026-03-02T10:00:00.000Z' })).toBe(contentFingerprint({ ...undated, receivedAt: '2026-03-02T11:30:00.000Z' }));
  });
});

describe('body cutting', () => {
  it('cuts long text with a note and keeps short text', () => {
    expect(cutTextBody('short', 100)).toBe('short');
    const cut = cutTextBody('x'.repeat(300), 200);
    expect(cut).toHaveLength(200);
    expect(cut).toMatch(/\[Cut by Syncline: the rest of this email is longer than the 200-character Salesforce field\]$/);
  });

  it('never splits a surrogate pair', () => {
    const cut = cutTextBody('😀'.repeat(200), 150);
    expect(cut.length).toBeLessThanOrEqual(150);
    expect(cut).not.toMatch(/[\ud800-\udbff](?![\udc00-\udfff])/);
  });

  it('cuts HTML before a split tag or entity', () => {
    const html = `<p>${'a'.repeat(50)}</p><p class="long">${'b'.repeat(50)}&amp;</p>`;
    for (let limit = 140; limit < html.length; limit += 1) {
      const cut = cutHtmlBody(html, limit);
      expect(cut.length).toBeLessThanOrEqual(limit);
      const kept = cut.slice(0, cut.indexOf('<p>[Cut by Syncline'));
      expect(kept.lastIndexOf('<')).toBeLessThan(Math.max(kept.lastIndexOf('>') + 1, 1));
      expect(kept).not.toMatch(/&[a-z]*$/);
    }
  });

  it('joins addresses and cuts the list between addresses', () => {
    expect(joinAddresses([], 10)).toBeNull();
    expect(joinAddresses(['a@x.example', 'b@x.example'], 100)).toBe('a@x.example; b@x.example');
    expect(joinAddresses(['a@x.example', 'b@x.example', 'c@x.example'], 30)).toBe('a@x.example; b@x.example; …');
  });
});

describe('attachment rules', () => {
  const settings = DEFAULT_EMAIL_SAVING_SETTINGS.attachments;

  it('lets allowed files through and names why others stay out', () => {
    expect(attachmentSkipReason({ name: 'offer.pdf', isInline: false }, 1000, settings)).toBeNull();
    expect(attachmentSkipReason({ name: 'setup.EXE', isInline: false }, 1000, settings)).toBe('extensionBlocked');
    expect(attachmentSkipReason({ name: 'big.pdf', isInline: false }, settings.maxBytes + 1, settings)).toBe('tooLarge');
    expect(attachmentSkipReason({ name: 'logo.png', isInline: true }, 10, { ...settings, includeInline: false })).toBe('inline');
    expect(attachmentSkipReason({ name: 'notes.txt', isInline: false }, 10, { ...settings, allowedExtensions: ['pdf'] })).toBe('extensionNotAllowed');
    expect(attachmentSkipReason({ name: 'offer.pdf', isInline: false }, 10, { ...settings, enabled: false })).toBe('attachmentsOff');
  });
});

describe('html to text', () => {
  it('keeps line breaks and decodes entities', () => {
    expect(htmlToText('<html><head><title>T</title><style>p{}</style></head><body><p>One &amp; two</p><!-- hidden --><div>Three<br>Four&#x21;</div></body></html>')).toBe('One & two\nThree\nFour!');
  });
});
