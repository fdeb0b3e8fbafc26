/**
 * Secrets come from `SYNCLINE_…` environment variables so the configuration file can be committed or shared
 * without them. A variable that is set wins over the file's value. Per-org names use the org id in upper case
 * with dashes as underscores: org `acme-eu` reads `SYNCLINE_ACME_EU_SALESFORCE_CLIENT_SECRET`. A mailbox's own
 * secrets add its address the same way: mailbox `sam@fastmail.example` of org `acme-eu` reads
 * `SYNCLINE_ACME_EU_SAM_FASTMAIL_EXAMPLE_IMAP_PASSWORD`.
 */

export type Environment = Readonly<Record<string, string | undefined>>;

interface SecretSlot {
  /** Keys from the org object down to the secret. */
  readonly keys: readonly string[];
  readonly suffix: string;
  /** Only applies when the parent object has one of these `kind`s: an auth flow takes only its own secrets. */
  readonly whenKind?: readonly string[];
}

const ORG_SECRET_SLOTS: readonly SecretSlot[] = [
  { keys: ['salesforce', 'auth', 'clientSecret'], suffix: 'SALESFORCE_CLIENT_SECRET', whenKind: ['refreshToken', 'clientCredentials'] },
  { keys: ['salesforce', 'auth', 'refreshToken'], suffix: 'SALESFORCE_REFRESH_TOKEN', whenKind: ['refreshToken'] },
  { keys: ['salesforce', 'auth', 'privateKey'], suffix: 'SALESFORCE_PRIVATE_KEY', whenKind: ['jwtBearer'] },
  { keys: ['graph', 'clientSecret'], suffix: 'GRAPH_CLIENT_SECRET' },
  { keys: ['ews', 'auth', 'password'], suffix: 'EWS_PASSWORD', whenKind: ['basic', 'ntlm'] },
  { keys: ['ews', 'auth', 'clientSecret'], suffix: 'EWS_CLIENT_SECRET', whenKind: ['oauth'] },
  { keys: ['oidc', 'clientSecret'], suffix: 'OIDC_CLIENT_SECRET' },
  { keys: ['google', 'auth', 'clientSecret'], suffix: 'GOOGLE_CLIENT_SECRET', whenKind: ['userOAuth'] },
  { keys: ['google', 'pushToken'], suffix: 'GOOGLE_PUSH_TOKEN' },
];

/** Secrets of one mailbox, from the mailbox object down; the password slots need the block to exist in the file. */
const MAILBOX_SECRET_SLOTS: readonly SecretSlot[] = [
  { keys: ['imapCaldav', 'imap', 'password'], suffix: 'IMAP_PASSWORD' },
  { keys: ['imapCaldav', 'dav', 'password'], suffix: 'DAV_PASSWORD' },
];

export const DATABASE_URL_VARIABLE = 'SYNCLINE_DATABASE_URL';

export function orgSecretVariable(orgId: string, suffix: string): string {
  return `SYNCLINE_${variablePart(orgId)}_${suffix}`;
}

/** Return the variable of one mailbox's secret: the org id, then the mailbox address, in upper case with underscores. */
export function mailboxSecretVariable(orgId: string, address: string, suffix: string): string {
  return `SYNCLINE_${variablePart(orgId)}_${variablePart(address)}_${suffix}`;
}

function variablePart(name: string): string {
  return name.toUpperCase().replace(/[^A-Z0-9]/g, '_');
}

export interface SecretOverlay {
  /** The parsed file with environment secrets merged in (a copy; the input is not changed). */
  readonly raw: unknown;
  /** Dotted key path to the variable that can provide it, for error messages. */
  readonly variables: ReadonlyMap<string, string>;
}

export function applyEnvironmentSecrets(parsed: unknown, env: Environment): SecretOverlay {
  const variables = new Map<string, string>();
  if (!isRecord(parsed)) {
    return { raw: parsed, variables };
  }

  const raw = structuredClone(parsed);
  applyDatabaseUrl(raw, env, variables);

  const orgs = raw.orgs;
  if (!Array.isArray(orgs)) {
    return { raw, variables };
  }

  orgs.forEach((org: unknown, index) => {
    if (!isRecord(org) || typeof org.id !== 'string') {
      return;
    }

    for (const slot of ORG_SECRET_SLOTS) {
      const variable = orgSecretVariable(org.id, slot.suffix);
      variables.set(`orgs[${index}].${slot.keys.join('.')}`, variable);
      setSecret(org, slot, env[variable]);
    }
    applyMailboxSecrets(org, index, env, variables);
  });
  return { raw, variables };
}

function applyMailboxSecrets(org: Record<string, unknown>, orgIndex: number, env: Environment, variables: Map<string, string>): void {
  const mailboxes = org.mailboxes;
  if (!Array.isArray(mailboxes)) {
    return;
  }
  mailboxes.forEach((mailbox: unknown, index) => {
    if (!isRecord(mailbox) || typeof mailbox.address !== 'string') {
      return;
    }
    for (const slot of MAILBOX_SECRET_SLOTS) {
      const variable = mailboxSecretVariable(String(org.id), mailbox.address, slot.suffix);
      variables.set(`orgs[${orgIndex}].mailboxes[${index}].${slot.keys.join('.')}`, variable);
      setSecret(mailbox, slot, env[variable]);
    }
  });
}

function applyDatabaseUrl(raw: Record<string, unknown>, env: Environment, variables: Map<string, string>): void {
  variables.set('store.connectionString', DATABASE_URL_VARIABLE);
  const value = env[DATABASE_URL_VARIABLE];
  if (!value) {
    return;
  }

  if (raw.store === undefined) {
    raw.store = { kind: 'postgres', connectionString: value };
    return;
  }

  if (isRecord(raw.store) && raw.store.kind === 'postgres') {
    raw.store.connectionString = value;
  }
}

function setSecret(owner: Record<string, unknown>, slot: SecretSlot, value: string | undefined): void {
  if (!value) {
    return;
  }

  let target: Record<string, unknown> = owner;
  for (const key of slot.keys.slice(0, -1)) {
    const next = target[key];
    if (!isRecord(next)) {
      return;
    }
    target = next;
  }

  if (slot.whenKind !== undefined && !slot.whenKind.includes(String(target.kind))) {
    return;
  }

  const last = slot.keys[slot.keys.length - 1];
  if (last !== undefined) {
    target[last] = value;
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
