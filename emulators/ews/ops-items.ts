import { child, render, tag, textTag, type XmlNode } from './xml.ts';
import { findItem, resolveFolder, type OperationContext } from './context.ts';
import { applyUpdates, itemElementOf, readNewItem } from './item-input.ts';
import { attachmentNode, readShape, renderItem } from './item-view.ts';
import { failure, ItemError, operationResponse, success } from './soap-reply.ts';
import type { ItemRecord } from './store.ts';

/** Run `handle` per item, turning an ItemError into that item's error response message. */
function perItem<T>(operation: string, entries: readonly T[], handle: (entry: T) => string): string {
  const messages = entries.map((entry) => {
    try {
      return success(operation, handle(entry));
    } catch (error) {
      if (error instanceof ItemError) {
        return failure(operation, error.code, error.message, { content: operation === 'GetItem' || operation === 'CreateItem' || operation === 'UpdateItem' ? tag('m:Items', {}) : '' });
      }
      throw error;
    }
  });
  return operationResponse(operation, messages);
}

function notFound(): ItemError {
  return new ItemError('ErrorItemNotFound', 'The specified object was not found in the store.');
}

export function getItem(ctx: OperationContext): string {
  const shape = readShape(child(ctx.operation, 'ItemShape'));
  const ids = child(ctx.operation, 'ItemIds')?.children ?? [];
  return perItem('GetItem', ids, (id) => {
    const item = resolveItemId(ctx, id);
    return tag('m:Items', {}, renderItem(ctx.services.store, item, shape));
  });
}

/** ItemId names an item; RecurringMasterItemId names the master of the occurrence it points at. */
function resolveItemId(ctx: OperationContext, id: XmlNode): ItemRecord {
  if (id.name === 'RecurringMasterItemId') {
    const occurrence = findItem(ctx, id.attributes.OccurrenceId);
    const master = occurrence?.masterId ? findItem(ctx, occurrence.masterId) : null;
    if (master === null) throw notFound();
    return master;
  }
  const item = findItem(ctx, id.attributes.Id);
  if (item === null) {
    if (ctx.services.store.items.get((id.attributes.Id ?? '').trim())?.masterId) {
      throw new ItemError('ErrorCalendarOccurrenceIsDeletedFromRecurrence', 'Occurrence with this index was previously deleted from the recurrence.');
    }
    throw notFound();
  }
  return item;
}

export function createItem(ctx: OperationContext): string {
  const folder = resolveFolder(ctx, child(ctx.operation, 'SavedItemFolderId') ?? parentOf(ctx));
  const items = child(ctx.operation, 'Items')?.children ?? [];
  return perItem('CreateItem', items, (node) => {
    const element = itemElementOf(node);
    const { props, extended } = readNewItem(node);
    const item = ctx.services.store.addItem({ userId: ctx.user.id, folderId: folder.id, element, props, extended });
    return tag('m:Items', {}, tag(`t:${element}`, {}, tag('t:ItemId', { Id: item.id, ChangeKey: item.changeKey })));
  });
}

const DEFAULT_FOLDERS: Readonly<Record<string, string>> = { CalendarItem: 'calendar', Task: 'tasks', Contact: 'contacts' };

/** Without SavedItemFolderId an item goes to the default folder of its type. */
function parentOf(ctx: OperationContext): XmlNode {
  const first = child(ctx.operation, 'Items')?.children[0]?.name ?? '';
  const folder = DEFAULT_FOLDERS[first] ?? 'drafts';
  return { name: 'SavedItemFolderId', attributes: {}, text: '', children: [{ name: 'DistinguishedFolderId', attributes: { Id: folder }, children: [], text: '' }] };
}

/**
 * UpdateItem with the documented conflict rules: NeverOverwrite (and AutoResolve on a changed property) refuses a
 * ChangeKey older than the item's with ErrorIrresolvableConflict; AlwaysOverwrite applies the change regardless.
 */
export function updateItem(ctx: OperationContext): string {
  const resolution = ctx.operation.attributes.ConflictResolution ?? 'AutoResolve';
  const changes = child(ctx.operation, 'ItemChanges')?.children ?? [];
  return perItem('UpdateItem', changes, (change) => {
    const id = child(change, 'ItemId');
    const item = findItem(ctx, id?.attributes.Id);
    if (item === null) throw notFound();
    const changeKey = id?.attributes.ChangeKey;
    if (resolution !== 'AlwaysOverwrite' && changeKey !== undefined && changeKey !== item.changeKey) {
      throw new ItemError('ErrorIrresolvableConflict', 'The send or update operation could not be performed because the change key passed in the request does not match the current change key for the item.');
    }

    applyUpdates(item, child(change, 'Updates') ?? { name: 'Updates', attributes: {}, children: [], text: '' });
    if (item.masterId !== null && item.calendarType === 'Occurrence') {
      item.calendarType = 'Exception';
    }
    ctx.services.store.touch(item);
    return tag('m:Items', {}, tag(`t:${item.element}`, {}, tag('t:ItemId', { Id: item.id, ChangeKey: item.changeKey }))) + tag('m:ConflictResults', {}, textTag('t:Count', '0'));
  });
}

export function deleteItem(ctx: OperationContext): string {
  const ids = child(ctx.operation, 'ItemIds')?.children ?? [];
  return perItem('DeleteItem', ids, (id) => {
    const item = findItem(ctx, id.attributes.Id);
    if (item === null) throw notFound();
    ctx.services.store.deleteItem(item);
    return '';
  });
}

export function getAttachment(ctx: OperationContext): string {
  const ids = child(ctx.operation, 'AttachmentIds')?.children ?? [];
  const messages = ids.map((id) => {
    for (const item of ctx.services.store.userItems(ctx.user.id)) {
      const attachment = item.deleted ? undefined : item.attachments.find((candidate) => candidate.id === id.attributes.Id);
      if (attachment !== undefined) {
        return success('GetAttachment', tag('m:Attachments', {}, render(attachmentNode(attachment, true))));
      }
    }
    return failure('GetAttachment', 'ErrorInvalidIdNotAnItemAttachmentId', 'The Id is invalid.', { content: tag('m:Attachments', {}) });
  });
  return operationResponse('GetAttachment', messages);
}
