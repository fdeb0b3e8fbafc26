import { describe, expect, it } from 'vitest';

import { unwrapCursor, wrapCursor } from './window-cursor.ts';

const WINDOW = { start: '2026-11-01T00:00:00Z', end: '2027-05-01T00:00:00Z' };

describe('window cursors', () => {
  it('round-trips a cursor in the same window', () => {
    expect(unwrapCursor(wrapCursor('delta-1', WINDOW), WINDOW)).toEqual({ cursor: 'delta-1', reason: null });
  });

  it('treats the same instants in another notation as the same window', () => {
    const same = { start: '2026-11-01T00:00:00.000Z', end: '2027-05-01T00:00:00.000+00:00' };
    expect(unwrapCursor(wrapCursor('delta-1', WINDOW), same).cursor).toBe('delta-1');
  });

  it('drops the cursor when the window moved', () => {
    const moved = { start: '2026-11-02T00:00:00Z', end: '2027-05-02T00:00:00Z' };
    expect(unwrapCursor(wrapCursor('delta-1', WINDOW), moved)).toEqual({ cursor: null, reason: 'windowMoved' });
  });

  it('starts over from an unreadable cursor', () => {
    expect(unwrapCursor('https://graph.example/delta?token=1', WINDOW)).toEqual({ cursor: null, reason: 'windowMoved' });
  });

  it('reports a first session', () => {
    expect(unwrapCursor(null, WINDOW)).toEqual({ cursor: null, reason: 'firstSession' });
  });
});
