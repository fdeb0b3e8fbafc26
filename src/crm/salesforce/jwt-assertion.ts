import { createPrivateKey, sign, type KeyObject } from 'node:crypto';
import { ConnectorError } from '../../domain/errors.ts';

export interface JwtAssertionClaims {
  /** The connected app's consumer key. */
  readonly clientId: string;
  /** Username of the Salesforce user the token acts as. */
  readonly username: string;
  /** The authorization server: https://login.salesforce.com, https://test.salesforce.com or a site URL. */
  readonly audience: string;
}

/** Salesforce documents that `exp` must be within three minutes of the request, so stay well inside that. */
const LIFETIME_SECONDS = 150;

/**
 * Sign the RS256 JWT that the OAuth 2.0 JWT bearer flow (RFC 7523) exchanges for an access token. The assertion is
 * good for one token request only, so a new one is signed whenever a token is needed.
 */
export function signJwtAssertion(claims: JwtAssertionClaims, privateKey: KeyObject, now: number = Date.now()): string {
  const header = { alg: 'RS256', typ: 'JWT' };
  const payload = {
    iss: claims.clientId,
    sub: claims.username,
    aud: claims.audience,
    exp: Math.floor(now / 1000) + LIFETIME_SECONDS,
  };
  const signingInput = `${base64url(header)}.${base64url(payload)}`;
  const signature = sign('sha256', Buffer.from(signingInput), privateKey).toString('base64url');
  return `${signingInput}.${signature}`;
}

/**
 * Read a PEM private key (PKCS#1 or PKCS#8). The error names neither the key nor its content, only what to fix.
 */
export function readPrivateKey(pem: string): KeyObject {
  let key: KeyObject;
  try {
    key = createPrivateKey({ key: pem, format: 'pem' });
  } catch (error) {
    throw new ConnectorError(
      {
        kind: 'suspend',
        code: 'INVALID_PRIVATE_KEY',
        message: 'The Salesforce JWT private key is not a readable PEM private key: give the unencrypted key that belongs to the certificate uploaded to the connected app',
      },
      { cause: error },
    );
  }
  if (key.asymmetricKeyType !== 'rsa') {
    throw new ConnectorError({
      kind: 'suspend',
      code: 'INVALID_PRIVATE_KEY',
      message: `The Salesforce JWT private key is ${describeKeyType(key.asymmetricKeyType)} key: Salesforce verifies RS256 signatures, so give an RSA key`,
    });
  }
  return key;
}

/** Key types as people write them, with their article: "an EC", "a DSA". */
const KEY_TYPE_NAMES: Readonly<Record<string, string>> = {
  rsa: 'an RSA',
  'rsa-pss': 'an RSA-PSS',
  dsa: 'a DSA',
  dh: 'a DH',
  ec: 'an EC',
  ed25519: 'an Ed25519',
  ed448: 'an Ed448',
  x25519: 'an X25519',
  x448: 'an X448',
};

/** Name a key type for a message that goes on with "key", e.g. "an EC" in "is an EC key". */
export function describeKeyType(type: string | undefined): string {
  return KEY_TYPE_NAMES[type ?? ''] ?? `a ${type ?? 'unknown'}`;
}

/**
 * Return the `aud` claim for a login URL. The claim names the login server, not the org, so a My Domain URL maps
 * to the login server of its kind of org: Salesforce documents only login.salesforce.com, test.salesforce.com and
 * site URLs as audiences.
 */
export function jwtAudience(loginUrl: string): string {
  const origin = loginUrl.replace(/\/+$/, '');
  let host: string;
  try {
    host = new URL(origin).hostname.toLowerCase();
  } catch {
    return origin;
  }
  if (host.endsWith('.sandbox.my.salesforce.com')) {
    return 'https://test.salesforce.com';
  }
  if (host.endsWith('.my.salesforce.com')) {
    return 'https://login.salesforce.com';
  }
  return origin;
}

function base64url(value: unknown): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url');
}
