import { describe, expect, it } from 'vitest';

import type { CalendarEvent } from '../src/domain/calendar-event.ts';
import type { ItemSnapshot, ItemSource, PullResult } from '../src/domain/connector.ts';
import { defaultEventMapping } from '../src/mapping/index.ts';
import { gatherSideStates } from '../src/sync/gather-states.ts';
import { mailboxItemView } from '../src/sync/item-views.ts';
import { defaultSyncPolicy } from '../src/sync/policy.ts';
import { event, linkFor } from './support/planner-fixtures.ts';

/** A side whose items live in a map; it records which ids were read back. */
function sideWith(items: Record<string, CalendarEvent>): ItemSource<CalendarEvent> & { readIds: string[] } {
  const readIds: string[] = [];
  const snapshot = (id: string, item: CalendarEvent): ItemSnapshot<CalendarEvent> => ({ id, version: 'v-read', modifiedAt: '2026-12-01T00:00:00Z', syncId: null, item });
  return {
    calls: 0,
    readIds,
    pullChanges: async () => {
      throw new Error('not used');
    },
    readItems: async (ids) => {
      readIds.push(...ids);
      return new Map(ids.filter((id) => items[id]).map((id) => [id, snapshot(id, items[id] as CalendarEvent)]));
    },
    findBySyncIds: async () => new Map(),
    applyWrites: async () => [],
  };
}

function gather(pull: PullResult<CalendarEvent>, source: ItemSource<CalendarEvent>, linked: string[]) {
  return gatherSideStates({
    side: 'mailbox',
    source,
    pull,
    links: linked.map((id, index) => linkFor(`s${index}`, id, `c${index}`)),
    pending: [],
    intents: [],
    toView: (snapshot) => mailboxItemView(snapshot, defaultEventMapping, defaultSyncPolicy),
  });
}

describe('gathering side states', () => {
  it('ignores a removal of an unknown id', async () => {
    const source = sideWith({});
    const states = await gather({ changes: [{ kind: 'delete', id: 'X', mayStillExist: true }], nextCursor: 'c', isFullListing: false }, source, []);
    expect(states.size).toBe(0);
    expect(source.readIds).toEqual([]);
  });

  it('confirms a removal of a linked event by reading it', async () => {
    const source = sideWith({ moved: event({ subject: 'Moved out of the window' }) });
    const states = await gather(
      {
        changes: [
          { kind: 'delete', id: 'moved', mayStillExist: true },
          { kind: 'delete', id: 'gone', mayStillExist: true },
        ],
        nextCursor: 'c',
        isFullListing: false,
      },
      source,
      ['moved', 'gone'],
    );
    expect(source.readIds.sort()).toEqual(['gone', 'moved']);
    expect(states.get('moved')?.kind).toBe('upsert');
    expect(states.get('gone')?.kind).toBe('deleted');
  });

  it('keeps the last version of an id seen twice', async () => {
    const source = sideWith({});
    const changes: PullResult<CalendarEvent>['changes'] = [
      { kind: 'upsert', id: 'E', version: 'v1', modifiedAt: '2026-12-01T00:00:00Z', syncId: null, item: event({ subject: 'First' }) },
      { kind: 'delete', id: 'F', mayStillExist: true },
      { kind: 'upsert', id: 'E', version: 'v2', modifiedAt: '2026-12-01T01:00:00Z', syncId: null, item: event({ subject: 'Second' }) },
      { kind: 'upsert', id: 'F', version: 'v3', modifiedAt: '2026-12-01T01:00:00Z', syncId: null, item: event({ subject: 'Back' }) },
    ];
    const states = await gather({ changes, nextCursor: 'c', isFullListing: false }, source, ['F']);
    const e = states.get('E');
    const f = states.get('F');
    expect(e?.kind === 'upsert' ? e.view.version : null).toBe('v2');
    expect(e?.kind === 'upsert' ? e.view.values.subject : null).toBe('Second');
    expect(f?.kind).toBe('upsert');
    expect(source.readIds).toEqual([]);
  });

  it('checks linked items a full listing lacks', async () => {
    const source = sideWith({ kept: event() });
    const states = await gather({ changes: [], nextCursor: 'c', isFullListing: true }, source, ['kept', 'removed']);
    expect(states.get('kept')?.kind).toBe('upsert');
    expect(states.get('removed')?.kind).toBe('deleted');
  });
});
