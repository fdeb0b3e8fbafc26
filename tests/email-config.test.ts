import { describe, expect, it } from 'vitest';
import { ConfigError, parseConfig } from '../src/config/index.ts';
import { DEFAULT_EMAIL_SAVING_SETTINGS } from '../src/email/index.ts';

const baseOptions = { source: 'test.json', env: {}, baseDir: '/srv/syncline' };

function config(org: Record<string, unknown> = {}) {
  return {
    orgs: [
      {
        id: 'acme',
        name: 'Acme Corp',
        salesforce: { auth: { kind: 'refreshToken', clientId: 'consumer-key', clientSecret: 'consumer-secret', refreshToken: 'refresh-1' } },
        graph: { tenantId: 'acme.onmicrosoft.com', clientId: 'app-id', clientSecret: 'app-secret' },
        mailboxes: [{ address: 'dana@acme.example.com', timeZone: 'Europe/Berlin' }],
        ...org,
      },
    ],
  };
}

function problemsOf(raw: unknown): readonly string[] {
  try {
    parseConfig(raw, baseOptions);
  } catch (error) {
    if (error instanceof ConfigError) {
      return error.problems;
    }
    throw error;
  }
  throw new Error('expected the configuration to be rejected');
}

describe('emailSaving configuration', () => {
  it('leaves email saving off without the section', () => {
    expect(parseConfig(config(), baseOptions).orgs[0]!.emailSaving).toBeUndefined();
  });

  it('fills the defaults of an empty section', () => {
    expect(parseConfig(config({ emailSaving: {} }), baseOptions).orgs[0]!.emailSaving).toEqual(DEFAULT_EMAIL_SAVING_SETTINGS);
  });

  it('shares the category, own domains and blocklist of other sections', () => {
    const settings = parseConfig(config({
      selection: { category: 'CRM', ownDomains: ['acme.example.com'] },
      linking: { ownDomains: ['acme-eu.example'], blocklist: ['*.private.example'] },
      emailSaving: { ownDomains: ['acme.example.com', 'acme.example'], blocklist: ['Ceo@Acme.example.com'], attachments: { allowedExtensions: ['.PDF'] } },
    }), baseOptions).orgs[0]!.emailSaving!;
    expect(settings.category).toBe('CRM');
    expect(settings.ownDomains).toEqual(['acme.example.com', 'acme.example', 'acme-eu.example']);
    expect(settings.blocklist).toEqual(['ceo@acme.example.com', '*.private.example']);
    expect(settings.attachments.allowedExtensions).toEqual(['pdf']);
  });

  it('names the bad key and the fix', () => {
    const problems = problemsOf(config({ emailSaving: { blocklist: ['localhost'], messageKeyField: 'Key', attachments: { maxBytes: 50_000_000 }, recordMode: 'case' } }));
    expect(problems.join('\n')).toMatch(/orgs\[0\]\.emailSaving\.blocklist\[0\].*'localhost' is neither an address nor a domain/);
    expect(problems.join('\n')).toMatch(/orgs\[0\]\.emailSaving\.messageKeyField.*ending in __c/);
    expect(problems.join('\n')).toMatch(/orgs\[0\]\.emailSaving\.attachments\.maxBytes.*at most 28000000 bytes/);
    expect(problems.join('\n')).toMatch(/orgs\[0\]\.emailSaving\.recordMode: expected one of 'auto', 'enhancedEmail', 'task', got 'case'/);
  });
});
