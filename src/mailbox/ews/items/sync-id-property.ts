import { children, child, childText, type XmlNode } from '../soap/xml-tree.ts';
import { element, textElement } from '../soap/xml-write.ts';

/**
 * The named MAPI property that carries Syncline's sync id: Syncline's own property set GUID and the name
 * SynclineSyncId, a string. It is the property the Graph connector writes as
 * `String {628bdf7a-…} Name SynclineSyncId`, so an item created through either API is found through both. The GUID
 * never changes, or items written earlier would no longer be found.
 */
export const SYNC_ID_PROPERTY_SET_ID = '628bdf7a-8025-49cf-b154-5488df70fe46';
export const SYNC_ID_PROPERTY_NAME = 'SynclineSyncId';

export const SYNC_ID_FIELD_URI = element('t:ExtendedFieldURI', {
  PropertySetId: SYNC_ID_PROPERTY_SET_ID,
  PropertyName: SYNC_ID_PROPERTY_NAME,
  PropertyType: 'String',
});

/** The `t:ExtendedProperty` element that sets the sync id on a new item. */
export function syncIdProperty(syncId: string): string {
  return element('t:ExtendedProperty', {}, SYNC_ID_FIELD_URI, textElement('t:Value', syncId));
}

/** The sync id on an item read with the property requested, or null. The GUID may come back in another letter case. */
export function syncIdOf(item: XmlNode): string | null {
  for (const property of children(item, 'ExtendedProperty')) {
    const uri = child(property, 'ExtendedFieldURI');
    const setId = uri?.attributes.PropertySetId?.toLowerCase();
    if (setId === SYNC_ID_PROPERTY_SET_ID && uri?.attributes.PropertyName === SYNC_ID_PROPERTY_NAME) {
      const value = childText(property, 'Value');
      return value === null || value === '' ? null : value;
    }
  }
  return null;
}
