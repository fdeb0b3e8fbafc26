import type { CalendarEvent } from '../../../domain/calendar-event.ts';
import type { Write, WriteResult } from '../../../domain/connector.ts';
import { applyWritesInBatches } from '../batch-writes.ts';
import type { BatchItem } from '../google-batch.ts';
import type { CalendarContext } from './calendar-context.ts';
import { versionOf } from './event-from-google.ts';
import { findEventsBySyncIds } from './event-reads.ts';
import { createBody, patchBody } from './event-to-google.ts';
import type { GoogleEvent } from './google-event-types.ts';

type UpdateWrite = Extract<Write<CalendarEvent>, { op: 'update' }>;

/**
 * Apply creates, updates and deletes in Calendar batches; one result per write. Every write carries the org's
 * `sendUpdates` (none by default), and an update carries the etag it was computed against as If-Match, so an edit
 * made in between fails with 412 (a conflict) instead of being overwritten.
 */
export async function applyEventWrites(ctx: CalendarContext, writes: readonly Write<CalendarEvent>[]): Promise<WriteResult[]> {
  return applyWritesInBatches(writes, {
    target: { http: ctx.client.http, batchUrl: ctx.batchUrl, label: 'events write' },
    service: 'Calendar',
    kind: 'event',
    toItem: (write, id) => toItem(ctx, write, id),
    written: (write, body) => {
      const event = body as GoogleEvent | null;
      return { id: write.op === 'create' ? (event?.id ?? '') : write.id, version: event ? versionOf(event) : null };
    },
    findBySyncIds: (syncIds) => findEventsBySyncIds(ctx, syncIds),
  });
}

function toItem(ctx: CalendarContext, write: Write<CalendarEvent>, id: string): BatchItem | null {
  const notify = `sendUpdates=${ctx.sendUpdates}`;
  switch (write.op) {
    case 'create':
      return { id, method: 'POST', path: `${ctx.eventsPath}?${notify}`, body: createBody(write.item, write.syncId), idempotent: false };
    case 'delete':
      return { id, method: 'DELETE', path: `${ctx.eventsPath}/${encodeURIComponent(write.id)}?${notify}`, idempotent: true };
    case 'update':
      return updateItem(ctx, write, id, notify);
  }
}

function updateItem(ctx: CalendarContext, write: UpdateWrite, id: string, notify: string): BatchItem | null {
  const { body, skipped } = patchBody(write.patch);
  if (skipped.length > 0) {
    ctx.client.logger.debug({ ref: write.ref, skipped }, 'Calendar cannot write these event fields; they are left out of the update');
  }
  if (Object.keys(body).length === 0) {
    return null;
  }
  // Without If-Match a repeated PATCH could overwrite an edit made in between, so only a guarded one retries.
  const headers = write.expectedVersion === null ? undefined : { 'If-Match': write.expectedVersion };
  return { id, method: 'PATCH', path: `${ctx.eventsPath}/${encodeURIComponent(write.id)}?${notify}`, body, ...(headers ? { headers } : {}), idempotent: write.expectedVersion !== null };
}
