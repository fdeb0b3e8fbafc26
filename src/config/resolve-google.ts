import { createPrivateKey } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describeKeyType } from '../crm/salesforce/jwt-assertion.ts';
import type { GoogleConfig } from './google-schema.ts';
import type { GoogleSetting } from './resolved-config.ts';
import { ConfigProblem } from './salesforce-auth.ts';

/**
 * Read the service account's key file when one is named, and check its private key now. A broken key then stops the
 * start with the name of its setting, instead of failing each token request. The result contains the key itself.
 */
export function resolveGoogle(google: GoogleConfig, baseDir: string, where: string): GoogleSetting {
  const common = { tokenUrl: google.tokenUrl, apiBaseUrl: google.apiBaseUrl, peopleBaseUrl: google.peopleBaseUrl, sendUpdates: google.sendUpdates, ...(google.pubsubTopic === undefined ? {} : { pubsubTopic: google.pubsubTopic }), ...(google.pushToken === undefined ? {} : { pushToken: google.pushToken }) };
  const { auth } = google;
  if (auth.kind === 'userOAuth') {
    return { ...common, auth: { kind: 'userOAuth', clientId: auth.clientId, clientSecret: auth.clientSecret, ...(auth.authorizeUrl === undefined ? {} : { authorizeUrl: auth.authorizeUrl }) } };
  }
  if (auth.keyFile === undefined) {
    const privateKey = checkedPrivateKey(
      auth.privateKey as string,
      `${where}.auth.privateKey`,
      "give the service account's unencrypted key from -----BEGIN PRIVATE KEY----- to -----END PRIVATE KEY----- as in its JSON key file, or set auth.keyFile to that file instead",
    );
    return { ...common, auth: { kind: 'serviceAccount', clientEmail: auth.clientEmail as string, privateKey } };
  }

  const file = path.resolve(baseDir, auth.keyFile);
  let key: { client_email?: unknown; private_key?: unknown; private_key_id?: unknown };
  try {
    key = JSON.parse(readFileSync(file, 'utf8')) as typeof key;
  } catch (error) {
    throw new ConfigProblem(`${where}.auth.keyFile ${file} cannot be read as JSON (${error instanceof Error ? error.message : String(error)}); download the service account's JSON key again`);
  }
  if (typeof key.client_email !== 'string' || typeof key.private_key !== 'string') {
    throw new ConfigProblem(`${where}.auth.keyFile ${file} has no client_email or private_key; it is not a service account key file`);
  }
  const privateKey = checkedPrivateKey(key.private_key, `the private_key of ${where}.auth.keyFile ${file}`, "the file was changed; download the service account's JSON key again");
  const privateKeyId = typeof key.private_key_id === 'string' ? { privateKeyId: key.private_key_id } : {};
  return { ...common, auth: { kind: 'serviceAccount', clientEmail: key.client_email, privateKey, ...privateKeyId } };
}

/**
 * Return the PEM key that Google's JWT grant signs with (RS256). A key pasted from the JSON key file keeps the `\n`
 * escapes of the JSON string, so those become line breaks, as parsing the file would have made them.
 */
function checkedPrivateKey(value: string, setting: string, fix: string): string {
  const pem = value.includes('\n') ? value : value.replace(/\\n/g, '\n');
  let keyType: string | undefined;
  try {
    keyType = createPrivateKey({ key: pem, format: 'pem' }).asymmetricKeyType;
  } catch {
    throw new ConfigProblem(
      `${setting} is not a readable PEM private key; ${fix}`,
    );
  }
  if (keyType !== 'rsa') {
    throw new ConfigProblem(`${setting} is ${describeKeyType(keyType)} key; Google signs service account grants with RS256, so give the RSA key from the service account's JSON key file`);
  }
  return pem;
}
