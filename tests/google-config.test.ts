import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ConfigError, parseConfig } from '../src/config/index.ts';
import { googleConnectorOptions } from '../src/mailbox/google/index.ts';
import { createSilentLogger } from '../src/observability/logger.ts';

/** The `google` org block and mailbox kind of syncline.config.json. */

const dir = mkdtempSync(path.join(tmpdir(), 'syncline-google-config-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const PEM = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();

function config(google: unknown, mailbox: Record<string, unknown> = {}) {
  return {
    orgs: [
      {
        id: 'acme',
        name: 'Acme Corp',
        salesforce: { auth: { kind: 'refreshToken', clientId: 'consumer-key', clientSecret: 'consumer-secret', refreshToken: 'refresh-1' } },
        graph: { tenantId: 'acme.onmicrosoft.com', clientId: 'app-id', clientSecret: 'app-secret' },
        ...(google === undefined ? {} : { google }),
        mailboxes: [{ address: 'dana@acme.example.com', timeZone: 'Europe/Berlin', kind: 'google', ...mailbox }],
      },
    ],
  };
}

function parse(raw: unknown) {
  return parseConfig(raw, { source: 'test', env: {}, baseDir: dir });
}

describe('google configuration', () => {
  it('reads a service account key file', () => {
    writeFileSync(path.join(dir, 'key.json'), JSON.stringify({ type: 'service_account', client_email: 'sa@acme.iam.gserviceaccount.com', private_key: PEM, private_key_id: 'k1' }));
    const parsed = parse(config({ auth: { kind: 'serviceAccount', keyFile: 'key.json' } }));
    const org = parsed.orgs[0];
    const mailbox = org?.mailboxes[0];
    expect(mailbox?.kind).toBe('google');
    expect(org?.google).toMatchObject({ tokenUrl: 'https://oauth2.googleapis.com/token', apiBaseUrl: 'https://www.googleapis.com', sendUpdates: 'none' });

    const options = googleConnectorOptions(org!, mailbox!, createSilentLogger());
    expect(options.credentials).toEqual({ kind: 'serviceAccount', clientEmail: 'sa@acme.iam.gserviceaccount.com', privateKey: PEM, privateKeyId: 'k1' });
    expect(options.userEmail).toBe('dana@acme.example.com');
  });

  it('turns the literal \\n escapes of a pasted private key into line breaks', () => {
    const escaped = PEM.replace(/\n/g, '\\n');
    expect(escaped).not.toContain('\n');
    const parsed = parse(config({ auth: { kind: 'serviceAccount', clientEmail: 'sa@acme.iam.gserviceaccount.com', privateKey: escaped } }));
    expect(googleConnectorOptions(parsed.orgs[0]!, parsed.orgs[0]!.mailboxes[0]!, createSilentLogger()).credentials).toEqual({ kind: 'serviceAccount', clientEmail: 'sa@acme.iam.gserviceaccount.com', privateKey: PEM });
  });

  it('rejects a private key that is not a PEM key, naming the setting', () => {
    const broken = config({ auth: { kind: 'serviceAccount', clientEmail: 'sa@acme.iam.gserviceaccount.com', privateKey: 'not a pem' } });
    expect(() => parse(broken)).toThrow(ConfigError);
    expect(() => parse(broken)).toThrow(/orgs\[0\]\.google\.auth\.privateKey is not a readable PEM private key/);
    expect(() => parse(broken)).not.toThrow(/not a pem/);
  });

  it('rejects a key file whose key is not RSA', () => {
    const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    writeFileSync(path.join(dir, 'ec-key.json'), JSON.stringify({ type: 'service_account', client_email: 'sa@acme.iam.gserviceaccount.com', private_key: ec }));
    expect(() => parse(config({ auth: { kind: 'serviceAccount', keyFile: 'ec-key.json' } }))).toThrow(/private_key of orgs\[0\]\.google\.auth\.keyFile .*ec-key\.json is an? .*RS256/);
  });

  it('names the missing google block', () => {
    expect(() => parse(config(undefined))).toThrow(ConfigError);
    expect(() => parse(config(undefined))).toThrow(/orgs\[0\]\.google is missing/);
  });

  it('takes a user OAuth mailbox with or without a configured refresh token', async () => {
    const oauth = { auth: { kind: 'userOAuth', clientId: 'client', clientSecret: 'secret', authorizeUrl: 'http://127.0.0.1:9/o/oauth2/v2/auth' } };
    const parsed = parse(config(oauth, { googleRefreshToken: '1//refresh' }));
    expect(parsed.orgs[0]?.google?.auth).toMatchObject({ authorizeUrl: 'http://127.0.0.1:9/o/oauth2/v2/auth' });
    expect(googleConnectorOptions(parsed.orgs[0]!, parsed.orgs[0]!.mailboxes[0]!, createSilentLogger()).credentials).toEqual({ kind: 'userOAuth', clientId: 'client', clientSecret: 'secret', refreshToken: '1//refresh' });

    // Without one, the token comes from the store the owner's sign-in fills.
    const signedIn = parse(config(oauth));
    const org = signedIn.orgs[0]!;
    const mailbox = org.mailboxes[0]!;
    const store = { loadRefreshToken: async (mailboxId: string) => (mailboxId === mailbox.id ? '1//stored' : null), saveRefreshToken: async () => undefined };
    const credentials = googleConnectorOptions(org, mailbox, createSilentLogger(), { refreshTokens: store, signInUrl: 'http://127.0.0.1:8787/auth/google/sign-in/x' }).credentials;
    expect(credentials).toMatchObject({ kind: 'userOAuth', signInUrl: 'http://127.0.0.1:8787/auth/google/sign-in/x' });
    expect(credentials.kind).toBe('userOAuth');
    const readToken = credentials.kind === 'userOAuth' ? credentials.refreshToken : undefined;
    expect(typeof readToken).toBe('function');
    expect(typeof readToken === 'function' ? await readToken() : null).toBe('1//stored');
  });

  it('refuses plain http for the authorization endpoint of another host', () => {
    expect(() => parse(config({ auth: { kind: 'userOAuth', clientId: 'c', clientSecret: 's', authorizeUrl: 'http://accounts.example.com/auth' } }))).toThrow(/https/);
  });

  it('refuses plain http to another host', () => {
    expect(() => parse(config({ auth: { kind: 'userOAuth', clientId: 'c', clientSecret: 's' }, apiBaseUrl: 'http://google.example.com' }, { googleRefreshToken: 'r' }))).toThrow(/https/);
  });
});
