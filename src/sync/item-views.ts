import type { CalendarEvent } from '../domain/calendar-event.ts';
import type { CrmRecord, ItemSnapshot } from '../domain/connector.ts';
import type { MappedValue } from '../domain/link.ts';
import { projectCrmRecord, projectMailboxEvent, type EventMapping } from '../mapping/index.ts';
import type { ItemView } from './plan.ts';
import { BUSY_SUBJECT, type SyncPolicy } from './policy.ts';

/** Project a mailbox event to mapped values and apply the org's privacy policy to it. */
export function mailboxItemView(snapshot: ItemSnapshot<CalendarEvent>, mapping: EventMapping, policy: SyncPolicy): ItemView<CalendarEvent> {
  const values: Record<string, MappedValue> = { ...projectMailboxEvent(mapping, snapshot.item) };
  const masks = privacyMasks(snapshot.item, policy);
  const maskedKeys = new Set<string>();

  for (const [key, maskedValue] of Object.entries(masks.values)) {
    if (key in values) {
      values[key] = maskedValue;
      maskedKeys.add(key);
    }
  }

  return { ...snapshot, values, maskedKeys, excluded: masks.excluded };
}

export function crmItemView(snapshot: ItemSnapshot<CrmRecord>, mapping: EventMapping): ItemView<CrmRecord> {
  return { ...snapshot, values: projectCrmRecord(mapping, snapshot.item), maskedKeys: new Set(), excluded: false };
}

/**
 * What a private item shows Salesforce. Confidential items are at least reduced to busy time, because
 * Outlook's confidential marking asks for more discretion than private.
 */
function privacyMasks(event: CalendarEvent, policy: SyncPolicy): { excluded: boolean; values: Record<string, MappedValue> } {
  const isPrivate = event.sensitivity === 'private' || event.sensitivity === 'confidential';
  if (!isPrivate) {
    return { excluded: false, values: {} };
  }

  if (policy.privateItems === 'skip') {
    return { excluded: true, values: {} };
  }

  if (policy.privateItems === 'busyOnly' || event.sensitivity === 'confidential') {
    return { excluded: false, values: { subject: BUSY_SUBJECT, location: null, description: null } };
  }

  return { excluded: false, values: { description: null } };
}
