import type { Change, ItemSnapshot, PullResult } from '../../../domain/connector.ts';
import type { MailboxContact } from '../../../domain/contact.ts';
import { ConnectorError } from '../../../domain/errors.ts';
import { snapshotFromPerson, syncIdOf } from './contact-from-person.ts';
import { CONNECTIONS_PAGE_SIZE, PEOPLE_BATCH_SIZE, peopleUrl, type PeopleContext } from './people-context.ts';
import { PERSON_FIELDS, type Person } from './person-types.ts';

interface ConnectionsPage {
  readonly connections?: readonly Person[];
  readonly nextPageToken?: string;
  readonly nextSyncToken?: string;
}

/**
 * Pull the user's contacts with `people.connections.list`: in full with `requestSyncToken`, then from the sync token
 * the last page returned, which lists changed contacts and deleted ones (`metadata.deleted`). People lets a sync
 * token expire seven days after the full sync that issued it. The expired token's error (EXPIRED_SYNC_TOKEN) is
 * classified as `cursorExpired`, so the core reads again in full.
 */
export async function pullContacts(ctx: PeopleContext, cursor: string | null): Promise<PullResult<MailboxContact>> {
  await ctx.groups.load();
  const changes = new Map<string, Change<MailboxContact>>();
  const nextSyncToken = await listConnections(ctx, cursor, (person) => {
    changes.delete(person.resourceName);
    if (person.metadata?.deleted === true) {
      changes.set(person.resourceName, { kind: 'delete', id: person.resourceName, mayStillExist: false });
      return;
    }
    changes.set(person.resourceName, { kind: 'upsert', ...snapshotFromPerson(person, ctx.groups) });
  });
  return { changes: [...changes.values()], nextCursor: nextSyncToken, isFullListing: cursor === null };
}

/** Walk the connection pages from a sync token, or in full; returns the sync token of the last page. */
async function listConnections(ctx: PeopleContext, syncToken: string | null, visit: (person: Person) => void): Promise<string> {
  const query = new URLSearchParams({ personFields: PERSON_FIELDS, pageSize: String(CONNECTIONS_PAGE_SIZE), requestSyncToken: 'true' });
  if (syncToken !== null) {
    query.set('syncToken', syncToken);
  }
  for (;;) {
    const { body } = await ctx.client.http.sendOrThrow({ method: 'GET', url: `${peopleUrl(ctx, 'people/me/connections')}?${query.toString()}`, idempotent: true, label: 'connections.list' });
    const page = (body ?? {}) as ConnectionsPage;
    (page.connections ?? []).forEach(visit);
    if (page.nextPageToken) {
      query.set('pageToken', page.nextPageToken);
      continue;
    }
    if (!page.nextSyncToken) {
      throw new ConnectorError({ kind: 'bug', code: 'ListWithoutToken', message: 'the last page of People connections came without nextSyncToken although one was requested' });
    }
    return page.nextSyncToken;
  }
}

/** Read contacts by resource name with `people.batchGet`, 200 per call; a deleted one is left out. */
export async function readContacts(ctx: PeopleContext, ids: readonly string[]): Promise<Map<string, ItemSnapshot<MailboxContact>>> {
  await ctx.groups.load();
  const found = new Map<string, ItemSnapshot<MailboxContact>>();
  for (const person of await batchGetPersons(ctx, ids)) {
    found.set(person.resourceName, snapshotFromPerson(person, ctx.groups));
  }
  return found;
}

export async function batchGetPersons(ctx: PeopleContext, ids: readonly string[]): Promise<Person[]> {
  const unique = [...new Set(ids)].filter((id) => id.startsWith('people/'));
  const persons: Person[] = [];
  for (let index = 0; index < unique.length; index += PEOPLE_BATCH_SIZE) {
    const query = new URLSearchParams({ personFields: PERSON_FIELDS });
    for (const id of unique.slice(index, index + PEOPLE_BATCH_SIZE)) query.append('resourceNames', id);
    const { body } = await ctx.client.http.sendOrThrow({ method: 'GET', url: `${peopleUrl(ctx, 'people:batchGet')}?${query.toString()}`, idempotent: true, label: 'people.batchGet' });
    for (const response of (body as { responses?: { httpStatusCode?: number; person?: Person }[] } | null)?.responses ?? []) {
      if (response.person && (response.httpStatusCode ?? 200) === 200 && response.person.metadata?.deleted !== true) {
        persons.push(response.person);
      }
    }
  }
  return persons;
}

/**
 * Find contacts by sync id. People has no search on `clientData`, so this lists every contact and matches here. The
 * core calls it only for creates whose outcome was lost, so it runs rarely.
 */
export async function findContactsBySyncIds(ctx: PeopleContext, syncIds: readonly string[]): Promise<Map<string, ItemSnapshot<MailboxContact>>> {
  await ctx.groups.load();
  const wanted = new Set(syncIds);
  const found = new Map<string, ItemSnapshot<MailboxContact>>();
  await listConnections(ctx, null, (person) => {
    const syncId = syncIdOf(person);
    if (syncId === null || !wanted.has(syncId)) {
      return;
    }
    const snapshot = snapshotFromPerson(person, ctx.groups);
    const earlier = found.get(syncId);
    if (earlier) {
      ctx.client.logger.warn({ ids: [earlier.id, person.resourceName] }, 'several Google contacts carry one sync id; the one updated least recently is used');
      if (earlier.modifiedAt <= snapshot.modifiedAt) return;
    }
    found.set(syncId, snapshot);
  });
  return found;
}
