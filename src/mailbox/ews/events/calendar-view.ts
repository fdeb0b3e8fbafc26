import type { SyncWindow } from '../../../domain/connector.ts';
import { ConnectorError } from '../../../domain/errors.ts';
import { successMessage } from '../ews-client.ts';
import { distinguishedFolderXml, itemIdOf, itemShapeXml } from '../items/ews-item-xml.ts';
import { child, type XmlNode } from '../soap/xml-tree.ts';
import { element } from '../soap/xml-write.ts';
import type { EwsSourceContext } from '../source-context.ts';

/** Entries asked for per CalendarView call; Exchange's EWSFindCountLimit is 1000 items without a restriction. */
const MAX_ENTRIES = 500;
/** A longer range is cut into ranges of at most this length, so one view never grows past what Exchange returns at once. */
const MAX_RANGE_MS = 366 * 24 * 3600_000;
/** A range this short that still overflows means one instant has more items than a view returns, which is a bug to report. */
const MIN_RANGE_MS = 60_000;

/** One instance in the expanded view: a single item, an occurrence or an exception, never a master. */
export interface ViewEntry {
  readonly id: string;
  readonly uid: string | null;
  readonly type: string;
}

/**
 * List every instance overlapping the window with FindItem and a CalendarView, which expands recurring series. A range
 * whose view stops short of its last item (IncludesLastItemInRange false) is split in half and read again.
 */
export async function calendarView(ctx: EwsSourceContext, window: SyncWindow): Promise<ViewEntry[]> {
  const start = Date.parse(window.start);
  const end = Date.parse(window.end);
  if (Number.isNaN(start) || Number.isNaN(end) || end <= start) {
    throw new Error(`sync window ${JSON.stringify(window)} is invalid: pass ISO instants with start before end`);
  }

  const entries = new Map<string, ViewEntry>();
  for (let sliceStart = start; sliceStart < end; sliceStart += MAX_RANGE_MS) {
    await readRange(ctx, sliceStart, Math.min(end, sliceStart + MAX_RANGE_MS), entries);
  }
  return [...entries.values()];
}

async function readRange(ctx: EwsSourceContext, start: number, end: number, entries: Map<string, ViewEntry>): Promise<void> {
  const page = await viewPage(ctx, start, end);
  if (page.complete) {
    page.entries.forEach((entry) => entries.set(entry.id, entry));
    return;
  }
  if (end - start <= MIN_RANGE_MS) {
    throw new ConnectorError({ kind: 'bug', code: 'CalendarViewOverflow', message: `more than ${MAX_ENTRIES} calendar items start within one minute at ${new Date(start).toISOString()}; the view cannot list them` });
  }

  const middle = start + Math.floor((end - start) / 2);
  await readRange(ctx, start, middle, entries);
  await readRange(ctx, middle, end, entries);
}

async function viewPage(ctx: EwsSourceContext, start: number, end: number): Promise<{ entries: ViewEntry[]; complete: boolean }> {
  const body = element(
    'm:FindItem',
    { Traversal: 'Shallow' },
    itemShapeXml(['calendar:UID', 'calendar:CalendarItemType']),
    element('m:CalendarView', { MaxEntriesReturned: String(MAX_ENTRIES), StartDate: new Date(start).toISOString(), EndDate: new Date(end).toISOString() }),
    element('m:ParentFolderIds', {}, distinguishedFolderXml('calendar')),
  );
  const reply = await ctx.client.call({ body, idempotent: true, label: 'FindItem CalendarView' });
  const message = successMessage(reply.messages[0], 'FindItem');

  const root = child(message.node, 'RootFolder');
  const entries = (child(root, 'Items')?.children ?? []).flatMap((item) => entryOf(item));
  return { entries, complete: root?.attributes.IncludesLastItemInRange !== 'false' };
}

function entryOf(item: XmlNode): ViewEntry[] {
  const ids = itemIdOf(item);
  if (ids === null) {
    return [];
  }
  return [{ id: ids.id, uid: child(item, 'UID')?.text.trim() || null, type: child(item, 'CalendarItemType')?.text.trim() ?? 'Single' }];
}
