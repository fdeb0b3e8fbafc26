import type { SyncWindow } from '../domain/connector.ts';

/**
 * A side's cursor as the store keeps it: the connector's own cursor together with the sync window it was made
 * for. A Graph deltaLink carries its window inside, and a Salesforce watermark never reads items that only
 * moved into the window as it slid; so when the window changes, the session lists the side in full again.
 */
interface StoredCursor {
  readonly window: SyncWindow;
  readonly cursor: string;
  /**
   * What else decides which items a full read must measure again: the un-sync rules of calendar events. Absent:
   * nothing, as for cursors stored before it existed.
   */
  readonly scope?: string;
}

export type FullReadReason = 'firstSession' | 'windowMoved' | 'cursorExpired' | 'unsyncRulesChanged';

export function wrapCursor(cursor: string, window: SyncWindow, scope = ''): string {
  const stored: StoredCursor = { window: { start: window.start, end: window.end }, cursor, ...(scope === '' ? {} : { scope }) };
  return JSON.stringify(stored);
}

/** The connector cursor to pull from, or null with the reason when the side must be listed in full. */
export function unwrapCursor(stored: string | null, window: SyncWindow, scope = ''): { cursor: string | null; reason: FullReadReason | null } {
  if (stored === null) {
    return { cursor: null, reason: 'firstSession' };
  }

  const parsed = parseStoredCursor(stored);
  if (parsed === null || Date.parse(parsed.window.start) !== Date.parse(window.start) || Date.parse(parsed.window.end) !== Date.parse(window.end)) {
    return { cursor: null, reason: 'windowMoved' };
  }
  if ((parsed.scope ?? '') !== scope) {
    return { cursor: null, reason: 'unsyncRulesChanged' };
  }

  return { cursor: parsed.cursor, reason: null };
}

function parseStoredCursor(stored: string): StoredCursor | null {
  try {
    const value = JSON.parse(stored) as Partial<StoredCursor> | null;
    const window = value?.window;
    if (typeof value?.cursor !== 'string' || typeof window?.start !== 'string' || typeof window.end !== 'string') {
      return null;
    }
    const scope = typeof value.scope === 'string' ? { scope: value.scope } : {};
    return { cursor: value.cursor, window: { start: window.start, end: window.end }, ...scope };
  } catch {
    return null;
  }
}
