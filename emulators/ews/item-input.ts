import { randomUUID } from 'node:crypto';
import { elementNameOf, sameExtendedUri } from './item-view.ts';
import { ItemError } from './soap-reply.ts';
import type { ItemElement, ItemRecord } from './store.ts';
import { branch, child, children, leaf, type XmlNode } from './xml.ts';

const ITEM_ELEMENTS = new Set<ItemElement>(['CalendarItem', 'Task', 'Contact', 'Message']);
/** Elements the server owns; a client sending them is ignored rather than trusted. */
const SERVER_OWNED = new Set(['ItemId', 'ParentFolderId', 'DateTimeCreated', 'LastModifiedTime', 'CalendarItemType', 'ItemClass']);

export function itemElementOf(node: XmlNode): ItemElement {
  if (!ITEM_ELEMENTS.has(node.name as ItemElement)) {
    throw new ItemError('ErrorInvalidItemForOperation', `This emulator does not store items of type ${node.name}.`);
  }
  return node.name as ItemElement;
}

/** Properties and extended properties of a new item, checked the way Exchange checks them on save. */
export function readNewItem(node: XmlNode): { props: Map<string, XmlNode>; extended: XmlNode[] } {
  const props = new Map<string, XmlNode>();
  const extended: XmlNode[] = [];
  for (const entry of node.children) {
    if (entry.name === 'ExtendedProperty') {
      extended.push(entry);
    } else if (!SERVER_OWNED.has(entry.name)) {
      props.set(entry.name, entry);
    }
  }
  if (node.name === 'CalendarItem' && !props.has('UID')) {
    props.set('UID', leaf('UID', randomUUID().replace(/-/g, '').toUpperCase()));
  }
  checkValues(node.name, props);
  return { props, extended };
}

/** Apply SetItemField, AppendToItemField and DeleteItemField elements in order. */
export function applyUpdates(item: ItemRecord, updates: XmlNode): void {
  for (const update of updates.children) {
    const uri = update.children.find((entry) => entry.name.endsWith('FieldURI')) ?? null;
    if (uri === null) {
      throw new ItemError('ErrorInvalidPropertyRequest', `${update.name} names no property.`);
    }
    if (update.name === 'DeleteItemField') {
      deleteField(item, uri);
    } else {
      const source = update.children.find((entry) => !entry.name.endsWith('FieldURI')) ?? null;
      setField(item, uri, source);
    }
  }
  checkValues(item.element, item.props);
}

function setField(item: ItemRecord, uri: XmlNode, source: XmlNode | null): void {
  if (source === null) {
    throw new ItemError('ErrorIncorrectUpdatePropertyCount', 'SetItemField contains no item element with the new value.');
  }
  if (uri.name === 'ExtendedFieldURI') {
    const property = children(source, 'ExtendedProperty').find((entry) => sameExtendedUri(child(entry, 'ExtendedFieldURI'), uri));
    if (property === undefined) throw new ItemError('ErrorIncorrectUpdatePropertyCount', 'SetItemField contains no ExtendedProperty for its ExtendedFieldURI.');
    item.extended = [...item.extended.filter((entry) => !sameExtendedUri(child(entry, 'ExtendedFieldURI'), uri)), property];
    return;
  }

  const name = elementNameOf(uri.attributes.FieldURI ?? '');
  const value = child(source, name);
  if (value === null) {
    throw new ItemError('ErrorIncorrectUpdatePropertyCount', `SetItemField for ${uri.attributes.FieldURI ?? '?'} contains no ${name} element.`);
  }
  if (uri.name === 'IndexedFieldURI') {
    item.props.set(name, mergeEntries(item.props.get(name) ?? null, value));
    return;
  }
  item.props.set(name, value);
}

function deleteField(item: ItemRecord, uri: XmlNode): void {
  if (uri.name === 'ExtendedFieldURI') {
    item.extended = item.extended.filter((entry) => !sameExtendedUri(child(entry, 'ExtendedFieldURI'), uri));
    return;
  }
  const name = elementNameOf(uri.attributes.FieldURI ?? '');
  if (uri.name !== 'IndexedFieldURI') {
    item.props.delete(name);
    return;
  }

  const key = uri.attributes.FieldIndex ?? '';
  const current = item.props.get(name);
  if (current === undefined) return;
  const part = (uri.attributes.FieldURI ?? '').split(':')[2];
  const entries = current.children.flatMap((entry) => {
    if (entry.attributes.Key !== key) return [entry];
    if (part === undefined) return [];
    const rest = entry.children.filter((element) => element.name !== part);
    return rest.length === 0 ? [] : [branch('Entry', rest, entry.attributes)];
  });
  item.props.set(name, branch(name, entries));
}

/** Merge the entries of an indexed update (one email slot, one address part) into the stored dictionary. */
function mergeEntries(current: XmlNode | null, update: XmlNode): XmlNode {
  const entries = [...(current?.children ?? [])];
  for (const entry of update.children) {
    const index = entries.findIndex((existing) => existing.attributes.Key === entry.attributes.Key);
    if (index === -1) {
      entries.push(entry);
    } else if (entry.children.length > 0) {
      const existing = entries[index] as XmlNode;
      const parts = [...existing.children.filter((part) => !entry.children.some((next) => next.name === part.name)), ...entry.children];
      entries[index] = branch('Entry', parts, existing.attributes);
    } else {
      entries[index] = entry;
    }
  }
  return branch(update.name, entries);
}

const DATE_FIELDS = ['Start', 'End', 'DueDate', 'StartDate', 'CompleteDate', 'ReminderDueBy', 'Birthday', 'DateTimeSent', 'DateTimeReceived'];

function checkValues(element: string, props: Map<string, XmlNode>): void {
  for (const name of DATE_FIELDS) {
    const value = props.get(name)?.text.trim();
    if (value !== undefined && value !== '' && Number.isNaN(Date.parse(value))) {
      throw new ItemError('ErrorInvalidValueForProperty', `The value "${value}" of ${name} is not a valid xs:dateTime.`);
    }
  }
  if (element === 'CalendarItem') {
    const start = Date.parse(props.get('Start')?.text ?? '');
    const end = Date.parse(props.get('End')?.text ?? '');
    if (Number.isNaN(start) || Number.isNaN(end)) {
      throw new ItemError('ErrorInvalidPropertyValue', 'A calendar item needs Start and End.');
    }
    if (end < start) {
      throw new ItemError('ErrorCalendarEndDateIsEarlierThanStartDate', 'EndDate is earlier than StartDate');
    }
  }
  const emails = props.get('EmailAddresses')?.children ?? [];
  if (emails.some((entry) => !/^EmailAddress[1-3]$/.test(entry.attributes.Key ?? ''))) {
    throw new ItemError('ErrorInvalidPropertyValue', 'EmailAddresses keys are EmailAddress1 to EmailAddress3.');
  }
}
