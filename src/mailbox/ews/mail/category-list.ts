import { randomUUID } from 'node:crypto';
import { successMessage, type EwsClient } from '../ews-client.ts';
import { distinguishedFolderXml } from '../items/ews-item-xml.ts';
import { child, childText, children, parseXml } from '../soap/xml-tree.ts';
import { element, escapeXml, textElement } from '../soap/xml-write.ts';

/** Outlook's master category list: the XmlData of the user configuration object CategoryList on the calendar folder. */
function configurationName(prefix: 'm' | 't'): string {
  return element(`${prefix}:UserConfigurationName`, { Name: 'CategoryList' }, distinguishedFolderXml('calendar'));
}
/** Outlook's colour 7, blue, the colour closest to Salesforce's. */
const CATEGORY_COLOR = '7';
const EMPTY_LIST = '<?xml version="1.0"?><categories xmlns="CategoryList.xsd"></categories>';

/**
 * Add the category to the master category list unless a category of that name (compared case-insensitively, as
 * Outlook does) is there. Items may carry any category name; the list gives it a colour in Outlook.
 */
export async function ensureCategory(client: EwsClient, name: string): Promise<void> {
  const current = await readCategoryList(client);
  const names = children(parseXml(current.xml ?? EMPTY_LIST), 'category').map((category) => category.attributes.name?.toLowerCase());
  if (names.includes(name.toLowerCase())) {
    return;
  }

  const entry = `<category name="${escapeXml(name)}" color="${CATEGORY_COLOR}" keyboardShortcut="0" guid="{${randomUUID()}}" renameOnFirstUse="0"/>`;
  const list = current.xml ?? EMPTY_LIST;
  const updated = /<\/categories>\s*$/.test(list) ? list.replace(/<\/categories>\s*$/, `${entry}</categories>`) : list.replace(/<categories([^>]*)\/>\s*$/, `<categories$1>${entry}</categories>`);
  await writeCategoryList(client, updated, current.exists);
}

async function readCategoryList(client: EwsClient): Promise<{ xml: string | null; exists: boolean }> {
  const body = element('m:GetUserConfiguration', {}, configurationName('m'), textElement('m:UserConfigurationProperties', 'XmlData'));
  const reply = await client.call({ body, idempotent: true, label: 'GetUserConfiguration' });
  const response = reply.messages[0];
  if (response?.responseCode === 'ErrorItemNotFound') {
    return { xml: null, exists: false };
  }
  const message = successMessage(response, 'GetUserConfiguration');

  const data = childText(child(message.node, 'UserConfiguration'), 'XmlData');
  return { xml: data === null || data.trim() === '' ? null : Buffer.from(data.trim(), 'base64').toString('utf8'), exists: true };
}

async function writeCategoryList(client: EwsClient, xml: string, exists: boolean): Promise<void> {
  const operation = exists ? 'm:UpdateUserConfiguration' : 'm:CreateUserConfiguration';
  const configuration = element('m:UserConfiguration', {}, configurationName('t'), textElement('t:XmlData', Buffer.from(xml, 'utf8').toString('base64')));
  const reply = await client.call({ body: element(operation, {}, configuration), idempotent: true, label: exists ? 'UpdateUserConfiguration' : 'CreateUserConfiguration' });
  successMessage(reply.messages[0], 'the category list update');
}
