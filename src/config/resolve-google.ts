import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { GoogleConfig } from './google-schema.ts';
import type { GoogleSetting } from './resolved-config.ts';
import { ConfigProblem } from './salesforce-auth.ts';

/** Read the service account's key file when one is named; the result carries the key itself. */
export function resolveGoogle(google: GoogleConfig, baseDir: string, where: string): GoogleSetting {
  const common = { tokenUrl: google.tokenUrl, apiBaseUrl: google.apiBaseUrl, peopleBaseUrl: google.peopleBaseUrl, sendUpdates: google.sendUpdates, ...(google.pubsubTopic === undefined ? {} : { pubsubTopic: google.pubsubTopic }), ...(google.pushToken === undefined ? {} : { pushToken: google.pushToken }) };
  const { auth } = google;
  if (auth.kind === 'userOAuth') {
    return { ...common, auth: { kind: 'userOAuth', clientId: auth.clientId, clientSecret: auth.clientSecret } };
  }
  if (auth.keyFile === undefined) {
    return { ...common, auth: { kind: 'serviceAccount', clientEmail: auth.clientEmail as string, privateKey: auth.privateKey as string } };
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
  const privateKeyId = typeof key.private_key_id === 'string' ? { privateKeyId: key.private_key_id } : {};
  return { ...common, auth: { kind: 'serviceAccount', clientEmail: key.client_email, privateKey: key.private_key, ...privateKeyId } };
}
