import { child, type XmlNode } from '../soap/xml-tree.ts';
import { element } from '../soap/xml-write.ts';
import { SYNC_ID_FIELD_URI } from './sync-id-property.ts';

/** Folders Syncline reads by their well-known names, the same in every mailbox language. */
export type DistinguishedFolder = 'calendar' | 'tasks' | 'contacts' | 'inbox' | 'sentitems' | 'drafts' | 'msgfolderroot';

export function distinguishedFolderXml(folder: DistinguishedFolder): string {
  return element('t:DistinguishedFolderId', { Id: folder });
}

export function folderIdXml(id: string): string {
  return element('t:FolderId', { Id: id });
}

export function itemIdXml(id: string, changeKey?: string | null): string {
  return element('t:ItemId', { Id: id, ChangeKey: changeKey ?? undefined });
}

/**
 * An ItemShape of IdOnly plus the named properties and the sync id property. Bodies come as text unless `bodyType`
 * says otherwise: Exchange converts an HTML body itself.
 */
export function itemShapeXml(fieldUris: readonly string[], options: { readonly bodyType?: 'Text' | 'HTML' | 'Best'; readonly extra?: readonly string[] } = {}): string {
  const properties = [...fieldUris.map((uri) => element('t:FieldURI', { FieldURI: uri })), ...(options.extra ?? []), SYNC_ID_FIELD_URI];
  return element(
    'm:ItemShape',
    {},
    '<t:BaseShape>IdOnly</t:BaseShape>',
    options.bodyType === undefined ? '' : `<t:BodyType>${options.bodyType}</t:BodyType>`,
    element('t:AdditionalProperties', {}, ...properties),
  );
}

/** Id and ChangeKey of an item element; the ChangeKey is the item's version. */
export function itemIdOf(item: XmlNode): { id: string; changeKey: string } | null {
  const itemId = child(item, 'ItemId');
  const id = itemId?.attributes.Id?.trim();
  if (!id) {
    return null;
  }
  return { id, changeKey: itemId?.attributes.ChangeKey ?? '' };
}

/** Modification time used when an item has none: the oldest possible, so it never wins a latest-wins conflict. */
const UNKNOWN_MODIFIED_AT = '1970-01-01T00:00:00.000Z';

export function modifiedAtOf(item: XmlNode): string {
  const value = child(item, 'LastModifiedTime')?.text.trim();
  const ms = value ? Date.parse(value) : Number.NaN;
  return Number.isNaN(ms) ? UNKNOWN_MODIFIED_AT : new Date(ms).toISOString();
}
