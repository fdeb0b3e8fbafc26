import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ConfigError, findConfigFile, loadConfigFile, parseConfig, resolveSyncWindow } from '../src/config/index.ts';

type Draft = Record<string, unknown>;

function validConfig(): Draft {
  return {
    orgs: [
      {
        id: 'acme',
        name: 'Acme Corp',
        salesforce: {
          auth: { kind: 'refreshToken', clientId: 'consumer-key', clientSecret: 'consumer-secret', refreshToken: 'refresh-1' },
        },
        graph: { tenantId: 'acme.onmicrosoft.com', clientId: 'app-id', clientSecret: 'app-secret' },
        mailboxes: [{ address: 'dana@acme.example.com', timeZone: 'Europe/Berlin' }],
      },
    ],
  };
}

/** Set (or, with undefined, delete) the value at a dotted path such as `orgs.0.salesforce.apiVersion`. */
function edit(raw: Draft, dottedPath: string, value: unknown): Draft {
  const keys = dottedPath.split('.');
  let target = raw as Record<string, unknown>;
  for (const key of keys.slice(0, -1)) {
    target = target[key] as Record<string, unknown>;
  }

  const last = keys[keys.length - 1]!;
  if (value === undefined) {
    delete target[last];
  } else {
    target[last] = value;
  }
  return raw;
}

const baseOptions = { source: 'test.json', env: {}, baseDir: '/srv/syncline' };

function problemsOf(raw: unknown, env: Record<string, string> = {}): readonly string[] {
  try {
    parseConfig(raw, { ...baseOptions, env });
  } catch (error) {
    if (error instanceof ConfigError) {
      return error.problems;
    }
    throw error;
  }
  throw new Error('expected the configuration to be rejected');
}

describe('config validation', () => {
  it('applies defaults to a minimal file', () => {
    const config = parseConfig(validConfig(), baseOptions);
    const org = config.orgs[0]!;
    const mailbox = org.mailboxes[0]!;

    expect(config.dataDir).toBe('/srv/syncline/.syncline');
    expect(config.store).toEqual({ kind: 'sqlite', path: '/srv/syncline/.syncline/syncline.db' });
    expect(config.window).toEqual({ kind: 'relative', pastDays: 30, futureDays: 180 });
    expect(config.jitter).toBe(0.1);
    expect(org.salesforce.apiVersion).toBe('62.0');
    expect(org.salesforce.loginUrl).toBe('https://login.salesforce.com');
    expect(org.salesforce.syncIdField).toBe('Syncline_Sync_Id__c');
    expect(org.graph?.graphBaseUrl).toBe('https://graph.microsoft.com/v1.0');
    expect(org.graph?.tokenUrl).toBe('https://login.microsoftonline.com/acme.onmicrosoft.com/oauth2/v2.0/token');
    expect(org.policy).toEqual({});
    expect(mailbox.sessionIntervalMinutes).toBe(30);
    expect(mailbox.salesforceUser).toEqual({ email: 'dana@acme.example.com' });
    expect(mailbox.id).toMatch(/^acme-[0-9a-f]{16}$/);
  });

  it('names a bad apiVersion with the value', () => {
    const raw = validConfig();
    edit(raw, 'orgs.0.salesforce.apiVersion', '62');

    expect(problemsOf(raw)).toEqual(["orgs[0].salesforce.apiVersion: expected a version like 62.0, got '62'"]);
  });

  it('names an unknown key', () => {
    const raw = validConfig();
    edit(raw, 'orgs.0.salesforce.apiVersoin', '62.0');

    expect(problemsOf(raw)).toEqual(['orgs[0].salesforce.apiVersoin: unknown key; remove it or correct its spelling']);
  });

  it('rejects an unknown time zone', () => {
    const raw = validConfig();
    edit(raw, 'orgs.0.mailboxes.0.timeZone', 'Europe/Berlinn');

    expect(problemsOf(raw)).toEqual(["orgs[0].mailboxes[0].timeZone: expected an IANA time zone such as Europe/Berlin, got 'Europe/Berlinn'"]);
  });

  it('names the variable for a missing secret', () => {
    const raw = validConfig();
    edit(raw, 'orgs.0.salesforce.auth.clientSecret', undefined);

    const problems = problemsOf(raw);
    expect(problems).toHaveLength(1);
    expect(problems[0]).toContain('orgs[0].salesforce.auth.clientSecret: missing');
    expect(problems[0]).toContain('SYNCLINE_ACME_SALESFORCE_CLIENT_SECRET');
  });

  it('never echoes a secret value', () => {
    const raw = validConfig();
    edit(raw, 'orgs.0.graph.clientSecret', '   ');

    const problems = problemsOf(raw);
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/^orgs\[0\]\.graph\.clientSecret: /);
    expect(problems[0]).not.toContain("got '");
  });

  it('lists every problem at once', () => {
    const raw = validConfig();
    edit(raw, 'sessionIntervalMinutes', 0);
    edit(raw, 'jitter', 0.9);
    edit(raw, 'orgs.0.policy', { conflict: 'newestWins' });

    expect(problemsOf(raw)).toEqual([
      'sessionIntervalMinutes: expected at least 1 minute, got 0',
      'jitter: expected a share of the interval between 0 and 0.5, got 0.9',
      "orgs[0].policy.conflict: expected one of 'latestWins', 'mailboxWins', 'crmWins', got 'newestWins'",
    ]);
  });

  it('names a bad store kind', () => {
    const raw = { ...validConfig(), store: { kind: 'mysql' } };

    expect(problemsOf(raw)).toEqual(["store.kind: expected one of 'sqlite', 'postgres', got 'mysql'"]);
  });

  it('rejects a window with both forms', () => {
    const raw = { ...validConfig(), syncWindow: { pastDays: 10, start: '2026-10-01T00:00:00Z', end: '2027-01-01T00:00:00Z' } };

    expect(problemsOf(raw)).toEqual(['syncWindow: give either pastDays/futureDays or start/end, not both']);
  });

  it('rejects a window that ends before it starts', () => {
    const raw = { ...validConfig(), syncWindow: { start: '2027-01-01T00:00:00Z', end: '2026-10-01T00:00:00Z' } };

    expect(problemsOf(raw)).toEqual(['syncWindow.end: expected an instant after start (2027-01-01T00:00:00Z)']);
  });

  it('rejects a salesforce user with id and email', () => {
    const raw = validConfig();
    edit(raw, 'orgs.0.mailboxes.0.salesforceUser', { id: '0055g0000000001AAA', email: 'dana@acme.example.com' });

    expect(problemsOf(raw)).toEqual(['orgs[0].mailboxes[0].salesforceUser: expected exactly one of id or email']);
  });

  it('rejects duplicate mailbox addresses', () => {
    const raw = validConfig();
    edit(raw, 'orgs.0.mailboxes.1', { address: 'DANA@acme.example.com', timeZone: 'UTC' });

    expect(problemsOf(raw)).toEqual(["orgs[0].mailboxes[1].address: duplicate value 'dana@acme.example.com'; each must be unique"]);
  });

  it('lists duplicates together with a missing key', () => {
    const raw = validConfig();
    const orgs = raw.orgs as Draft[];
    edit(raw, 'orgs.0.mailboxes.1', { address: 'dana@acme.example.com', timeZone: 'UTC' });
    orgs.push({ ...structuredClone(orgs[0]!), graph: undefined });

    expect(problemsOf(raw)).toEqual([
      "orgs[1].id: duplicate value 'acme'; each must be unique",
      "orgs[0].mailboxes[1].address: duplicate value 'dana@acme.example.com'; each must be unique",
      "orgs[1].mailboxes[1].address: duplicate value 'dana@acme.example.com'; each must be unique",
      "orgs[1].graph: missing, but mailbox 'dana@acme.example.com' is an Office 365 mailbox (kind 'graph', the default). Add \"graph\": { \"tenantId\": …, \"clientId\": … } to the org (docs/connect-office365.md), or set the mailbox's kind",
    ]);
  });

  it('needs graph only for Office 365 mailboxes', () => {
    const imapOnly = edit(edit(validConfig(), 'orgs.0.graph', undefined), 'orgs.0.mailboxes', [
      {
        address: 'dana@acme.example.com',
        timeZone: 'Europe/Berlin',
        kind: 'imap-caldav',
        imapCaldav: {
          imap: { host: 'imap.acme.example.com', port: 993, secure: true, username: 'dana', password: 'imap-secret' },
          dav: { serverUrl: 'https://dav.acme.example.com/', username: 'dana', password: 'dav-secret' },
        },
      },
    ]);
    expect(parseConfig(imapOnly, baseOptions).orgs[0]?.graph).toBeUndefined();

    const problems = problemsOf(edit(validConfig(), 'orgs.0.graph', undefined));
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/^orgs\[0\]\.graph: missing, but mailbox 'dana@acme\.example\.com' is an Office 365 mailbox/);
  });

  it('rejects an empty org list with a plain reason', () => {
    expect(problemsOf({ orgs: [] })).toEqual(['orgs: expected at least one org']);
  });

  it('rejects plain http service URLs outside loopback', () => {
    const raw = validConfig();
    edit(raw, 'orgs.0.salesforce.loginUrl', 'http://acme.my.salesforce.com');
    edit(raw, 'orgs.0.graph.authorityUrl', 'http://login.microsoftonline.com');
    edit(raw, 'orgs.0.graph.graphBaseUrl', 'http://graph.microsoft.com/v1.0');
    const problems = problemsOf(raw);

    expect(problems.map((problem) => problem.split(':')[0])).toEqual(['orgs[0].salesforce.loginUrl', 'orgs[0].graph.authorityUrl', 'orgs[0].graph.graphBaseUrl']);
    expect(problems[0]).toContain('expected an https:// URL');
    expect(problems[0]).toContain('change it to https://');
    expect(problems[0]).toContain("got 'http://acme.my.salesforce.com'");
  });

  it('accepts plain http on a loopback host', () => {
    const raw = validConfig();
    edit(raw, 'orgs.0.salesforce.loginUrl', 'http://127.0.0.1:8443');
    edit(raw, 'orgs.0.graph.authorityUrl', 'http://localhost:9000/');
    edit(raw, 'orgs.0.graph.graphBaseUrl', 'http://[::1]:9000/v1.0');

    const org = parseConfig(raw, baseOptions).orgs[0]!;
    expect(org.salesforce.loginUrl).toBe('http://127.0.0.1:8443');
    expect(org.graph?.tokenUrl).toBe('http://localhost:9000/acme.onmicrosoft.com/oauth2/v2.0/token');
    expect(org.graph?.graphBaseUrl).toBe('http://[::1]:9000/v1.0');
  });
});

describe('config overrides', () => {
  it('takes secrets from the environment', () => {
    const raw = validConfig();
    edit(raw, 'orgs.0.salesforce.auth.refreshToken', undefined);
    const env = { SYNCLINE_ACME_SALESFORCE_REFRESH_TOKEN: 'from-env', SYNCLINE_ACME_GRAPH_CLIENT_SECRET: 'graph-from-env' };

    const org = parseConfig(raw, { ...baseOptions, env }).orgs[0]!;
    expect(org.salesforce.auth).toMatchObject({ kind: 'refreshToken', refreshToken: 'from-env' });
    expect(org.graph?.clientSecret).toBe('graph-from-env');
  });

  it('uses SYNCLINE_DATABASE_URL for postgres', () => {
    const env = { SYNCLINE_DATABASE_URL: 'postgres://syncline@127.0.0.1:5432/test' };

    const config = parseConfig(validConfig(), { ...baseOptions, env });
    expect(config.store).toEqual({ kind: 'postgres', connectionString: 'postgres://syncline@127.0.0.1:5432/test' });
  });

  it('applies interval overrides per org and mailbox', () => {
    const raw = validConfig();
    edit(raw, 'sessionIntervalMinutes', 45);
    edit(raw, 'orgs.0.sessionIntervalMinutes', 20);
    edit(raw, 'orgs.0.mailboxes.1', { address: 'lee@acme.example.com', timeZone: 'Asia/Tokyo', sessionIntervalMinutes: 5 });

    const mailboxes = parseConfig(raw, baseOptions).orgs[0]!.mailboxes;
    expect(mailboxes.map((mailbox) => mailbox.sessionIntervalMinutes)).toEqual([20, 5]);
  });
});

describe('config window', () => {
  it('counts a relative window from UTC midnight', () => {
    const window = resolveSyncWindow({ kind: 'relative', pastDays: 2, futureDays: 3 }, new Date('2026-11-10T17:45:00Z'));

    expect(window).toEqual({ start: '2026-11-08T00:00:00.000Z', end: '2026-11-14T00:00:00.000Z' });
  });

  it('normalizes a fixed window to UTC', () => {
    const raw = { ...validConfig(), syncWindow: { start: '2026-10-01T02:00:00+02:00', end: '2027-07-01T00:00:00Z' } };

    const config = parseConfig(raw, baseOptions);
    expect(config.window).toEqual({ kind: 'fixed', start: '2026-10-01T00:00:00.000Z', end: '2027-07-01T00:00:00.000Z' });
  });
});

describe('config file', () => {
  let folder: string;

  afterEach(() => {
    rmSync(folder, { recursive: true, force: true });
  });

  it('finds the file by flag, variable and default', () => {
    folder = mkdtempSync(path.join(tmpdir(), 'syncline-config-'));
    expect(findConfigFile({ env: {}, cwd: folder })).toBeNull();

    writeFileSync(path.join(folder, 'syncline.config.json'), JSON.stringify(validConfig()));
    writeFileSync(path.join(folder, 'other.json'), JSON.stringify(validConfig()));

    expect(findConfigFile({ env: {}, cwd: folder })).toBe(path.join(folder, 'syncline.config.json'));
    expect(findConfigFile({ env: { SYNCLINE_CONFIG: 'other.json' }, cwd: folder })).toBe(path.join(folder, 'other.json'));
    expect(findConfigFile({ flag: 'other.json', env: { SYNCLINE_CONFIG: 'missing.json' }, cwd: folder })).toBe(path.join(folder, 'other.json'));
  });

  it('rejects a named file that is missing', () => {
    folder = mkdtempSync(path.join(tmpdir(), 'syncline-config-'));

    expect(() => findConfigFile({ flag: 'nope.json', env: {}, cwd: folder })).toThrow(/--config: file not found/);
  });

  it('names the variable when SYNCLINE_CONFIG names a missing file', () => {
    folder = mkdtempSync(path.join(tmpdir(), 'syncline-config-'));

    expect(() => findConfigFile({ env: { SYNCLINE_CONFIG: 'nope.json' }, cwd: folder })).toThrow(/SYNCLINE_CONFIG: file not found; check the path in the environment variable SYNCLINE_CONFIG, or unset it/);
  });

  it('names the file when JSON is malformed', () => {
    folder = mkdtempSync(path.join(tmpdir(), 'syncline-config-'));
    const file = path.join(folder, 'syncline.config.json');
    writeFileSync(file, '{ "orgs": [ }');

    expect(() => loadConfigFile(file, {})).toThrow(ConfigError);
    expect(() => loadConfigFile(file, {})).toThrow(`Invalid configuration in ${file}`);
  });

  it('resolves relative paths against the file folder', () => {
    folder = mkdtempSync(path.join(tmpdir(), 'syncline-config-'));
    const file = path.join(folder, 'syncline.config.json');
    writeFileSync(file, JSON.stringify({ ...validConfig(), dataDir: 'state', store: { kind: 'sqlite', path: 'db/sync.db' } }));

    const config = loadConfigFile(file, {});
    expect(config.dataDir).toBe(path.join(folder, 'state'));
    expect(config.store).toEqual({ kind: 'sqlite', path: path.join(folder, 'db', 'sync.db') });
  });
});
