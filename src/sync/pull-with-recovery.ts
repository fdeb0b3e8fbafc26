import type { ItemSource, PullResult, SyncWindow } from '../domain/connector.ts';
import { isConnectorError } from '../domain/errors.ts';
import type { Side } from '../domain/glossary.ts';
import type { Logger } from '../observability/logger.ts';
import { unwrapCursor, type FullReadReason } from './window-cursor.ts';

/**
 * Pull from the stored cursor. Without a usable cursor (first session, a moved window, an expired cursor) the side
 * is listed in full, and the planner reconciles the listing against the links. `cursorWindow` is the window the
 * stored cursor is checked against; `window` is the one the source pulls. `scope` is the un-sync rules' fingerprint
 * the cursor must carry (see wrapCursor).
 */
export async function pullWithRecovery<T>(
  side: Side,
  source: ItemSource<T>,
  stored: string | null,
  windows: { readonly window: SyncWindow; readonly cursorWindow: SyncWindow },
  logger: Logger,
  scope = '',
): Promise<{ pull: PullResult<T>; fullReadReason: FullReadReason | null }> {
  const { cursor, reason } = unwrapCursor(stored, windows.cursorWindow, scope);
  if (reason === 'windowMoved') {
    logger.info({ side }, 'The sync window moved; reading every item in the new window');
  }
  if (reason === 'unsyncRulesChanged') {
    logger.info({ side }, 'The un-sync rules changed, or a day passed under an age rule; reading every item to measure it against them');
  }

  try {
    return { pull: await source.pullChanges(cursor, windows.window), fullReadReason: reason };
  } catch (error) {
    if (cursor === null || !isConnectorError(error, 'cursorExpired')) {
      throw error;
    }
    logger.warn({ side, code: error.failure.code }, 'Cursor expired; reading every item in scope and reconciling against the links');
    return { pull: await source.pullChanges(null, windows.window), fullReadReason: 'cursorExpired' };
  }
}

export function fullReadNotes(reasons: Record<Side, FullReadReason | null>): string[] {
  const notes: string[] = [];
  for (const side of ['mailbox', 'crm'] as const) {
    const name = side === 'crm' ? 'Salesforce' : 'mailbox';
    if (reasons[side] === 'cursorExpired') {
      notes.push(`Full re-read of the ${name} side: its cursor had expired`);
    }
    if (reasons[side] === 'windowMoved') {
      notes.push(`Full re-read of the ${name} side: the sync window moved`);
    }
    if (reasons[side] === 'unsyncRulesChanged') {
      notes.push(`Full re-read of the ${name} side: the un-sync rules changed, or a day passed under an age rule`);
    }
  }
  return notes;
}
