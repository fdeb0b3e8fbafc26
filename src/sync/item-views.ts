import type { CrmRecord, ItemSnapshot } from '../domain/connector.ts';
import type { MappedValue } from '../domain/link.ts';
import type { MailboxItem } from '../domain/mailbox-items.ts';
import { activePairs, projectCrmRecord, projectMailboxItem, type MappingTable } from '../mapping/index.ts';
import { objectTypeOf } from './object-types/index.ts';
import type { ItemView } from './plan.ts';
import type { SyncPolicy } from './policy.ts';

/**
 * Project a mailbox item to mapped values and apply the org's privacy policy to it. A masked mailbox field hides
 * the value of every pair that reads it.
 */
export function mailboxItemView<T extends MailboxItem>(snapshot: ItemSnapshot<T>, mapping: MappingTable, policy: SyncPolicy): ItemView<T> {
  const values: Record<string, MappedValue> = { ...projectMailboxItem(mapping, snapshot.item) };
  const masks = objectTypeOf(mapping.kind).privacyMasks(snapshot.item, policy);
  const maskedKeys = new Set<string>();

  for (const pair of activePairs(mapping)) {
    if (pair.mailboxField !== null && Object.hasOwn(masks.fields, pair.mailboxField)) {
      values[pair.key] = masks.fields[pair.mailboxField] ?? null;
      maskedKeys.add(pair.key);
    }
  }

  return { ...snapshot, values, maskedKeys, excluded: masks.excluded };
}

export function crmItemView(snapshot: ItemSnapshot<CrmRecord>, mapping: MappingTable): ItemView<CrmRecord> {
  return { ...snapshot, values: projectCrmRecord(mapping, snapshot.item), maskedKeys: new Set(), excluded: false };
}
