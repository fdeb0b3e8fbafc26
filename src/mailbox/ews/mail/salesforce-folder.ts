import { successMessage, type EwsClient } from '../ews-client.ts';
import { distinguishedFolderXml } from '../items/ews-item-xml.ts';
import { child } from '../soap/xml-tree.ts';
import { element, textElement } from '../soap/xml-write.ts';

/** Find a mail folder directly below the mailbox root by its display name, which Exchange compares case-insensitively. */
export async function findFolderByName(client: EwsClient, name: string): Promise<string | null> {
  const body = element(
    'm:FindFolder',
    { Traversal: 'Shallow' },
    element('m:FolderShape', {}, '<t:BaseShape>IdOnly</t:BaseShape>', element('t:AdditionalProperties', {}, element('t:FieldURI', { FieldURI: 'folder:DisplayName' }))),
    element(
      'm:Restriction',
      {},
      element('t:IsEqualTo', {}, element('t:FieldURI', { FieldURI: 'folder:DisplayName' }), element('t:FieldURIOrConstant', {}, element('t:Constant', { Value: name }))),
    ),
    element('m:ParentFolderIds', {}, distinguishedFolderXml('msgfolderroot')),
  );
  const reply = await client.call({ body, idempotent: true, label: 'FindFolder' });
  const message = successMessage(reply.messages[0], 'FindFolder');

  const folder = child(child(message.node, 'RootFolder'), 'Folders')?.children[0];
  return child(folder, 'FolderId')?.attributes.Id ?? null;
}

/** Create a mail folder below the mailbox root; ErrorFolderExists (another client was quicker) counts as success. */
export async function createFolder(client: EwsClient, name: string): Promise<string | null> {
  const body = element(
    'm:CreateFolder',
    {},
    element('m:ParentFolderId', {}, distinguishedFolderXml('msgfolderroot')),
    element('m:Folders', {}, element('t:Folder', {}, textElement('t:FolderClass', 'IPF.Note'), textElement('t:DisplayName', name))),
  );
  const reply = await client.call({ body, idempotent: false, label: 'CreateFolder' });
  const response = reply.messages[0];
  if (response?.responseCode === 'ErrorFolderExists') {
    return findFolderByName(client, name);
  }
  const message = successMessage(response, 'CreateFolder');
  return child(child(child(message.node, 'Folders'), 'Folder'), 'FolderId')?.attributes.Id ?? null;
}
