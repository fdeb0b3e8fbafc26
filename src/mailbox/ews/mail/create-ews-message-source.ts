import type { Change, PullResult } from '../../../domain/connector.ts';
import type { FolderRole, MailMessage, MessageScope, MessageSource } from '../../../domain/email-message.ts';
import { ConnectorError } from '../../../domain/errors.ts';
import { decodeEwsCursor, encodeEwsCursor } from '../ews-cursor.ts';
import { successMessage } from '../ews-client.ts';
import { distinguishedFolderXml, folderIdXml, itemIdOf, itemShapeXml, modifiedAtOf } from '../items/ews-item-xml.ts';
import { getItems } from '../items/get-items.ts';
import { instantOf } from '../items/ews-values.ts';
import { syncFolderItems } from '../items/sync-folder-items.ts';
import { child, childText } from '../soap/xml-tree.ts';
import { element } from '../soap/xml-write.ts';
import type { EwsSourceContext } from '../source-context.ts';
import { ensureCategory } from './category-list.ts';
import { MESSAGE_FIELD_URIS, messageFromEws } from './message-from-ews.ts';
import { createFolder, findFolderByName } from './salesforce-folder.ts';

/** Folder roles in the order their rounds are read; a message moved while the pull runs ends as the later read saw it. */
const READ_ORDER: readonly FolderRole[] = ['inbox', 'sent', 'drafts', 'salesforce'];
const DISTINGUISHED: Partial<Record<FolderRole, 'inbox' | 'sentitems' | 'drafts'>> = { inbox: 'inbox', sent: 'sentitems', drafts: 'drafts' };

interface MailState {
  salesforceFolderName: string | null;
  salesforceFolderId: string | null;
}

/** Creates the message source of one mailbox over EWS. It reads messages and sets marks, and never sends or edits mail. */
export function createEwsMessageSource(ctx: EwsSourceContext): MessageSource {
  const state: MailState = { salesforceFolderName: null, salesforceFolderId: null };
  return {
    get calls() {
      return ctx.client.calls;
    },
    pullMessages: (cursor, scope) => pullMessages(ctx, state, cursor, scope),
    readMessages: (ids) => readMessages(ctx, state, ids),
    readAttachment: (messageId, attachmentId) => readAttachment(ctx, messageId, attachmentId),
    ensureMarkers: async (markers) => {
      requireName(markers.category, 'category');
      requireName(markers.folderName, 'folderName');
      state.salesforceFolderName = markers.folderName;
      await ensureCategory(ctx.client, markers.category);
      state.salesforceFolderId = (await findFolderByName(ctx.client, markers.folderName)) ?? (await createFolder(ctx.client, markers.folderName));
    },
  };
}

function requireName(value: string, field: string): void {
  if (typeof value !== 'string' || value.trim() === '') {
    throw new Error(`markers.${field} ${JSON.stringify(value)} is empty: name the Salesforce ${field === 'category' ? 'category' : 'folder'}, e.g. "Salesforce"`);
  }
}

/**
 * Follow SyncFolderItems on every folder of the scope from its stored SyncState, or list the folder from the
 * scope's `since` on when it has none. Removals are dropped: a message source reports what is in scope.
 */
async function pullMessages(ctx: EwsSourceContext, state: MailState, cursor: string | null, scope: MessageScope): Promise<PullResult<MailMessage>> {
  if (scope.folders.includes('other')) {
    throw new ConnectorError({ kind: 'bug', code: 'FolderRoleNotWatchable', message: "the folder role 'other' cannot be watched: list inbox, sent, drafts or salesforce in the scope" });
  }
  const since = Date.parse(scope.since);
  if (Number.isNaN(since)) {
    throw new Error(`scope.since "${scope.since}" is not an ISO instant; pass one such as 2026-11-01T00:00:00Z`);
  }

  const stored = cursor === null ? { folders: {}, folderIds: {} } : decodeEwsCursor(cursor);
  const folders: Record<string, string> = {};
  const ids = new Map<string, FolderRole>();
  let full = true;

  for (const role of READ_ORDER.filter((candidate) => scope.folders.includes(candidate))) {
    const folderXml = await folderXmlOf(ctx, state, role, stored.folderIds?.salesforce ?? null);
    if (folderXml === null) {
      continue;
    }
    const previous = stored.folders[role] ?? null;
    const round = await syncFolderItems(ctx.client, folderXml, previous, { pageSize: ctx.syncPageSize, maxPages: ctx.syncPagesPerPull, fieldUris: ['item:DateTimeReceived'] });
    folders[role] = round.syncState;
    full &&= previous === null;
    for (const change of round.changes) {
      if (change.kind === 'delete') {
        ids.delete(change.id);
        continue;
      }
      // A first listing starts at `since`; later rounds report every change, because an old message may get the category today.
      const received = Date.parse(instantOf(change.item, 'DateTimeReceived') ?? '');
      if (previous !== null || Number.isNaN(received) || received >= since) {
        ids.delete(change.id);
        ids.set(change.id, role);
      }
    }
  }

  const snapshots = await readMessages(ctx, state, [...ids.keys()], ids);
  const changes: Change<MailMessage>[] = [...snapshots.values()].map((snapshot) => ({ kind: 'upsert', ...snapshot, modifiedAt: snapshot.modifiedAt, syncId: null }));
  const folderIds: Record<string, string> = state.salesforceFolderId === null ? {} : { salesforce: state.salesforceFolderId };
  return { changes, nextCursor: encodeEwsCursor({ folders, folderIds }), isFullListing: full };
}

async function folderXmlOf(ctx: EwsSourceContext, state: MailState, role: FolderRole, storedSalesforceId: string | null): Promise<string | null> {
  const distinguished = DISTINGUISHED[role];
  if (distinguished !== undefined) {
    return distinguishedFolderXml(distinguished);
  }

  state.salesforceFolderId ??= storedSalesforceId ?? (state.salesforceFolderName === null ? null : await findFolderByName(ctx.client, state.salesforceFolderName));
  return state.salesforceFolderId === null ? null : folderIdXml(state.salesforceFolderId);
}

interface MessageSnapshot {
  readonly id: string;
  readonly version: string;
  readonly modifiedAt: string;
  readonly item: MailMessage;
}

async function readMessages(ctx: EwsSourceContext, state: MailState, ids: readonly string[], roles: ReadonlyMap<string, FolderRole> = new Map()): Promise<Map<string, MessageSnapshot>> {
  const nodes = await getItems(ctx.client, ids, itemShapeXml(MESSAGE_FIELD_URIS, { bodyType: 'Best' }), ctx.batchSize);
  const folderRoles = await distinguishedFolderIds(ctx);
  const found = new Map<string, MessageSnapshot>();
  for (const [id, node] of nodes) {
    const parent = child(node, 'ParentFolderId')?.attributes.Id ?? null;
    const role = roles.get(id) ?? (parent === null ? 'other' : (folderRoles.get(parent) ?? (parent === state.salesforceFolderId ? 'salesforce' : 'other')));
    found.set(id, { id, version: itemIdOf(node)?.changeKey ?? '', modifiedAt: modifiedAtOf(node), item: messageFromEws(node, role) });
  }
  return found;
}

/** Folder ids of the inbox, Sent Items and Drafts, so a message read by id gets its folder's role. */
async function distinguishedFolderIds(ctx: EwsSourceContext): Promise<Map<string, FolderRole>> {
  const body = element(
    'm:GetFolder',
    {},
    element('m:FolderShape', {}, '<t:BaseShape>IdOnly</t:BaseShape>'),
    element('m:FolderIds', {}, distinguishedFolderXml('inbox'), distinguishedFolderXml('sentitems'), distinguishedFolderXml('drafts')),
  );
  const reply = await ctx.client.call({ body, idempotent: true, label: 'GetFolder' });
  const roles: FolderRole[] = ['inbox', 'sent', 'drafts'];
  const ids = new Map<string, FolderRole>();
  reply.messages.forEach((message, index) => {
    const id = child(child(message.node, 'Folders')?.children[0], 'FolderId')?.attributes.Id;
    const role = roles[index];
    if (id !== undefined && role !== undefined) {
      ids.set(id, role);
    }
  });
  return ids;
}

async function readAttachment(ctx: EwsSourceContext, messageId: string, attachmentId: string): Promise<Uint8Array> {
  const body = element('m:GetAttachment', {}, element('m:AttachmentIds', {}, element('t:AttachmentId', { Id: attachmentId })));
  const reply = await ctx.client.call({ body, idempotent: true, label: 'GetAttachment' });
  const message = successMessage(reply.messages[0], 'GetAttachment');

  const content = childText(child(child(message.node, 'Attachments'), 'FileAttachment'), 'Content');
  if (content === null) {
    throw new ConnectorError({ kind: 'bug', code: 'AttachmentWithoutContent', message: `Exchange returned no content for an attachment of message ${messageId}` });
  }
  return new Uint8Array(Buffer.from(content, 'base64'));
}
