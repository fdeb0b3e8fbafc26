import type { SyncWindow } from '../../../domain/connector.ts';
import type { CollectionType, DavResource } from './dav-reports.ts';

/** The property that carries Syncline's sync id on the VEVENTs, VTODOs and vCards it creates. */
export const SYNC_ID_PROPERTY = 'x-syncline-sync-id';

/** One item found in a resource: an event instance, a task or a contact. */
export interface DavItem<T> {
  readonly id: string;
  readonly syncId: string | null;
  readonly modifiedAt: string;
  readonly item: T;
}

/** What a resource write turns into: new text for the resource, or the removal of the whole resource. */
export type ResourceEdit = { readonly kind: 'put'; readonly text: string } | { readonly kind: 'delete' } | { readonly kind: 'none' };

/**
 * How one object kind lives in DAV resources. Events map one resource to many items (a series to its instances
 * inside the window); tasks and contacts map one resource to one item, whose id is the resource's href.
 */
export interface DavItemKind<T> {
  readonly label: string;
  readonly collectionType: CollectionType;
  readonly contentType: string;
  readonly extension: '.ics' | '.vcf';
  /** The items of a resource; `window` null means every item, whatever its time. */
  itemsOf(resource: DavResource, window: SyncWindow | null): DavItem<T>[];
  /** The item with this id in the resource, whether inside a window or not; null when the resource has none. */
  findItem(resource: DavResource, id: string): DavItem<T> | null;
  /** Text of a new resource holding the item, with the sync id as `X-SYNCLINE-SYNC-ID`. */
  createText(item: T, syncId: string): string;
  /** Apply a partial patch to the item `id` of the resource; `none` when nothing in it can be written. */
  patchResource(resource: DavResource, id: string, patch: Partial<T>): ResourceEdit;
  /** Remove the item `id`: the whole resource, or (for a series instance) an exclusion in it. */
  deleteFromResource(resource: DavResource, id: string): ResourceEdit;
}

/** The href part of an item id: instances are `<href>#<original start>`, other items are the href itself. */
export function hrefOfId(id: string): string {
  const hash = id.indexOf('#');
  return hash === -1 ? id : id.slice(0, hash);
}
