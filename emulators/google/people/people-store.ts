import { GoogleApiError, invalid } from '../google-error.ts';
import { decodeToken, encodeToken, newOpaqueEtag, newPersonResourceName, nowIso } from '../ids.ts';
import type { PersonRecord, UserState } from '../state.ts';

/**
 * One user's contacts in the People API. Each write takes the next number of the user's contact change sequence,
 * which sync tokens point into; a deleted contact stays as a record so an incremental sync reports it with
 * `metadata.deleted`. As documented, sync tokens expire seven days after the full sync that issued them.
 */

/** Person fields the emulator stores; a mask naming another one is rejected as Google rejects unknown paths. */
export const PERSON_FIELDS = [
  'addresses',
  'biographies',
  'birthdays',
  'clientData',
  'emailAddresses',
  'memberships',
  'metadata',
  'names',
  'nicknames',
  'organizations',
  'phoneNumbers',
  'urls',
  'userDefined',
] as const;
type PersonField = (typeof PERSON_FIELDS)[number];

const SYNC_TOKEN_LIFETIME_MS = 7 * 24 * 3600 * 1000;
const MY_CONTACTS = 'contactGroups/myContacts';

const FORMATTED_TYPES: Readonly<Record<string, string>> = {
  home: 'Home',
  work: 'Work',
  mobile: 'Mobile',
  homeFax: 'Home Fax',
  workFax: 'Work Fax',
  otherFax: 'Other Fax',
  pager: 'Pager',
  workMobile: 'Work Mobile',
  main: 'Main',
  other: 'Other',
};

export function parseFieldMask(mask: string | null, parameter: string): PersonField[] {
  if (mask === null || mask.trim() === '') {
    throw invalid(`${parameter} mask is required. Please specify one or more valid paths. Valid paths are documented at https://developers.google.com/people/api/rest/v1/people/get.`);
  }
  const fields = mask.split(',').map((field) => field.trim().replace(/^person\./, ''));
  const unknown = fields.find((field) => !(PERSON_FIELDS as readonly string[]).includes(field));
  if (unknown !== undefined) {
    throw invalid(`Invalid ${parameter} mask path: "${unknown}". Valid paths are documented at https://developers.google.com/people/api/rest/v1/people/get.`);
  }
  return fields as PersonField[];
}

export function getPerson(user: UserState, resourceName: string): PersonRecord {
  const record = user.people.persons[resourceName];
  if (!record || record.deleted) {
    throw new GoogleApiError(404, 'notFound', 'Requested entity was not found.');
  }
  return record;
}

/** The person as the API returns it: `resourceName`, `etag` and the requested fields, with their metadata. */
export function personView(record: PersonRecord, fields: readonly PersonField[]): Record<string, unknown> {
  const { resource } = record;
  const sourceId = sourceIdOf(String(resource.resourceName));
  const view: Record<string, unknown> = { resourceName: resource.resourceName, etag: resource.etag };
  if (record.deleted) {
    return { ...view, metadata: { sources: [{ type: 'CONTACT', id: sourceId }], deleted: true, objectType: 'PERSON' } };
  }
  for (const field of fields) {
    if (field === 'metadata') {
      view.metadata = { sources: [{ type: 'CONTACT', id: sourceId, etag: resource.etag, updateTime: record.updateTime }], objectType: 'PERSON' };
      continue;
    }
    const entries = resource[field];
    if (Array.isArray(entries) && entries.length > 0) {
      view[field] = entries.map((entry: Record<string, unknown>, index: number) => decorate(field, entry, index, sourceId));
    }
  }
  return view;
}

/** Throw the error `createPerson` would throw for this input, without storing anything. */
export function checkNewPerson(user: UserState, input: Record<string, unknown>): void {
  fieldsOf(user, input, PERSON_FIELDS);
}

export function createPerson(user: UserState, input: Record<string, unknown>, seedUid: string | null = null): PersonRecord {
  const resourceName = newPersonResourceName();
  const record: PersonRecord = {
    resource: { resourceName, etag: newOpaqueEtag(), ...fieldsOf(user, input, PERSON_FIELDS) },
    seq: nextSeq(user),
    updateTime: nowIso(),
    deleted: false,
    seedUid,
  };
  ensureMyContacts(record.resource);
  user.people.persons[resourceName] = record;
  return record;
}

/** Replace the fields named in `updatePersonFields`; the body's etag must be the current one. */
export function updatePerson(user: UserState, resourceName: string, input: Record<string, unknown>, fields: readonly PersonField[]): PersonRecord {
  const record = getPerson(user, resourceName);
  if (typeof input.etag !== 'string' || input.etag === '') {
    throw invalid('Request person.etag must be set. Read the contact first and send its etag.');
  }
  if (input.etag !== record.resource.etag) {
    throw new GoogleApiError(400, 'failedPrecondition', 'person.etag is different than the current etag: the contact changed since it was read.', { status: 'FAILED_PRECONDITION', legacyErrors: false });
  }

  const updated = fieldsOf(user, input, fields);
  const resource: Record<string, unknown> = { ...record.resource, etag: newOpaqueEtag() };
  for (const field of fields) {
    if (updated[field] === undefined) {
      delete resource[field];
    } else {
      resource[field] = updated[field];
    }
  }
  ensureMyContacts(resource);
  record.resource = resource;
  record.seq = nextSeq(user);
  record.updateTime = nowIso();
  return record;
}

export function deletePerson(user: UserState, resourceName: string): void {
  const record = getPerson(user, resourceName);
  record.deleted = true;
  record.resource = { resourceName, etag: newOpaqueEtag() };
  record.seq = nextSeq(user);
  record.updateTime = nowIso();
}

interface SyncTokenValue {
  readonly e: number;
  readonly s: number;
  readonly t: number;
}
interface PageTokenValue {
  readonly o: number;
  readonly s: number;
  readonly since: number | null;
}

export function listConnections(user: UserState, params: URLSearchParams): Record<string, unknown> {
  const fields = parseFieldMask(params.get('personFields'), 'personFields');
  const pageSize = Math.min(Math.max(Number(params.get('pageSize') ?? 100) || 100, 1), 1000);
  const pageToken = params.get('pageToken');
  const page = pageToken === null ? null : decodeToken<PageTokenValue>(pageToken);
  if (pageToken !== null && (page === null || typeof page.o !== 'number')) {
    throw invalid('Invalid pageToken.');
  }

  const syncToken = params.get('syncToken');
  const since = page?.since ?? (syncToken === null ? null : sinceOf(user, syncToken));
  const snapshot = page?.s ?? user.people.seq;
  const records = Object.values(user.people.persons)
    .filter((record) => (since === null ? !record.deleted : record.seq > since && record.seq <= snapshot))
    .sort((a, b) => String(a.resource.resourceName).localeCompare(String(b.resource.resourceName)));

  const offset = page?.o ?? 0;
  const body: Record<string, unknown> = {
    connections: records.slice(offset, offset + pageSize).map((record) => personView(record, fields)),
    totalPeople: records.length,
    totalItems: records.length,
  };
  if (offset + pageSize < records.length) {
    body.nextPageToken = encodeToken({ o: offset + pageSize, s: snapshot, since } satisfies PageTokenValue);
  } else if (params.get('requestSyncToken') === 'true') {
    body.nextSyncToken = encodeToken({ e: user.people.tokenEpoch, s: snapshot, t: Date.now() } satisfies SyncTokenValue);
  }
  return body;
}

function sinceOf(user: UserState, token: string): number {
  const value = decodeToken<SyncTokenValue>(token);
  const expired = value === null || value.e !== user.people.tokenEpoch || typeof value.s !== 'number' || value.s > user.people.seq || Date.now() - value.t > SYNC_TOKEN_LIFETIME_MS;
  if (expired) {
    throw new GoogleApiError(400, 'failedPrecondition', 'Sync token is expired. Clear local cache and retry call without the sync token.', {
      status: 'FAILED_PRECONDITION',
      errorInfoReason: 'EXPIRED_SYNC_TOKEN',
      legacyErrors: false,
    });
  }
  return value.s;
}

function nextSeq(user: UserState): number {
  user.people.seq += 1;
  return user.people.seq;
}

/** Check and return the stored entries of each given field; `metadata` is the server's and never stored. */
function fieldsOf(user: UserState, input: Record<string, unknown>, fields: readonly PersonField[]): Record<string, unknown[]> {
  const result: Record<string, unknown[]> = {};
  for (const field of fields) {
    const entries = input[field];
    if (field === 'metadata' || entries === undefined || entries === null) {
      continue;
    }
    if (!Array.isArray(entries)) {
      throw invalid(`Invalid value at 'person.${field}': expected a list.`);
    }
    result[field] = entries.map((entry: unknown) => stripMetadata(entry));
    if (field === 'memberships') {
      checkGroups(user, result[field] as Record<string, unknown>[]);
    }
    if (field === 'clientData' && (result[field] as Record<string, unknown>[]).some((entry) => typeof entry.key !== 'string' || entry.key === '')) {
      throw invalid("Invalid value at 'person.client_data': every entry needs a key.");
    }
  }
  return result;
}

function stripMetadata(entry: unknown): Record<string, unknown> {
  const { metadata: _metadata, formattedType: _type, ...rest } = (entry ?? {}) as Record<string, unknown>;
  return rest;
}

function checkGroups(user: UserState, memberships: Record<string, unknown>[]): void {
  for (const membership of memberships) {
    const group = (membership.contactGroupMembership as { contactGroupResourceName?: unknown } | undefined)?.contactGroupResourceName;
    if (typeof group !== 'string' || !user.people.groups[group]) {
      throw invalid(`Invalid contact group membership: ${String(group)} does not exist.`);
    }
  }
}

function ensureMyContacts(resource: Record<string, unknown>): void {
  const memberships = (Array.isArray(resource.memberships) ? resource.memberships : []) as Record<string, unknown>[];
  const names = memberships.map((membership) => (membership.contactGroupMembership as { contactGroupResourceName?: string } | undefined)?.contactGroupResourceName);
  if (!names.includes(MY_CONTACTS)) {
    resource.memberships = [...memberships, { contactGroupMembership: { contactGroupId: 'myContacts', contactGroupResourceName: MY_CONTACTS } }];
  }
}

function decorate(field: PersonField, entry: Record<string, unknown>, index: number, sourceId: string): Record<string, unknown> {
  const decorated: Record<string, unknown> = { metadata: { ...(index === 0 ? { primary: true } : {}), source: { type: 'CONTACT', id: sourceId } }, ...entry };
  if (typeof entry.type === 'string' && FORMATTED_TYPES[entry.type] !== undefined) {
    decorated.formattedType = FORMATTED_TYPES[entry.type];
  }
  if (field === 'names') {
    const display = [entry.honorificPrefix, entry.givenName, entry.middleName, entry.familyName, entry.honorificSuffix].filter((part) => typeof part === 'string' && part !== '').join(' ');
    decorated.displayName = display;
    decorated.unstructuredName = display;
  }
  return decorated;
}

function sourceIdOf(resourceName: string): string {
  const digits = resourceName.replace(/^people\/c/, '');
  return /^\d+$/.test(digits) ? BigInt(digits).toString(16) : digits;
}
