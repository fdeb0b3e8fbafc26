import type { Logger } from '../../../observability/logger.ts';
import { successMessage, type EwsClient } from '../ews-client.ts';
import { child, childText } from '../soap/xml-tree.ts';
import { element } from '../soap/xml-write.ts';
import { itemIdOf, itemShapeXml } from './ews-item-xml.ts';
import { SYNC_ID_FIELD_URI, syncIdOf } from './sync-id-property.ts';

/** Sync ids per FindItem: one Or restriction over this many values stays a small request. */
const SYNC_IDS_PER_QUERY = 50;
/** EWSFindCountLimit for a search with a restriction is 250 items on Exchange 2013 and later. */
const PAGE_SIZE = 250;

/**
 * Find the ids of the items in `folderXml` that carry these sync ids, through FindItem with a restriction on the sync
 * id property. Two items with one sync id mean a create was repeated: the first created is the one a link was meant
 * for, and a warning lists both.
 */
export async function findIdsBySyncIds(client: EwsClient, folderXml: string, syncIds: readonly string[], logger: Logger): Promise<Map<string, string>> {
  const unique = [...new Set(syncIds)];
  const found = new Map<string, { id: string; created: string }>();

  for (let start = 0; start < unique.length; start += SYNC_IDS_PER_QUERY) {
    const group = unique.slice(start, start + SYNC_IDS_PER_QUERY);
    for (let offset = 0; ; ) {
      const page = await findPage(client, folderXml, group, offset);
      for (const match of page.matches) {
        keepFirstCreated(found, match, logger);
      }
      if (page.isLast) {
        break;
      }
      offset += page.matches.length;
    }
  }
  return new Map([...found].map(([syncId, entry]) => [syncId, entry.id]));
}

interface Match {
  readonly syncId: string;
  readonly id: string;
  readonly created: string;
}

async function findPage(client: EwsClient, folderXml: string, syncIds: readonly string[], offset: number): Promise<{ matches: Match[]; isLast: boolean }> {
  const tests = syncIds.map((syncId) =>
    element('t:IsEqualTo', {}, SYNC_ID_FIELD_URI, element('t:FieldURIOrConstant', {}, element('t:Constant', { Value: syncId }))),
  );
  const restriction = tests.length === 1 ? tests[0] : element('t:Or', {}, ...tests);
  const body = element(
    'm:FindItem',
    { Traversal: 'Shallow' },
    itemShapeXml(['item:DateTimeCreated']),
    element('m:IndexedPageItemView', { MaxEntriesReturned: String(PAGE_SIZE), Offset: String(offset), BasePoint: 'Beginning' }),
    element('m:Restriction', {}, restriction ?? ''),
    element('m:ParentFolderIds', {}, folderXml),
  );
  const reply = await client.call({ body, idempotent: true, label: 'FindItem by sync id' });
  const message = successMessage(reply.messages[0], 'FindItem');

  const root = child(message.node, 'RootFolder');
  const matches: Match[] = [];
  for (const item of child(root, 'Items')?.children ?? []) {
    const ids = itemIdOf(item);
    const syncId = syncIdOf(item);
    if (ids !== null && syncId !== null) {
      matches.push({ syncId, id: ids.id, created: childText(item, 'DateTimeCreated') ?? '' });
    }
  }
  const isLast = root?.attributes.IncludesLastItemInRange !== 'false' || matches.length === 0;
  return { matches, isLast };
}

function keepFirstCreated(found: Map<string, { id: string; created: string }>, match: Match, logger: Logger): void {
  const earlier = found.get(match.syncId);
  if (earlier !== undefined) {
    logger.warn({ ids: [earlier.id, match.id] }, 'several Exchange items carry one sync id; the first created is used');
    if (earlier.created <= match.created) {
      return;
    }
  }
  found.set(match.syncId, { id: match.id, created: match.created });
}
