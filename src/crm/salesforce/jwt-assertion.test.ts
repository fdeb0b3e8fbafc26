import { generateKeyPairSync, verify } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { isConnectorError } from '../../domain/errors.ts';
import { jwtAudience, readPrivateKey, signJwtAssertion } from './jwt-assertion.ts';

const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const pem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
const decode = (part: string | undefined) => JSON.parse(Buffer.from(part ?? '', 'base64url').toString('utf8')) as Record<string, unknown>;

describe('signJwtAssertion', () => {
  const now = Date.parse('2026-05-04T12:00:00Z');
  const assertion = signJwtAssertion({ clientId: '3MVG9key', username: 'sync@acme.example', audience: 'https://login.salesforce.com' }, readPrivateKey(pem), now);
  const [header, payload, signature] = assertion.split('.');

  it('carries the claims Salesforce checks', () => {
    expect(decode(header)).toEqual({ alg: 'RS256', typ: 'JWT' });
    expect(decode(payload)).toEqual({ iss: '3MVG9key', sub: 'sync@acme.example', aud: 'https://login.salesforce.com', exp: now / 1000 + 150 });
  });

  it('expires within three minutes', () => {
    expect(Number(decode(payload).exp) - now / 1000).toBeLessThanOrEqual(180);
  });

  it('is an RS256 signature by the key', () => {
    expect(verify('sha256', Buffer.from(`${header}.${payload}`), publicKey, Buffer.from(signature ?? '', 'base64url'))).toBe(true);
  });
});

describe('readPrivateKey', () => {
  it('reads PKCS#1 and PKCS#8 keys', () => {
    expect(readPrivateKey(pem).asymmetricKeyType).toBe('rsa');
    expect(readPrivateKey(privateKey.export({ type: 'pkcs1', format: 'pem' }).toString()).asymmetricKeyType).toBe('rsa');
  });

  it('refuses garbage without echoing it', () => {
    const error = (() => {
      try {
        return readPrivateKey('-----BEGIN PRIVATE KEY-----\nc2VjcmV0LXZhbHVl\n-----END PRIVATE KEY-----');
      } catch (caught) {
        return caught;
      }
    })();
    expect(isConnectorError(error, 'suspend')).toBe(true);
    expect((error as Error).message).not.toContain('c2VjcmV0LXZhbHVl');
  });

  it('refuses a key that is not RSA', () => {
    const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    expect(() => readPrivateKey(ec)).toThrow('The Salesforce JWT private key is an EC key: Salesforce verifies RS256 signatures, so give an RSA key');
  });
});

describe('jwtAudience', () => {
  it.each([
    ['https://login.salesforce.com', 'https://login.salesforce.com'],
    ['https://test.salesforce.com/', 'https://test.salesforce.com'],
    ['https://acme.my.salesforce.com', 'https://login.salesforce.com'],
    ['https://acme--uat.sandbox.my.salesforce.com', 'https://test.salesforce.com'],
    ['http://127.0.0.1:4010', 'http://127.0.0.1:4010'],
  ])('%s gives %s', (loginUrl, audience) => {
    expect(jwtAudience(loginUrl)).toBe(audience);
  });
});
