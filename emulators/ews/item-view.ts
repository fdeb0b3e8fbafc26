import { htmlToText, textToHtml } from '../graph/html-text.ts';
import type { EwsStore, ItemRecord } from './store.ts';
import { branch, child, children, escapeXml, leaf, render, tag, type XmlNode } from './xml.ts';

/** Properties that a client requested in an ItemShape. */
export interface ItemShape {
  readonly baseShape: 'IdOnly' | 'Default' | 'AllProperties';
  /** Element names of the requested FieldURIs, e.g. `Subject` for `item:Subject`. */
  readonly fields: ReadonlySet<string>;
  readonly extended: readonly XmlNode[];
  readonly bodyType: 'Best' | 'HTML' | 'Text';
}

/** Element order of the EWS schema across item, message, calendar, task and contact types (the ones this emulator serves). */
const ORDER = [
  'ItemId', 'ParentFolderId', 'ItemClass', 'Subject', 'Sensitivity', 'Body', 'Attachments', 'DateTimeReceived', 'Size', 'Categories',
  'Importance', 'InReplyTo', 'IsSubmitted', 'IsDraft', 'IsFromMe', 'InternetMessageHeaders', 'DateTimeSent', 'DateTimeCreated',
  'ReminderDueBy', 'ReminderIsSet', 'ReminderMinutesBeforeStart', 'DisplayCc', 'DisplayTo', 'HasAttachments', 'ExtendedProperty',
  'Culture', 'LastModifiedName', 'LastModifiedTime', 'ConversationId', 'TextBody',
  'Sender', 'ToRecipients', 'CcRecipients', 'BccRecipients', 'From', 'InternetMessageId', 'IsRead', 'References',
  'UID', 'RecurrenceId', 'Start', 'End', 'OriginalStart', 'IsAllDayEvent', 'LegacyFreeBusyStatus', 'Location', 'IsMeeting',
  'IsCancelled', 'IsRecurring', 'CalendarItemType', 'MyResponseType', 'Organizer', 'RequiredAttendees', 'OptionalAttendees',
  'Resources', 'FirstOccurrence', 'LastOccurrence', 'StartTimeZone', 'EndTimeZone',
  'CompleteDate', 'DueDate', 'IsComplete', 'StartDate', 'Status',
  'FileAs', 'DisplayName', 'GivenName', 'CompanyName', 'EmailAddresses', 'PhysicalAddresses', 'PhoneNumbers', 'Birthday',
  'Department', 'JobTitle', 'Surname',
];

/** Properties Default returns besides the id, per item element (the documented default shapes, shortened). */
const DEFAULT_FIELDS: Readonly<Record<string, readonly string[]>> = {
  CalendarItem: ['Subject', 'Start', 'End', 'Location', 'CalendarItemType', 'Organizer', 'LegacyFreeBusyStatus', 'IsAllDayEvent'],
  Task: ['Subject', 'DueDate', 'Status', 'Importance'],
  Contact: ['DisplayName', 'GivenName', 'Surname', 'CompanyName', 'EmailAddresses'],
  Message: ['Subject', 'From', 'DateTimeReceived', 'IsRead', 'HasAttachments'],
};

/** Render an item in the shape the client asked for, as the `t:` element of its type. */
export function renderItem(store: EwsStore, item: ItemRecord, shape: ItemShape): string {
  const wanted = wantedFields(item, shape);
  const nodes: XmlNode[] = [];
  for (const name of ORDER) {
    if (name === 'ExtendedProperty') {
      nodes.push(...extendedFor(item, shape));
      continue;
    }
    if (!wanted.has(name)) continue;
    const node = valueOf(store, item, name, shape);
    if (node !== null) nodes.push(node);
  }
  return render(branch(item.element, nodes));
}

function wantedFields(item: ItemRecord, shape: ItemShape): Set<string> {
  const wanted = new Set(['ItemId', ...shape.fields]);
  if (shape.baseShape === 'AllProperties') {
    for (const name of ORDER) wanted.add(name);
  } else if (shape.baseShape === 'Default') {
    for (const name of DEFAULT_FIELDS[item.element] ?? []) wanted.add(name);
  }
  return wanted;
}

function extendedFor(item: ItemRecord, shape: ItemShape): XmlNode[] {
  return item.extended.filter((property) => shape.extended.some((uri) => sameExtendedUri(uri, child(property, 'ExtendedFieldURI'))));
}

/** Two ExtendedFieldURI elements name the same property when their set, name or tag and type agree; GUIDs compare in any case. */
export function sameExtendedUri(a: XmlNode | null, b: XmlNode | null): boolean {
  if (a === null || b === null) return false;
  const key = (node: XmlNode) =>
    [node.attributes.PropertySetId?.toLowerCase() ?? node.attributes.DistinguishedPropertySetId ?? '', node.attributes.PropertyName ?? '', node.attributes.PropertyTag?.toLowerCase() ?? '', node.attributes.PropertyId ?? ''].join('|');
  return key(a) === key(b);
}

function valueOf(store: EwsStore, item: ItemRecord, name: string, shape: ItemShape): XmlNode | null {
  switch (name) {
    case 'ItemId':
      return leaf('ItemId', '', { Id: item.id, ChangeKey: item.changeKey });
    case 'ParentFolderId':
      return leaf('ParentFolderId', '', { Id: item.folderId, ChangeKey: 'AQAAAA==' });
    case 'ItemClass':
      return leaf('ItemClass', ITEM_CLASSES[item.element] ?? 'IPM.Note');
    case 'DateTimeCreated':
      return leaf(name, item.created);
    case 'LastModifiedTime':
      return leaf(name, item.modified);
    case 'Body':
      return bodyOf(item, shape.bodyType);
    case 'TextBody':
      return textBodyOf(item);
    case 'Attachments':
      return item.attachments.length === 0 ? null : branch('Attachments', item.attachments.map((attachment) => attachmentNode(attachment, false)));
    case 'HasAttachments':
      return leaf(name, String(item.attachments.some((attachment) => !attachment.isInline)));
    case 'CalendarItemType':
      return item.element === 'CalendarItem' ? leaf(name, item.calendarType) : null;
    case 'IsRecurring':
      return item.element === 'CalendarItem' ? leaf(name, String(item.calendarType !== 'Single')) : null;
    default:
      return item.props.get(name) ?? defaultOf(item, name);
  }
}

const ITEM_CLASSES: Readonly<Record<string, string>> = { CalendarItem: 'IPM.Appointment', Task: 'IPM.Task', Contact: 'IPM.Contact', Message: 'IPM.Note' };

/** Values Exchange reports for a property that was never set. */
function defaultOf(item: ItemRecord, name: string): XmlNode | null {
  const defaults: Record<string, Record<string, string>> = {
    CalendarItem: { Sensitivity: 'Normal', Importance: 'Normal', IsAllDayEvent: 'false', LegacyFreeBusyStatus: 'Busy', IsCancelled: 'false', ReminderIsSet: 'false' },
    Task: { Sensitivity: 'Normal', Importance: 'Normal', Status: 'NotStarted', ReminderIsSet: 'false', IsComplete: 'false' },
    Contact: { Sensitivity: 'Normal' },
    Message: { Sensitivity: 'Normal', Importance: 'Normal', IsDraft: 'false', IsRead: 'false' },
  };
  const value = defaults[item.element]?.[name];
  if (value !== undefined) return leaf(name, value);
  if (name === 'DateTimeReceived' && item.element === 'Message') return leaf(name, item.created);
  return null;
}

/** Returns the body in the type the shape requests. Exchange converts between HTML and text itself. */
function bodyOf(item: ItemRecord, bodyType: ItemShape['bodyType']): XmlNode | null {
  const body = item.props.get('Body');
  if (body === undefined) return null;
  const stored = body.attributes.BodyType === 'HTML' ? 'HTML' : 'Text';
  if (bodyType === 'Best' || bodyType === stored) return leaf('Body', body.text, { BodyType: stored });
  return bodyType === 'Text' ? leaf('Body', htmlToText(body.text), { BodyType: 'Text' }) : leaf('Body', textToHtml(body.text), { BodyType: 'HTML' });
}

function textBodyOf(item: ItemRecord): XmlNode | null {
  const body = item.props.get('Body');
  if (body === undefined) return null;
  return leaf('TextBody', body.attributes.BodyType === 'HTML' ? htmlToText(body.text) : body.text, { BodyType: 'Text' });
}

export function attachmentNode(attachment: ItemRecord['attachments'][number], withContent: boolean): XmlNode {
  const nodes = [
    leaf('AttachmentId', '', { Id: attachment.id }),
    leaf('Name', attachment.name),
    leaf('ContentType', attachment.contentType),
    ...(attachment.contentId === null ? [] : [leaf('ContentId', attachment.contentId)]),
    leaf('Size', String(attachment.content.length)),
    leaf('IsInline', String(attachment.isInline)),
    ...(withContent ? [leaf('Content', attachment.content.toString('base64'))] : []),
  ];
  return branch('FileAttachment', nodes);
}

/** Read an ItemShape element; FieldURIs name properties by `prefix:Element`. */
export function readShape(shape: XmlNode | null): ItemShape {
  const base = child(shape, 'BaseShape')?.text.trim();
  const additional = child(shape, 'AdditionalProperties');
  const bodyType = child(shape, 'BodyType')?.text.trim();
  return {
    baseShape: base === 'Default' || base === 'AllProperties' ? base : 'IdOnly',
    fields: new Set(children(additional, 'FieldURI').map((uri) => elementNameOf(uri.attributes.FieldURI ?? ''))),
    extended: children(additional, 'ExtendedFieldURI'),
    bodyType: bodyType === 'HTML' || bodyType === 'Text' ? bodyType : 'Best',
  };
}

/** The element a property path names: `item:Subject` is `Subject`, `contacts:PhysicalAddress:Street` is `PhysicalAddresses`. */
export function elementNameOf(fieldUri: string): string {
  const parts = fieldUri.split(':');
  if (parts[0] === 'contacts' && parts[1] === 'PhysicalAddress') return 'PhysicalAddresses';
  if (fieldUri === 'contacts:EmailAddress') return 'EmailAddresses';
  if (fieldUri === 'contacts:PhoneNumber') return 'PhoneNumbers';
  return parts[parts.length - 1] ?? fieldUri;
}

export function folderElement(store: EwsStore, folderId: string, withName: boolean): string {
  const folder = store.folders.get(folderId);
  const element = folder?.element ?? 'Folder';
  const name = withName && folder ? tag('t:DisplayName', {}, escapeXml(folder.displayName)) : '';
  return tag(`t:${element}`, {}, tag('t:FolderId', { Id: folderId, ChangeKey: 'AQAAAA==' }), name);
}
