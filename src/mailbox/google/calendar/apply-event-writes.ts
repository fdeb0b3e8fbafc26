import type { CalendarEvent } from '../../../domain/calendar-event.ts';
import type { Write, WriteResult } from '../../../domain/connector.ts';
import { executeBatch, type BatchItem, type BatchOutcome } from '../google-batch.ts';
import type { CalendarContext } from './calendar-context.ts';
import { versionOf } from './event-from-google.ts';
import { findEventsBySyncIds } from './event-reads.ts';
import { createBody, patchBody } from './event-to-google.ts';
import type { GoogleEvent } from './google-event-types.ts';

type CreateWrite = Extract<Write<CalendarEvent>, { op: 'create' }>;
type UpdateWrite = Extract<Write<CalendarEvent>, { op: 'update' }>;

/**
 * Apply creates, updates and deletes in Calendar batches; one result per write. Every write carries the org's
 * `sendUpdates` (none by default), and an update carries the etag it was computed against as If-Match, so an edit
 * made in between fails with 412 (a conflict) instead of being overwritten.
 */
export async function applyEventWrites(ctx: CalendarContext, writes: readonly Write<CalendarEvent>[]): Promise<WriteResult[]> {
  const results = new Map<number, WriteResult>();
  const items: BatchItem[] = [];
  writes.forEach((write, index) => {
    const item = toItem(ctx, write, String(index));
    if (item !== null) {
      items.push(item);
    } else if (write.op === 'update') {
      // Nothing Calendar can write was in the patch, so the event stays as it was.
      results.set(index, { ref: write.ref, ok: true, id: write.id, version: write.expectedVersion });
    }
  });

  const outcomes = await executeBatch({ http: ctx.client.http, batchUrl: ctx.batchUrl, label: 'events write' }, items);
  for (const item of items) {
    const index = Number(item.id);
    results.set(index, toResult(writes[index] as Write<CalendarEvent>, outcomes.get(item.id)));
  }
  await recoverCreates(ctx, writes, results);
  return [...results.entries()].sort(([a], [b]) => a - b).map(([, result]) => result);
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

function toResult(write: Write<CalendarEvent>, outcome: BatchOutcome | undefined): WriteResult {
  if (outcome === undefined) {
    return { ref: write.ref, ok: false, failure: { kind: 'retryLater', code: 'BatchPartMissing', message: 'Calendar returned no response for this write, so it is repeated later' } };
  }
  // A deleted event is gone either way (404, or 410 for one deleted before); a repeated delete must not fail.
  if (write.op === 'delete' && (outcome.ok || outcome.failure.kind === 'notFound')) {
    return { ref: write.ref, ok: true, id: write.id, version: null };
  }
  if (!outcome.ok) {
    return { ref: write.ref, ok: false, failure: outcome.failure };
  }

  const event = outcome.body as GoogleEvent | null;
  const id = write.op === 'create' ? (event?.id ?? '') : write.id;
  return { ref: write.ref, ok: true, id, version: event ? versionOf(event) : null };
}

/**
 * Recover creates that failed without a clear outcome (a 5xx, a lost connection), because Calendar may have stored
 * them anyway. An event found with the sync id a create carried is its result, so the event is not created twice.
 */
async function recoverCreates(ctx: CalendarContext, writes: readonly Write<CalendarEvent>[], results: Map<number, WriteResult>): Promise<void> {
  const unsure = [...results.entries()].filter(([index, result]) => writes[index]?.op === 'create' && !result.ok && result.failure.kind === 'retryLater');
  if (unsure.length === 0) {
    return;
  }

  const syncIds = unsure.map(([index]) => (writes[index] as CreateWrite).syncId);
  const found = await findEventsBySyncIds(ctx, syncIds).catch((error: unknown) => {
    ctx.client.logger.warn({ refs: unsure.map(([, result]) => result.ref), err: error }, 'lookup by sync id after failed creates failed');
    return new Map<string, never>();
  });
  for (const [index, result] of unsure) {
    const snapshot = found.get((writes[index] as CreateWrite).syncId);
    if (snapshot) {
      results.set(index, { ref: result.ref, ok: true, id: snapshot.id, version: snapshot.version });
    }
  }
}
