import { findItem, resolveFolder, type OperationContext } from './context.ts';
import { folderElement, readShape, renderItem, sameExtendedUri, elementNameOf } from './item-view.ts';
import { failure, ItemError, operationResponse, RequestFault, success } from './soap-reply.ts';
import { propText, spanOf, type FolderRecord, type ItemRecord } from './store.ts';
import { child, children, tag, textTag, textOf, type XmlNode } from './xml.ts';

/** EWS accepts 1 to 512 changes per SyncFolderItems call. */
const MAX_CHANGES = 512;

interface SyncState {
  readonly folderId: string;
  readonly seq: number;
  readonly epoch: number;
}

/**
 * Serves SyncFolderItems from the folder's change log. A state names the folder, the log position and the store's
 * epoch. A state of another epoch (expired by the admin endpoint) or of another folder is rejected with
 * ErrorInvalidSyncStateData. Without a state every current item is a Create. After a state, items created since are
 * Creates, other changed items are Updates, and deletions of items the client may have seen are Deletes.
 */
export function syncFolderItems(ctx: OperationContext): string {
  const folder = resolveFolder(ctx, child(ctx.operation, 'SyncFolderId'));
  const max = Number(textOf(ctx.operation, 'MaxChangesReturned') ?? MAX_CHANGES);
  if (!Number.isInteger(max) || max < 1 || max > MAX_CHANGES) {
    throw new RequestFault('ErrorInvalidArgument', `MaxChangesReturned must be between 1 and ${MAX_CHANGES}.`);
  }

  const stateText = textOf(ctx.operation, 'SyncState');
  const state = stateText ? decodeState(stateText) : { folderId: folder.id, seq: 0, epoch: ctx.services.store.epoch };
  if (state === null || state.folderId !== folder.id || state.epoch !== ctx.services.store.epoch) {
    const message = failure('SyncFolderItems', 'ErrorInvalidSyncStateData', 'Synchronization state data is corrupt or otherwise invalid.', {
      content: tag('m:SyncState', {}) + textTag('m:IncludesLastItemInRange', 'true'),
    });
    return operationResponse('SyncFolderItems', [message]);
  }

  const shape = readShape(child(ctx.operation, 'ItemShape'));
  const ignored = new Set(children(child(ctx.operation, 'Ignore'), 'ItemId').map((id) => id.attributes.Id));
  const { entries, last } = ctx.services.store.changesSince(folder.id, state.seq);
  const latest = new Map<string, number>();
  let consumed = state.seq;
  for (const entry of entries) {
    if (!latest.has(entry.itemId) && latest.size >= max) break;
    latest.set(entry.itemId, entry.seq);
    consumed = entry.seq;
  }
  const complete = consumed >= (entries.at(-1)?.seq ?? consumed);

  const changes = [...latest.keys()]
    .filter((id) => !ignored.has(id))
    .map((id) => changeXml(ctx, id, state, shape))
    .join('');
  const nextState = encodeState({ folderId: folder.id, seq: complete ? Math.max(consumed, last) : consumed, epoch: state.epoch });
  return operationResponse('SyncFolderItems', [
    success('SyncFolderItems', textTag('m:SyncState', nextState), textTag('m:IncludesLastItemInRange', String(complete)), tag('m:Changes', {}, changes)),
  ]);
}

function changeXml(ctx: OperationContext, id: string, state: SyncState, shape: ReturnType<typeof readShape>): string {
  const item = ctx.services.store.items.get(id);
  if (item === undefined || item.deleted) {
    // An item created and deleted after the client's state is one the client never saw.
    return item !== undefined && item.createdSeq > state.seq ? '' : tag('t:Delete', {}, tag('t:ItemId', { Id: id, ChangeKey: item?.changeKey ?? 'AQAAAA==' }));
  }
  const kind = item.createdSeq > state.seq ? 't:Create' : 't:Update';
  return tag(kind, {}, renderItem(ctx.services.store, item, shape));
}

function encodeState(state: SyncState): string {
  return Buffer.from(JSON.stringify({ f: state.folderId, s: state.seq, e: state.epoch }), 'utf8').toString('base64');
}

function decodeState(text: string): SyncState | null {
  try {
    const value = JSON.parse(Buffer.from(text.trim(), 'base64').toString('utf8')) as { f?: unknown; s?: unknown; e?: unknown };
    return typeof value.f === 'string' && typeof value.s === 'number' && typeof value.e === 'number' ? { folderId: value.f, seq: value.s, epoch: value.e } : null;
  } catch {
    return null;
  }
}

/** FindItem: a CalendarView (expanded instances) or an indexed page of the folder's items, with an optional restriction. */
export function findItems(ctx: OperationContext): string {
  const folder = resolveFolder(ctx, child(ctx.operation, 'ParentFolderIds'));
  const shape = readShape(child(ctx.operation, 'ItemShape'));
  const restriction = child(ctx.operation, 'Restriction')?.children[0] ?? null;
  const view = child(ctx.operation, 'CalendarView');
  const store = ctx.services.store;

  let items: ItemRecord[];
  let page: { items: ItemRecord[]; complete: boolean; offset: number | null };
  if (view !== null) {
    const start = Date.parse(view.attributes.StartDate ?? '');
    const end = Date.parse(view.attributes.EndDate ?? '');
    if (Number.isNaN(start) || Number.isNaN(end) || end < start) {
      throw new RequestFault('ErrorCalendarViewRangeTooBig', 'CalendarView needs a StartDate before its EndDate.');
    }
    items = calendarInstances(ctx, folder.id).filter((item) => overlaps(item, start, end));
    items.sort((a, b) => spanOf(a).start - spanOf(b).start);
    const max = Number(view.attributes.MaxEntriesReturned ?? 1000);
    page = { items: items.slice(0, max), complete: items.length <= max, offset: null };
  } else {
    items = store.folderItems(folder.id).filter((item) => restriction === null || matches(item, restriction));
    const indexed = child(ctx.operation, 'IndexedPageItemView');
    const offset = Number(indexed?.attributes.Offset ?? 0);
    const max = Number(indexed?.attributes.MaxEntriesReturned ?? 1000);
    page = { items: items.slice(offset, offset + max), complete: offset + max >= items.length, offset: offset + Math.min(max, items.length - offset) };
  }

  const root = tag(
    'm:RootFolder',
    { TotalItemsInView: String(items.length), IncludesLastItemInRange: String(page.complete), IndexedPagingOffset: page.offset === null ? undefined : String(page.offset) },
    tag('t:Items', {}, ...page.items.map((item) => renderItem(store, item, shape))),
  );
  return operationResponse('FindItem', [success('FindItem', root)]);
}

/** Single items and the instances of series; masters are not in an expanded view. */
function calendarInstances(ctx: OperationContext, folderId: string): ItemRecord[] {
  return ctx.services.store.userItems(ctx.user.id).filter((item) => {
    if (item.deleted) return false;
    if (item.masterId !== null) return findItem(ctx, item.masterId)?.folderId === folderId;
    return item.folderId === folderId && item.calendarType === 'Single';
  });
}

/** Whether an item overlaps the view `[start, end)`; a zero-length item counts at its start. */
function overlaps(item: ItemRecord, start: number, end: number): boolean {
  const span = spanOf(item);
  return span.start === span.end ? span.start >= start && span.start < end : span.start < end && span.end > start;
}

/** Evaluate IsEqualTo, IsNotEqualTo, And, Or and Not over FieldURI and ExtendedFieldURI properties. */
function matches(item: ItemRecord, restriction: XmlNode): boolean {
  switch (restriction.name) {
    case 'And':
      return restriction.children.every((part) => matches(item, part));
    case 'Or':
      return restriction.children.some((part) => matches(item, part));
    case 'Not':
      return !matches(item, restriction.children[0] as XmlNode);
    case 'IsEqualTo':
    case 'IsNotEqualTo': {
      const uri = restriction.children[0] ?? null;
      const constant = child(child(restriction, 'FieldURIOrConstant'), 'Constant')?.attributes.Value ?? '';
      const equal = valueAt(item, uri) === constant;
      return restriction.name === 'IsEqualTo' ? equal : !equal;
    }
    default:
      throw new RequestFault('ErrorUnsupportedQueryFilter', `The restriction ${restriction.name} is not supported by this emulator.`);
  }
}

function valueAt(item: ItemRecord, uri: XmlNode | null): string | null {
  if (uri?.name === 'ExtendedFieldURI') {
    const property = item.extended.find((entry) => sameExtendedUri(child(entry, 'ExtendedFieldURI'), uri));
    return property === undefined ? null : (textOf(property, 'Value') ?? null);
  }
  return propText(item, elementNameOf(uri?.attributes.FieldURI ?? ''));
}

export function getFolder(ctx: OperationContext): string {
  const ids = child(ctx.operation, 'FolderIds')?.children ?? [];
  const messages = ids.map((id) => {
    try {
      const folder = resolveFolder(ctx, { name: 'FolderIds', attributes: {}, children: [id], text: '' });
      return success('GetFolder', tag('m:Folders', {}, folderElement(ctx.services.store, folder.id, true)));
    } catch (error) {
      if (error instanceof RequestFault) return failure('GetFolder', error.code, error.message);
      throw error;
    }
  });
  return operationResponse('GetFolder', messages);
}

/** FindFolder below one parent, with an optional restriction on folder:DisplayName (compared case-insensitively). */
export function findFolder(ctx: OperationContext): string {
  const parent = resolveFolder(ctx, child(ctx.operation, 'ParentFolderIds'));
  const wanted = child(child(child(child(ctx.operation, 'Restriction'), 'IsEqualTo'), 'FieldURIOrConstant'), 'Constant')?.attributes.Value;
  const folders = childFolders(ctx, parent.id).filter((folder) => wanted === undefined || folder.displayName.toLowerCase() === wanted.toLowerCase());
  const root = tag('m:RootFolder', { TotalItemsInView: String(folders.length), IncludesLastItemInRange: 'true' }, tag('t:Folders', {}, ...folders.map((folder) => folderElement(ctx.services.store, folder.id, true))));
  return operationResponse('FindFolder', [success('FindFolder', root)]);
}

function childFolders(ctx: OperationContext, parentId: string): FolderRecord[] {
  return [...ctx.services.store.folders.values()].filter((folder) => folder.userId === ctx.user.id && folder.parentId === parentId);
}

export function createFolder(ctx: OperationContext): string {
  const parent = resolveFolder(ctx, child(ctx.operation, 'ParentFolderId'));
  const folders = child(ctx.operation, 'Folders')?.children ?? [];
  const messages = folders.map((node) => {
    const name = textOf(node, 'DisplayName') ?? '';
    if (childFolders(ctx, parent.id).some((folder) => folder.displayName.toLowerCase() === name.toLowerCase())) {
      return failure('CreateFolder', 'ErrorFolderExists', 'A folder with the specified name already exists.', { content: tag('m:Folders', {}) });
    }
    const folder = ctx.services.store.addFolder(ctx.user.id, null, name, textOf(node, 'FolderClass') ?? 'IPF.Note', 'Folder', parent.id);
    return success('CreateFolder', tag('m:Folders', {}, folderElement(ctx.services.store, folder.id, false)));
  });
  return operationResponse('CreateFolder', messages);
}

/** Get, create and update user configuration objects (the master category list is one), XmlData only. */
export function userConfiguration(ctx: OperationContext, operation: 'GetUserConfiguration' | 'CreateUserConfiguration' | 'UpdateUserConfiguration'): string {
  const holder = operation === 'GetUserConfiguration' ? ctx.operation : child(ctx.operation, 'UserConfiguration');
  const name = child(holder, 'UserConfigurationName');
  const folder = resolveFolder(ctx, name);
  const key = `${folder.id}/${name?.attributes.Name ?? ''}`;
  const store = ctx.services.store;

  try {
    if (operation === 'GetUserConfiguration') {
      const data = store.userConfigurations.get(key);
      if (data === undefined) throw new ItemError('ErrorItemNotFound', 'The specified object was not found in the store.');
      const configuration = tag('m:UserConfiguration', {}, tag('t:UserConfigurationName', { Name: name?.attributes.Name ?? '' }), textTag('t:XmlData', data));
      return operationResponse(operation, [success(operation, configuration)]);
    }
    if (operation === 'CreateUserConfiguration' && store.userConfigurations.has(key)) {
      throw new ItemError('ErrorItemSave', 'The user configuration object already exists.');
    }
    if (operation === 'UpdateUserConfiguration' && !store.userConfigurations.has(key)) {
      throw new ItemError('ErrorItemNotFound', 'The specified object was not found in the store.');
    }
    store.userConfigurations.set(key, textOf(holder, 'XmlData') ?? '');
    return operationResponse(operation, [success(operation)]);
  } catch (error) {
    if (error instanceof ItemError) return operationResponse(operation, [failure(operation, error.code, error.message)]);
    throw error;
  }
}
