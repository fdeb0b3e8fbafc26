import { describe, expect, it } from 'vitest';
import { ConfigError, parseConfig } from '../src/config/index.ts';

/** IMAP/CalDAV passwords and Google push secrets from the environment, so the configuration file contains none. */

function imapConfig(imapPassword?: string, davPassword?: string): Record<string, unknown> {
  return {
    orgs: [
      {
        id: 'acme-eu',
        name: 'Acme',
        salesforce: { auth: { kind: 'refreshToken', clientId: 'consumer-key', clientSecret: 'consumer-secret', refreshToken: 'refresh-1' } },
        graph: { tenantId: 'acme.onmicrosoft.com', clientId: 'app-id', clientSecret: 'app-secret' },
        mailboxes: [
          {
            address: 'sam@fastmail.example',
            timeZone: 'Europe/Berlin',
            kind: 'imap-caldav',
            imapCaldav: {
              imap: { host: 'imap.fastmail.com', username: 'sam@fastmail.example', ...(imapPassword === undefined ? {} : { password: imapPassword }) },
              dav: { serverUrl: 'https://caldav.fastmail.com/', username: 'sam@fastmail.example', ...(davPassword === undefined ? {} : { password: davPassword }) },
            },
          },
        ],
      },
    ],
  };
}

const options = { source: 'test.json', baseDir: '/srv/syncline' };

function problemsOf(raw: unknown, env: Record<string, string>): readonly string[] {
  try {
    parseConfig(raw, { ...options, env });
  } catch (error) {
    if (error instanceof ConfigError) {
      return error.problems;
    }
    throw error;
  }
  throw new Error('expected the configuration to be rejected');
}

describe('mailbox secrets from the environment', () => {
  it('reads IMAP and DAV passwords by org and address', () => {
    const env = { SYNCLINE_ACME_EU_SAM_FASTMAIL_EXAMPLE_IMAP_PASSWORD: 'imap-app-password', SYNCLINE_ACME_EU_SAM_FASTMAIL_EXAMPLE_DAV_PASSWORD: 'dav-app-password' };
    const mailbox = parseConfig(imapConfig(), { ...options, env }).orgs[0]?.mailboxes[0];

    expect(mailbox?.imapCaldav?.imap.password).toBe('imap-app-password');
    expect(mailbox?.imapCaldav?.dav.password).toBe('dav-app-password');
  });

  it('prefers the variable over the file', () => {
    const env = { SYNCLINE_ACME_EU_SAM_FASTMAIL_EXAMPLE_IMAP_PASSWORD: 'from-env' };
    const mailbox = parseConfig(imapConfig('from-file', 'dav-file'), { ...options, env }).orgs[0]?.mailboxes[0];

    expect(mailbox?.imapCaldav?.imap.password).toBe('from-env');
    expect(mailbox?.imapCaldav?.dav.password).toBe('dav-file');
  });

  it('names the variable when a password is missing', () => {
    expect(problemsOf(imapConfig(undefined, 'dav-file'), {})).toEqual([
      'orgs[0].mailboxes[0].imapCaldav.imap.password: missing; expected the IMAP password or app password, in the file or in the environment variable SYNCLINE_ACME_EU_SAM_FASTMAIL_EXAMPLE_IMAP_PASSWORD',
    ]);
  });

  it('Gmail push needs its token, from the file or the environment', () => {
    const raw = imapConfig('imap', 'dav');
    const org = (raw.orgs as Record<string, unknown>[])[0] as Record<string, unknown>;
    org.google = { auth: { kind: 'userOAuth', clientId: 'client.apps.googleusercontent.com' }, pubsubTopic: 'projects/acme/topics/gmail-push' };

    expect(problemsOf(raw, { SYNCLINE_ACME_EU_GOOGLE_CLIENT_SECRET: 'oauth-secret' })).toEqual([
      expect.stringContaining('orgs[0].google.pushToken: pubsubTopic is set, so Gmail push needs pushToken'),
    ]);
    const parsed = parseConfig(raw, { ...options, env: { SYNCLINE_ACME_EU_GOOGLE_CLIENT_SECRET: 'oauth-secret', SYNCLINE_ACME_EU_GOOGLE_PUSH_TOKEN: 'push-secret-0123456789' } });
    expect(parsed.orgs[0]?.google?.pushToken).toBe('push-secret-0123456789');
    expect(parsed.orgs[0]?.google?.auth).toEqual({ kind: 'userOAuth', clientId: 'client.apps.googleusercontent.com', clientSecret: 'oauth-secret' });
  });
});
