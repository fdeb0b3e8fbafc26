import type { CalendarEvent } from '../../../domain/calendar-event.ts';
import type { Change, ItemSnapshot, PullResult, SyncWindow } from '../../../domain/connector.ts';
import { decodeEwsCursor, encodeEwsCursor } from '../ews-cursor.ts';
import { distinguishedFolderXml } from '../items/ews-item-xml.ts';
import { syncFolderItems, type FolderChange } from '../items/sync-folder-items.ts';
import { child } from '../soap/xml-tree.ts';
import type { EwsSourceContext } from '../source-context.ts';
import { calendarView, type ViewEntry } from './calendar-view.ts';
import { overlapsWindow, readEvents } from './read-events.ts';

/** SyncFolderItems returns these with each change, so a round can separate single items from series without reading them. */
const CHANGE_FIELD_URIS = ['calendar:CalendarItemType', 'calendar:UID'];

type Series = Map<string, readonly string[]>;

/**
 * Pull the calendar's changes inside the window. SyncFolderItems on the calendar folder reports single items and
 * recurring masters (an edited occurrence changes its master), never the instances. Instances come from a
 * CalendarView over the window, which expands series: on a full listing for every series, on an incremental pull
 * for the series that changed. The cursor keeps the SyncState and, per series, the instance ids reported, so
 * instances a change removed are reported as removals.
 */
export async function pullEvents(ctx: EwsSourceContext, cursor: string | null, window: SyncWindow): Promise<PullResult<CalendarEvent>> {
  const stored = cursor === null ? null : decodeEwsCursor(cursor);
  const state = stored?.folders.calendar ?? null;
  const round = await syncFolderItems(ctx.client, distinguishedFolderXml('calendar'), state, { pageSize: ctx.syncPageSize, maxPages: ctx.syncPagesPerPull, fieldUris: CHANGE_FIELD_URIS });

  const series: Series = new Map(Object.entries(stored?.series ?? {}));
  const changes = state === null ? await fullListing(ctx, round.changes, window, series) : await incremental(ctx, round.changes, window, series);

  ctx.logger.debug({ pages: round.pages, complete: round.complete, changes: changes.length, series: series.size, fullListing: state === null }, 'EWS calendar synced');
  return {
    changes,
    nextCursor: encodeEwsCursor({ folders: { calendar: round.syncState }, series: Object.fromEntries(series) }),
    isFullListing: state === null,
  };
}

async function fullListing(ctx: EwsSourceContext, folderChanges: readonly FolderChange[], window: SyncWindow, series: Series): Promise<Change<CalendarEvent>[]> {
  series.clear();
  const mastersByUid = new Map<string, string>();
  for (const change of folderChanges) {
    if (change.kind === 'upsert' && typeOf(change) === 'RecurringMaster' && uidOf(change) !== null) {
      mastersByUid.set(uidOf(change) as string, change.id);
    }
  }

  const view = await calendarView(ctx, window);
  const known = instanceMasters(view, mastersByUid);
  const snapshots = await readEvents(ctx, view.map((entry) => entry.id), known);
  recordSeries(series, snapshots);
  return [...snapshots.values()].filter((snapshot) => overlapsWindow(snapshot.item, window, ctx.mailboxTimeZone)).map(upsert);
}

async function incremental(ctx: EwsSourceContext, folderChanges: readonly FolderChange[], window: SyncWindow, series: Series): Promise<Change<CalendarEvent>[]> {
  const changes: Change<CalendarEvent>[] = [];
  const singles: string[] = [];
  const changedMasters = new Map<string, string | null>();

  for (const change of folderChanges) {
    if (change.kind === 'delete') {
      changes.push(...removedSeries(series, change.id, false));
      changes.push({ kind: 'delete', id: change.id, mayStillExist: false });
    } else if (typeOf(change) === 'RecurringMaster') {
      changedMasters.set(change.id, uidOf(change));
    } else {
      singles.push(change.id);
    }
  }

  const read = await readEvents(ctx, singles);
  for (const id of singles) {
    const snapshot = read.get(id);
    // Outside the window (or gone) the item may still exist: the core confirms before it deletes anything.
    changes.push(snapshot !== undefined && overlapsWindow(snapshot.item, window, ctx.mailboxTimeZone) ? upsert(snapshot) : { kind: 'delete', id, mayStillExist: true });
  }

  if (changedMasters.size > 0) {
    changes.push(...(await expandChangedSeries(ctx, changedMasters, window, series)));
  }
  return changes;
}

/**
 * Read the current instances of the changed series and report them; instances reported before and now missing left
 * the series or the window. A master new to the cursor may be a single item that became a series, whose old id is no
 * item any more.
 */
async function expandChangedSeries(ctx: EwsSourceContext, masters: ReadonlyMap<string, string | null>, window: SyncWindow, series: Series): Promise<Change<CalendarEvent>[]> {
  const mastersByUid = new Map([...masters].filter((entry): entry is [string, string] => entry[1] !== null).map(([id, uid]) => [uid, id]));
  const view = (await calendarView(ctx, window)).filter((entry) => entry.uid !== null && mastersByUid.has(entry.uid) && entry.type !== 'Single');
  const snapshots = await readEvents(ctx, view.map((entry) => entry.id), instanceMasters(view, mastersByUid));

  const changes: Change<CalendarEvent>[] = [];
  for (const masterId of masters.keys()) {
    const current = [...snapshots.values()].filter((snapshot) => snapshot.item.recurrence?.seriesId === masterId);
    const currentIds = new Set(current.map((snapshot) => snapshot.id));
    if (!series.has(masterId)) {
      changes.push({ kind: 'delete', id: masterId, mayStillExist: true });
    }
    for (const id of series.get(masterId) ?? []) {
      if (!currentIds.has(id)) {
        changes.push({ kind: 'delete', id, mayStillExist: true });
      }
    }
    series.set(masterId, [...currentIds]);
    changes.push(...current.filter((snapshot) => overlapsWindow(snapshot.item, window, ctx.mailboxTimeZone)).map(upsert));
  }
  return changes;
}

function removedSeries(series: Series, masterId: string, mayStillExist: boolean): Change<CalendarEvent>[] {
  const instances = series.get(masterId) ?? [];
  series.delete(masterId);
  return instances.map((id) => ({ kind: 'delete', id, mayStillExist }));
}

function instanceMasters(view: readonly ViewEntry[], mastersByUid: ReadonlyMap<string, string>): Map<string, string> {
  const known = new Map<string, string>();
  for (const entry of view) {
    const masterId = entry.uid === null ? undefined : mastersByUid.get(entry.uid);
    if (entry.type !== 'Single' && masterId !== undefined) {
      known.set(entry.id, masterId);
    }
  }
  return known;
}

function recordSeries(series: Series, snapshots: ReadonlyMap<string, ItemSnapshot<CalendarEvent>>): void {
  for (const snapshot of snapshots.values()) {
    const masterId = snapshot.item.recurrence?.seriesId;
    if (masterId !== undefined) {
      series.set(masterId, [...(series.get(masterId) ?? []), snapshot.id]);
    }
  }
}

function upsert(snapshot: ItemSnapshot<CalendarEvent>): Change<CalendarEvent> {
  return { kind: 'upsert', ...snapshot };
}

function typeOf(change: Extract<FolderChange, { kind: 'upsert' }>): string {
  return child(change.item, 'CalendarItemType')?.text.trim() ?? 'Single';
}

function uidOf(change: Extract<FolderChange, { kind: 'upsert' }>): string | null {
  return child(change.item, 'UID')?.text.trim() || null;
}
