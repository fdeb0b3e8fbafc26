import type { XmlNode } from '../soap/xml-tree.ts';
import type { DistinguishedFolder } from './ews-item-xml.ts';
import type { WriteAttributes } from './write-items.ts';

/** What one family of Exchange items (calendar items, tasks, contacts) needs from the shared read and write code. */
export interface EwsItemKind<T> {
  /** Name for log lines, e.g. `task`. */
  readonly label: string;
  readonly folder: DistinguishedFolder;
  /** Property paths (`item:Subject`, `task:DueDate`) GetItem returns; the sync id property is always added. */
  readonly fieldUris: readonly string[];
  /** Further property elements for the shape, such as an ExtendedFieldURI. */
  readonly extraShape?: readonly string[];
  readonly writeAttributes: WriteAttributes;
  toItem(node: XmlNode): T;
  /** The full item element of a CreateItem, carrying the sync id. Throws an itemError ConnectorError for a value Exchange cannot take. */
  createXml(item: T, syncId: string): string;
  /** SetItemField and DeleteItemField elements for the fields in `patch`, and the fields left out because Exchange cannot write them. */
  updateParts(patch: Partial<T>): { readonly updates: readonly string[]; readonly skipped: readonly string[] };
}
