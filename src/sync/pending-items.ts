import type { Intent, Link, ObjectKind, PendingItem } from '../domain/link.ts';
import type { SyncState } from '../domain/sync-store.ts';
import type { ExecutionResult } from './executor.ts';

/**
 * Items read again by id next session: those whose write failed (the attempt count shows how long one has been
 * stuck) and those the engine created in the mailbox.
 */
export function nextPending(mailboxId: string, objectKind: ObjectKind, state: SyncState, execution: ExecutionResult): PendingItem[] {
  const previous = new Map(state.pending.map((item) => [`${item.side}:${item.itemId}`, item]));
  const pending = new Map<string, PendingItem>();

  for (const failed of execution.failures) {
    // The item the write failed on is read again too, even when only the other side changed: the next session must
    // plan against its current version, or a version it never read makes every later write look like a conflict.
    const target = failed.side === 'crm' ? failed.action.crmRecordId : failed.action.mailboxItemId;
    const targets = target === null ? [] : [{ side: failed.side, id: target }];
    for (const source of [...failed.action.sources, ...targets]) {
      const key = `${source.side}:${source.id}`;
      pending.set(key, {
        mailboxId,
        objectKind,
        side: source.side,
        itemId: source.id,
        code: failed.failure.code,
        message: failed.failure.message,
        attempts: (previous.get(key)?.attempts ?? 0) + 1,
      });
    }
  }

  // A Graph delta made before the engine created an item may never report it when it is deleted before the next
  // round. So each item the engine created in the mailbox is read back once by id in the next session.
  const created = new Set(execution.createdSyncIds);
  for (const link of execution.upsertLinks) {
    const key = `mailbox:${link.mailboxItemId}`;
    if (link.origin === 'crm' && created.has(link.syncId) && !pending.has(key)) {
      pending.set(key, {
        mailboxId,
        objectKind,
        side: 'mailbox',
        itemId: link.mailboxItemId,
        code: 'CONFIRM_CREATED',
        message: 'Created by Syncline in this session; read back once in the next one',
        attempts: 0,
      });
    }
  }

  return [...pending.values()];
}

/** Intents whose items are linked now (a repeated create found its earlier copy). */
export function linkedIntentSyncIds(intents: readonly Intent[], upsertLinks: readonly Link[]): string[] {
  const linked = new Set(upsertLinks.map((link) => link.syncId));
  return intents.filter((intent) => linked.has(intent.syncId)).map((intent) => intent.syncId);
}
