import type { CalendarEvent } from '../../domain/calendar-event.ts';
import type { Write, WriteResult } from '../../domain/connector.ts';
import type { GraphEvent } from './graph-types.ts';
import type { SourceContext } from './source-context.ts';
import { executeBatch, type BatchItem, type BatchOutcome } from './graph-batch.ts';
import { createBody, patchBody } from './event-to-graph.ts';
import { versionOf } from './event-from-graph.ts';
import { findBySyncIds } from './find-by-sync-ids.ts';

/** Apply creates, updates and deletes through `$batch`; one result per write, keyed by its `ref`. */
export async function applyWrites(ctx: SourceContext, writes: readonly Write<CalendarEvent>[]): Promise<WriteResult[]> {
  const results = new Map<number, WriteResult>();
  const requests: BatchItem[] = [];

  writes.forEach((write, index) => {
    const request = toRequest(ctx, write, String(index));
    if (request !== null) {
      requests.push(request);
      return;
    }

    // Only an update can come out empty: nothing Graph can write was in the patch, so the item stays as it was.
    if (write.op === 'update') {
      results.set(index, { ref: write.ref, ok: true, id: write.id, version: write.expectedVersion });
    }
  });

  const outcomes = await executeBatch(ctx.batch, requests);
  for (const request of requests) {
    const index = Number(request.id);
    const write = writes[index] as Write<CalendarEvent>;
    results.set(index, toResult(write, outcomes.get(request.id)));
  }

  await recoverCreates(ctx, writes, results);
  return [...results.entries()].sort(([a], [b]) => a - b).map(([, result]) => result);
}

function toRequest(ctx: SourceContext, write: Write<CalendarEvent>, id: string): BatchItem | null {
  const eventsPath = `${ctx.userPath}/events`;
  switch (write.op) {
    case 'create':
      return { id, method: 'POST', url: eventsPath, body: createBody(write.item, write.syncId, ctx.mailboxTimeZone), idempotent: false };
    case 'delete':
      return { id, method: 'DELETE', url: `${eventsPath}/${encodeURIComponent(write.id)}`, idempotent: true };
    case 'update':
      return updateRequest(ctx, write, id, `${eventsPath}/${encodeURIComponent(write.id)}`);
  }
}

function updateRequest(ctx: SourceContext, write: Extract<Write<CalendarEvent>, { op: 'update' }>, id: string, url: string): BatchItem | null {
  const { patch, skipped } = patchBody(write.patch, ctx.mailboxTimeZone);
  if (skipped.length > 0) {
    ctx.logger.debug({ ref: write.ref, skipped }, 'Graph cannot write these event fields; they are left out of the update');
  }
  if (Object.keys(patch).length === 0) {
    return null;
  }

  // Without If-Match a repeated PATCH could overwrite an edit made in between, so only a guarded one retries.
  const headers = write.expectedVersion === null ? undefined : { 'If-Match': ifMatch(write.expectedVersion) };
  return { id, method: 'PATCH', url, body: patch, headers, idempotent: write.expectedVersion !== null };
}

/** Graph's ETag for an event is the changeKey as a weak entity tag, `W/"<changeKey>"`. */
export function ifMatch(version: string): string {
  return version.startsWith('W/') || version.startsWith('"') ? version : `W/"${version}"`;
}

function toResult(write: Write<CalendarEvent>, outcome: BatchOutcome | undefined): WriteResult {
  if (outcome === undefined) {
    return {
      ref: write.ref,
      ok: false,
      failure: { kind: 'retryLater', code: 'BatchResponseMissing', message: 'Graph returned no response for this write, so it is repeated later' },
    };
  }

  if (write.op === 'delete' && (outcome.ok || outcome.failure.kind === 'notFound')) {
    // The item is gone either way, which is what the delete asked for; a repeated delete must not fail.
    return { ref: write.ref, ok: true, id: write.id, version: null };
  }
  if (!outcome.ok) {
    return { ref: write.ref, ok: false, failure: outcome.failure };
  }

  const event = outcome.body as GraphEvent | null;
  if (write.op === 'create') {
    return { ref: write.ref, ok: true, id: event?.id ?? '', version: event ? versionOf(event) : null };
  }
  return { ref: write.ref, ok: true, id: write.id, version: event ? versionOf(event) : null };
}

/**
 * A create that failed without a clear outcome (a 5xx, a lost connection) may have been stored anyway. An
 * event found with the sync id it carried is the create's result, so the event is not created twice.
 */
async function recoverCreates(ctx: SourceContext, writes: readonly Write<CalendarEvent>[], results: Map<number, WriteResult>): Promise<void> {
  const unsure = [...results.entries()].filter(([index, result]) => {
    const write = writes[index];
    return write?.op === 'create' && !result.ok && result.failure.kind === 'retryLater';
  });
  if (unsure.length === 0) {
    return;
  }

  const syncIds = unsure.map(([index]) => (writes[index] as Extract<Write<CalendarEvent>, { op: 'create' }>).syncId);
  const found = await findBySyncIds(ctx, syncIds).catch((error: unknown) => {
    // The creates keep their retryLater failure, and the next session searches by sync id before creating again.
    ctx.logger.warn({ refs: unsure.map(([, result]) => result.ref), err: error }, 'lookup by sync id after failed creates failed');
    return new Map<string, never>();
  });
  for (const [index, result] of unsure) {
    const write = writes[index] as Extract<Write<CalendarEvent>, { op: 'create' }>;
    const snapshot = found.get(write.syncId);
    if (snapshot) {
      results.set(index, { ref: result.ref, ok: true, id: snapshot.id, version: snapshot.version });
    }
  }
}
