import type { ItemSnapshot } from '../../../domain/connector.ts';
import type { XmlNode } from '../soap/xml-tree.ts';
import type { EwsSourceContext } from '../source-context.ts';
import { distinguishedFolderXml, itemIdOf, itemShapeXml, modifiedAtOf } from './ews-item-xml.ts';
import { findIdsBySyncIds } from './find-by-sync-ids.ts';
import { getItems } from './get-items.ts';
import type { EwsItemKind } from './item-kind.ts';
import { syncIdOf } from './sync-id-property.ts';

export function kindShape<T>(kind: EwsItemKind<T>): string {
  return itemShapeXml(kind.fieldUris, { bodyType: 'Text', extra: kind.extraShape });
}

export function snapshotOf<T>(kind: EwsItemKind<T>, node: XmlNode, fallbackId: string): ItemSnapshot<T> {
  const ids = itemIdOf(node);
  return { id: ids?.id ?? fallbackId, version: ids?.changeKey ?? '', modifiedAt: modifiedAtOf(node), syncId: syncIdOf(node), item: kind.toItem(node) };
}

/** Read items by id; an id Exchange no longer knows is absent from the result. */
export async function readKindItems<T>(ctx: EwsSourceContext, kind: EwsItemKind<T>, ids: readonly string[]): Promise<Map<string, ItemSnapshot<T>>> {
  const nodes = await getItems(ctx.client, ids, kindShape(kind), ctx.batchSize);
  return new Map([...nodes].map(([id, node]) => [id, snapshotOf(kind, node, id)]));
}

/** Find the items of the kind's folder that carry these sync ids. */
export async function findKindBySyncIds<T>(ctx: EwsSourceContext, kind: EwsItemKind<T>, syncIds: readonly string[]): Promise<Map<string, ItemSnapshot<T>>> {
  if (syncIds.length === 0) {
    return new Map();
  }

  const ids = await findIdsBySyncIds(ctx.client, distinguishedFolderXml(kind.folder), syncIds, ctx.logger);
  const items = await readKindItems(ctx, kind, [...ids.values()]);
  const found = new Map<string, ItemSnapshot<T>>();
  for (const [syncId, id] of ids) {
    const snapshot = items.get(id);
    if (snapshot !== undefined) {
      found.set(syncId, snapshot);
    }
  }
  return found;
}
