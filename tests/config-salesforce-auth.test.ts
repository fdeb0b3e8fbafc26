import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ConfigError, parseConfig } from '../src/config/index.ts';

const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const PEM = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
const folder = mkdtempSync(path.join(tmpdir(), 'syncline-jwt-config-'));
writeFileSync(path.join(folder, 'salesforce.key'), PEM);
writeFileSync(path.join(folder, 'broken.key'), '-----BEGIN PRIVATE KEY-----\nc2VjcmV0LWtleS1ib2R5\n-----END PRIVATE KEY-----\n');

afterAll(() => {
  rmSync(folder, { recursive: true, force: true });
});

function configWith(auth: Record<string, unknown>, salesforce: Record<string, unknown> = {}) {
  return {
    orgs: [
      {
        id: 'acme',
        name: 'Acme Corp',
        salesforce: { auth, ...salesforce },
        graph: { tenantId: 'acme.onmicrosoft.com', clientId: 'app-id', clientSecret: 'app-secret' },
        mailboxes: [{ address: 'dana@acme.example.com', timeZone: 'Europe/Berlin' }],
      },
    ],
  };
}

const jwt = (extra: Record<string, unknown> = {}) => ({ kind: 'jwtBearer', clientId: '3MVG9key', username: 'sync@acme.example', ...extra });

function problemsOf(raw: unknown, env: Record<string, string> = {}): readonly string[] {
  try {
    parseConfig(raw, { source: 'test.json', env, baseDir: folder });
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  throw new Error('expected the configuration to be rejected');
}

describe('salesforce jwtBearer configuration', () => {
  it('reads the key file relative to the configuration', () => {
    const config = parseConfig(configWith(jwt({ privateKeyFile: 'salesforce.key' })), { source: 'test.json', env: {}, baseDir: folder });
    expect(config.orgs[0]?.salesforce.auth).toEqual({ kind: 'jwtBearer', clientId: '3MVG9key', username: 'sync@acme.example', privateKeyPem: PEM });
  });

  it('takes the key from the environment, escaped newlines included', () => {
    const env = { SYNCLINE_ACME_SALESFORCE_PRIVATE_KEY: PEM.replace(/\n/g, '\\n') };
    const config = parseConfig(configWith(jwt({ audience: 'https://test.salesforce.com' })), { source: 'test.json', env, baseDir: folder });
    expect(config.orgs[0]?.salesforce.auth).toMatchObject({ privateKeyPem: PEM, audience: 'https://test.salesforce.com' });
  });

  it('missing key names org variable', () => {
    expect(problemsOf(configWith(jwt()))).toEqual([
      'orgs[0].salesforce.auth.privateKey: missing; expected privateKeyFile (a PEM file path) or the PEM private key itself, in the file or in the environment variable SYNCLINE_ACME_SALESFORCE_PRIVATE_KEY',
    ]);
  });

  it('jwtBearer ignores client secret variable', () => {
    const env = { SYNCLINE_ACME_SALESFORCE_CLIENT_SECRET: 'left-over-secret', SYNCLINE_ACME_SALESFORCE_REFRESH_TOKEN: 'left-over-token' };
    const config = parseConfig(configWith(jwt({ privateKeyFile: 'salesforce.key' })), { source: 'test.json', env, baseDir: folder });
    expect(config.orgs[0]?.salesforce.auth).toEqual({ kind: 'jwtBearer', clientId: '3MVG9key', username: 'sync@acme.example', privateKeyPem: PEM });
  });

  it('refresh token ignores key variable', () => {
    const auth = { kind: 'refreshToken', clientId: '3MVG9key', clientSecret: 'secret', refreshToken: 'token' };
    const config = parseConfig(configWith(auth), { source: 'test.json', env: { SYNCLINE_ACME_SALESFORCE_PRIVATE_KEY: PEM }, baseDir: folder });
    expect(config.orgs[0]?.salesforce.auth).toEqual(auth);
  });

  it('broken env key names variable', () => {
    const env = { SYNCLINE_ACME_SALESFORCE_PRIVATE_KEY: '-----BEGIN PRIVATE KEY-----\\nc2VjcmV0LWtleS1ib2R5\\n-----END PRIVATE KEY-----' };
    const problems = problemsOf(configWith(jwt()), env);
    expect(problems).toEqual([
      'the environment variable SYNCLINE_ACME_SALESFORCE_PRIVATE_KEY: not a readable PEM private key; give the unencrypted RSA key of the certificate uploaded to the connected app',
    ]);
  });

  it('EC key named with article', () => {
    const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    expect(problemsOf(configWith(jwt()), { SYNCLINE_ACME_SALESFORCE_PRIVATE_KEY: ec })).toEqual([
      'the environment variable SYNCLINE_ACME_SALESFORCE_PRIVATE_KEY: an EC key; Salesforce verifies RS256 signatures, so give an RSA key',
    ]);
  });

  it('names an unreadable key file', () => {
    const [problem] = problemsOf(configWith(jwt({ privateKeyFile: 'missing.key' })));
    expect(problem).toMatch(/^orgs\[0\]\.salesforce\.auth\.privateKeyFile: cannot read .*missing\.key \(ENOENT\)/);
  });

  it('refuses a broken key without echoing it', () => {
    const problems = problemsOf(configWith(jwt({ privateKeyFile: 'broken.key' })));
    expect(problems).toEqual([
      'orgs[0].salesforce.auth.privateKeyFile: not a readable PEM private key; give the unencrypted RSA key of the certificate uploaded to the connected app',
    ]);
    const inline = problemsOf(configWith(jwt({ privateKey: 42 })));
    expect(inline.join('\n')).not.toContain('42');
  });

  it('defaults the API budget share to one half', () => {
    const config = parseConfig(configWith(jwt({ privateKeyFile: 'salesforce.key' })), { source: 'test.json', env: {}, baseDir: folder });
    expect(config.orgs[0]?.salesforce.apiBudgetShare).toBe(0.5);
  });

  it('refuses a share above 1', () => {
    expect(problemsOf(configWith(jwt({ privateKeyFile: 'salesforce.key' }), { apiBudgetShare: 1.5 }))).toEqual([
      'orgs[0].salesforce.apiBudgetShare: expected a share of the daily API allocation above 0 and at most 1, got 1.5',
    ]);
  });
});
