import { createPrivateKey } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describeKeyType } from '../crm/salesforce/jwt-assertion.ts';
import type { SalesforceAuthSetting } from './resolved-config.ts';
import type { OrgConfig } from './schema.ts';

/** A problem with a value the schema accepted, found while resolving it; the message names the key, never a secret. */
export class ConfigProblem extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigProblem';
  }
}

/**
 * Resolve the Salesforce auth of one org. For the JWT bearer flow the private key is read now, from the environment
 * variable `keyVariable` (which wins) or from `privateKeyFile`, and checked, so a missing or broken key stops the
 * start with the variable or key path that contains it.
 */
export function resolveSalesforceAuth(auth: OrgConfig['salesforce']['auth'], baseDir: string, where: string, keyVariable: string): SalesforceAuthSetting {
  if (auth.kind !== 'jwtBearer') {
    return auth;
  }

  const pem = auth.privateKey !== undefined ? fromEnvironment(auth.privateKey) : readKeyFile(path.resolve(baseDir, auth.privateKeyFile ?? ''), where);
  const source = auth.privateKey !== undefined ? `the environment variable ${keyVariable}` : `${where}.privateKeyFile`;
  let keyType: string | undefined;
  try {
    keyType = createPrivateKey({ key: pem, format: 'pem' }).asymmetricKeyType;
  } catch {
    throw new ConfigProblem(`${source}: not a readable PEM private key; give the unencrypted RSA key of the certificate uploaded to the connected app`);
  }
  if (keyType !== 'rsa') {
    throw new ConfigProblem(`${source}: ${describeKeyType(keyType)} key; Salesforce verifies RS256 signatures, so give an RSA key`);
  }

  const setting = { kind: 'jwtBearer' as const, clientId: auth.clientId, username: auth.username, privateKeyPem: pem };
  return auth.audience === undefined ? setting : { ...setting, audience: auth.audience };
}

function readKeyFile(file: string, where: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code ?? 'unreadable';
    throw new ConfigProblem(`${where}.privateKeyFile: cannot read ${file} (${reason}); check the path and that Syncline's user may read it`);
  }
}

/** Environment variables often carry a PEM on one line with `\n` escapes; turn those back into line breaks. */
function fromEnvironment(value: string): string {
  return value.includes('\n') ? value : value.replace(/\\n/g, '\n');
}
