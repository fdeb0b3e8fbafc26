import { ConnectorError } from '../../../domain/errors.ts';
import { messageFailure, type EwsClient } from '../ews-client.ts';
import { itemsOf } from '../soap/response.ts';
import type { XmlNode } from '../soap/xml-tree.ts';
import { element } from '../soap/xml-write.ts';
import { itemIdXml } from './ews-item-xml.ts';

/**
 * Read items by id with GetItem, `batchSize` ids per call. An id Exchange no longer knows (deleted, or a deleted
 * occurrence) is left out of the map; any other error fails the read.
 */
export async function getItems(client: EwsClient, ids: readonly string[], itemShape: string, batchSize: number): Promise<Map<string, XmlNode>> {
  const unique = [...new Set(ids)];
  const found = new Map<string, XmlNode>();

  for (let start = 0; start < unique.length; start += batchSize) {
    const batch = unique.slice(start, start + batchSize);
    const body = element('m:GetItem', {}, itemShape, element('m:ItemIds', {}, ...batch.map((id) => itemIdXml(id))));
    const reply = await client.call({ body, idempotent: true, label: 'GetItem' });

    batch.forEach((id, index) => {
      const message = reply.messages[index];
      if (message === undefined) {
        throw new ConnectorError({ kind: 'bug', code: 'MissingResponseMessage', message: `Exchange answered GetItem for ${batch.length} ids with ${reply.messages.length} response messages` });
      }
      if (message.responseClass === 'Error') {
        const failure = messageFailure(message);
        if (failure.kind === 'notFound') {
          return;
        }
        throw new ConnectorError(failure);
      }

      const item = itemsOf(message)[0];
      if (item !== undefined) {
        found.set(id, item);
      }
    });
  }
  return found;
}
