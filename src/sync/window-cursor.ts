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

export type FullReadReason = 'firstSession' | 'windowMoved' | 'cursorExpired' | 'unsyncRulesChanged' | 'sharedMeetingsBackfill';

/**
 * Marks a calendar cursor read in full since meetings had owners. A cursor stored before lacks it, so the first
 * session after the upgrade lists the calendar once, and claims the meetings of the pairs linked until then.
 */
const SHARED_MEETINGS_MARK = 'shared-meetings:1';

/** Return the scope of a calendar's mailbox cursor: the un-sync rules' fingerprint, and the mark when meetings have owners. */
export function calendarCursorScope(unsyncScope: string, sharedMeetings: boolean): string {
  return sharedMeetings ? [SHARED_MEETINGS_MARK, unsyncScope].filter((part) => part !== '').join(' ') : unsyncScope;
}

function withoutMark(scope: string): string {
  if (scope === SHARED_MEETINGS_MARK) {
    return '';
  }
  return scope.startsWith(`${SHARED_MEETINGS_MARK} `) ? scope.slice(SHARED_MEETINGS_MARK.length + 1) : scope;
}

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
  const storedScope = parsed.scope ?? '';
  if (storedScope !== scope) {
    return { cursor: null, reason: withoutMark(storedScope) === withoutMark(scope) ? 'sharedMeetingsBackfill' : 'unsyncRulesChanged' };
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
