import type { CalendarEvent } from '../../../domain/calendar-event.ts';
import type { ItemSnapshot, MailboxEventSource } from '../../../domain/connector.ts';
import { applyKindWrites } from '../items/apply-kind-writes.ts';
import { distinguishedFolderXml } from '../items/ews-item-xml.ts';
import { findIdsBySyncIds } from '../items/find-by-sync-ids.ts';
import type { EwsItemKind } from '../items/item-kind.ts';
import type { WriteAttributes } from '../items/write-items.ts';
import type { EwsSourceContext } from '../source-context.ts';
import { EVENT_FIELD_URIS, eventFromEws } from './event-from-ews.ts';
import { calendarItemXml, eventUpdateParts } from './event-to-ews.ts';
import { pullEvents } from './pull-events.ts';
import { readEvents } from './read-events.ts';

/** Creates the event source over the default calendar of one mailbox. */
export function createEwsEventSource(ctx: EwsSourceContext): MailboxEventSource {
  const kind = calendarKind(ctx);
  return {
    get calls() {
      return ctx.client.calls;
    },
    pullChanges: (cursor, window) => pullEvents(ctx, cursor, window),
    readItems: (ids) => readEvents(ctx, ids),
    findBySyncIds: (syncIds) => findEventsBySyncIds(ctx, syncIds),
    applyWrites: (writes) => applyKindWrites(ctx, kind, writes),
  };
}

/**
 * Calendar items in the form the shared write code uses. By default nothing is sent to attendees, because Syncline
 * mirrors a meeting into a calendar and does not organise it. With `ews.sendMeetingInvitations` set to
 * `sendToAllAndSaveCopy`, Exchange sends invitations, updates and cancellations and keeps a copy in Sent Items.
 */
function calendarKind(ctx: EwsSourceContext): EwsItemKind<CalendarEvent> {
  return {
    label: 'calendar item',
    folder: 'calendar',
    fieldUris: EVENT_FIELD_URIS,
    writeAttributes: meetingWriteAttributes(ctx.sendMeetingInvitations),
    toItem: (node) => eventFromEws(node, ctx.mailboxTimeZone, null),
    createXml: (event, syncId) => calendarItemXml(event, syncId, ctx.mailboxTimeZone),
    updateParts: (patch) => eventUpdateParts(patch, ctx.mailboxTimeZone),
  };
}

function meetingWriteAttributes(send: EwsSourceContext['sendMeetingInvitations']): WriteAttributes {
  const value = send === 'sendToAllAndSaveCopy' ? 'SendToAllAndSaveCopy' : 'SendToNone';
  return {
    create: { SendMeetingInvitations: value },
    update: { MessageDisposition: 'SaveOnly', SendMeetingInvitationsOrCancellations: value },
    delete: { SendMeetingCancellations: value },
  };
}

/** Items Syncline creates are single items, so a search of the calendar folder without a view finds them. */
async function findEventsBySyncIds(ctx: EwsSourceContext, syncIds: readonly string[]): Promise<Map<string, ItemSnapshot<CalendarEvent>>> {
  if (syncIds.length === 0) {
    return new Map();
  }

  const ids = await findIdsBySyncIds(ctx.client, distinguishedFolderXml('calendar'), syncIds, ctx.logger);
  const items = await readEvents(ctx, [...ids.values()]);
  const found = new Map<string, ItemSnapshot<CalendarEvent>>();
  for (const [syncId, id] of ids) {
    const snapshot = items.get(id);
    if (snapshot !== undefined) {
      found.set(syncId, snapshot);
    }
  }
  return found;
}
