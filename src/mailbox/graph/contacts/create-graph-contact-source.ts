import type { ItemSnapshot, MailboxContactSource } from '../../../domain/connector.ts';
import type { MailboxContact } from '../../../domain/contact.ts';
import { ConnectorError } from '../../../domain/errors.ts';
import type { GraphConnectorOptions } from '../connector-options.ts';
import { buildContext } from '../create-graph-event-source.ts';
import { executeBatch, type BatchItem } from '../graph-batch.ts';
import type { GraphPage } from '../graph-types.ts';
import { createItemSource, lazily } from '../items/create-item-source.ts';
import type { GraphItemKind } from '../items/graph-item-kind.ts';
import type { SourceContext } from '../source-context.ts';
import { odataString, SYNC_ID_PROPERTY_ID } from '../sync-id-property.ts';
import { contactSnapshot } from './contact-from-graph.ts';
import { EXPAND_CONTACT_PROPERTIES } from './contact-properties.ts';
import { contactCreateBody, contactPatchBody } from './contact-to-graph.ts';
import type { GraphContact } from './graph-contact-types.ts';

/**
 * Create the contact source for the default Contacts folder of one mailbox. Delta over that folder lists the
 * contacts that changed. Delta takes no `$expand`, so the changed contacts are then read by id with the sync id and
 * the business fax expanded, 20 per `$batch`.
 */
export function createGraphContactSource(options: GraphConnectorOptions): MailboxContactSource {
  const ctx = buildContext(options, 'contacts');
  return createItemSource(ctx, contactKind(ctx));
}

function contactKind(ctx: SourceContext): GraphItemKind<MailboxContact, GraphContact> {
  const folderId = lazily(() => findDefaultContactFolderId(ctx));

  const kind: GraphItemKind<MailboxContact, GraphContact> = {
    label: 'contact',
    // `/contacts` is the default Contacts folder for creates, and reads any contact of the mailbox by id.
    collectionPath: async () => `${ctx.userPath}/contacts`,
    firstDeltaUrl: async () => `${ctx.baseUrl}${ctx.userPath}/contactFolders/${encodeURIComponent(await folderId())}/contacts/delta?$select=changeKey`,
    readQuery: EXPAND_CONTACT_PROPERTIES,
    rereadDeltaItems: true,
    // Outlook users can move a contact into another folder, which delta reports as a removal from this folder.
    removalMayBeMove: true,
    sendsIfMatch: true,
    toSnapshot: (contact) => contactSnapshot(contact, ctx.mailboxTimeZone),
    // A contact moved to another folder left the synced scope even though `/contacts/{id}` still reads it.
    isInScope: async (contact) => contact.parentFolderId === undefined || contact.parentFolderId === null || contact.parentFolderId === (await folderId()),
    createBody: (contact, syncId) => contactCreateBody(contact, syncId),
    patchBody: (patch) => contactPatchBody(patch),
    findBySyncIds: (syncIds) => findContactsBySyncIds(ctx, kind, syncIds),
  };
  return kind;
}

/**
 * Find the id of the default Contacts folder by its well-known name `contacts`. Delta is documented only on
 * `/contactFolders/{id}/contacts/delta`, and `/contactFolders` lists the folders inside the default one, not the
 * folder itself.
 */
// NOTE: Graph documents well-known names for mail folders; `contactFolders/contacts` is the form clients use in
// practice for the default Contacts folder, and the emulator accepts it, but no Graph page documents it.
async function findDefaultContactFolderId(ctx: SourceContext): Promise<string> {
  const { body } = await ctx.http.sendOrThrow({
    method: 'GET',
    url: `${ctx.baseUrl}${ctx.userPath}/contactFolders/contacts?$select=id`,
    idempotent: true,
    label: 'default contact folder',
  });
  const id = (body as { id?: unknown } | null)?.id;
  if (typeof id !== 'string' || id === '') {
    throw new ConnectorError({ kind: 'bug', code: 'ContactFolderWithoutId', message: 'Graph returned the default Contacts folder without an id' });
  }
  return id;
}

/** Find the contacts that carry these sync ids, one filtered list request per sync id, batched. */
async function findContactsBySyncIds(
  ctx: SourceContext,
  kind: GraphItemKind<MailboxContact, GraphContact>,
  syncIds: readonly string[],
): Promise<Map<string, ItemSnapshot<MailboxContact>>> {
  const unique = [...new Set(syncIds)];
  const requests: BatchItem[] = unique.map((syncId, index) => ({
    id: String(index),
    method: 'GET',
    url: `${ctx.userPath}/contacts?${filterFor(syncId)}&${EXPAND_CONTACT_PROPERTIES}`,
    idempotent: true,
  }));
  const outcomes = await executeBatch(ctx.batch, requests);

  const found = new Map<string, ItemSnapshot<MailboxContact>>();
  for (const [index, syncId] of unique.entries()) {
    const outcome = outcomes.get(String(index));
    if (outcome === undefined) {
      continue;
    }
    if (!outcome.ok) {
      throw new ConnectorError(outcome.failure);
    }

    const contact = firstCreated(ctx, (outcome.body as GraphPage<GraphContact> | null)?.value ?? []);
    if (contact) {
      found.set(syncId, kind.toSnapshot(contact));
    }
  }
  return found;
}

function filterFor(syncId: string): string {
  const filter = `singleValueExtendedProperties/Any(ep: ep/id eq ${odataString(SYNC_ID_PROPERTY_ID)} and ep/value eq ${odataString(syncId)})`;
  return `$filter=${encodeURIComponent(filter)}`;
}

/** Two contacts with one sync id mean a create was repeated; the first one created is the one a link was meant for. */
function firstCreated(ctx: SourceContext, contacts: readonly GraphContact[]): GraphContact | undefined {
  if (contacts.length > 1) {
    ctx.logger.warn({ ids: contacts.map((contact) => contact.id) }, 'several Graph contacts carry one sync id; the first created is used');
  }
  return [...contacts].sort((a, b) => (a.createdDateTime ?? '').localeCompare(b.createdDateTime ?? ''))[0];
}
