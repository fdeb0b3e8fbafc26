import type { ItemSnapshot, Write, WriteResult } from '../../../domain/connector.ts';
import { ConnectorError } from '../../../domain/errors.ts';
import type { MailboxTask } from '../../../domain/task.ts';
import { executeBatch, type BatchItem, type BatchOutcome } from '../google-batch.ts';
import type { GoogleTask } from './google-task-types.ts';
import { listTasks, remember } from './pull-tasks.ts';
import { taskCreateBody, taskPatchBody, taskSnapshot } from './task-mapping.ts';
import { TASK_PAGE_SIZE, type TasksContext } from './tasks-context.ts';

type CreateWrite = Extract<Write<MailboxTask>, { op: 'create' }>;

/** Read tasks by id in Tasks batches; a deleted one (404, or `deleted: true`) is left out. */
export async function readTasks(ctx: TasksContext, ids: readonly string[]): Promise<Map<string, ItemSnapshot<MailboxTask>>> {
  const unique = [...new Set(ids)];
  const items: BatchItem[] = unique.map((id, index) => ({ id: String(index), method: 'GET', path: `${ctx.tasksPath}/${encodeURIComponent(id)}`, idempotent: true }));
  const outcomes = await executeBatch({ http: ctx.client.http, batchUrl: ctx.batchUrl, label: 'tasks.get' }, items);

  const found = new Map<string, ItemSnapshot<MailboxTask>>();
  unique.forEach((id, index) => {
    const outcome = outcomes.get(String(index));
    if (outcome === undefined || (!outcome.ok && outcome.failure.kind === 'notFound')) {
      return;
    }
    if (!outcome.ok) {
      throw new ConnectorError(outcome.failure);
    }
    const task = outcome.body as GoogleTask;
    if (task.deleted !== true) {
      found.set(id, remember(ctx, taskSnapshot(task)));
    }
  });
  return found;
}

/** Find tasks by the sync id at the end of their notes: Tasks cannot search notes, so the list is read in full. */
export async function findTasksBySyncIds(ctx: TasksContext, syncIds: readonly string[]): Promise<Map<string, ItemSnapshot<MailboxTask>>> {
  const wanted = new Set(syncIds);
  const found = new Map<string, ItemSnapshot<MailboxTask>>();
  const query = new URLSearchParams({ showCompleted: 'true', showHidden: 'true', maxResults: String(TASK_PAGE_SIZE) });
  await listTasks(ctx, query, (task) => {
    const snapshot = remember(ctx, taskSnapshot(task));
    if (snapshot.syncId !== null && wanted.has(snapshot.syncId) && !found.has(snapshot.syncId)) {
      found.set(snapshot.syncId, snapshot);
    }
  });
  return found;
}

/**
 * Apply task writes in Tasks batches. An update that rewrites the notes needs the task's sync id to keep the marker,
 * so a task this source has not read yet is read first.
 */
// NOTE: the Tasks API documents no If-Match on tasks.patch, so updates are sent unguarded and not retried: an edit
// made between the read and the write can be overwritten.
export async function applyTaskWrites(ctx: TasksContext, writes: readonly Write<MailboxTask>[]): Promise<WriteResult[]> {
  const unknownNotes = writes.filter((write) => write.op === 'update' && write.patch.body !== undefined && !ctx.syncIds.has(write.id)).map((write) => (write as { id: string }).id);
  if (unknownNotes.length > 0) {
    await readTasks(ctx, unknownNotes);
  }

  const items: BatchItem[] = [];
  const results = new Map<number, WriteResult>();
  writes.forEach((write, index) => {
    const item = toItem(ctx, write, String(index));
    if (item !== null) items.push(item);
    else if (write.op === 'update') results.set(index, { ref: write.ref, ok: true, id: write.id, version: write.expectedVersion });
  });

  const outcomes = await executeBatch({ http: ctx.client.http, batchUrl: ctx.batchUrl, label: 'tasks write' }, items);
  for (const item of items) {
    const index = Number(item.id);
    results.set(index, toResult(ctx, writes[index] as Write<MailboxTask>, outcomes.get(item.id)));
  }
  await recoverCreates(ctx, writes, results);
  return [...results.entries()].sort(([a], [b]) => a - b).map(([, result]) => result);
}

function toItem(ctx: TasksContext, write: Write<MailboxTask>, id: string): BatchItem | null {
  switch (write.op) {
    case 'create':
      return { id, method: 'POST', path: ctx.tasksPath, body: taskCreateBody(write.item, write.syncId), idempotent: false };
    case 'delete':
      return { id, method: 'DELETE', path: `${ctx.tasksPath}/${encodeURIComponent(write.id)}`, idempotent: true };
    case 'update': {
      const { body, skipped } = taskPatchBody(write.patch, ctx.syncIds.get(write.id) ?? null);
      if (skipped.length > 0) {
        ctx.client.logger.debug({ ref: write.ref, skipped }, 'Google Tasks cannot store these task fields; they are left out of the update');
      }
      return Object.keys(body).length === 0 ? null : { id, method: 'PATCH', path: `${ctx.tasksPath}/${encodeURIComponent(write.id)}`, body, idempotent: false };
    }
  }
}

function toResult(ctx: TasksContext, write: Write<MailboxTask>, outcome: BatchOutcome | undefined): WriteResult {
  if (outcome === undefined) {
    return { ref: write.ref, ok: false, failure: { kind: 'retryLater', code: 'BatchPartMissing', message: 'Google Tasks returned no response for this write, so it is repeated later' } };
  }
  if (write.op === 'delete' && (outcome.ok || outcome.failure.kind === 'notFound')) {
    return { ref: write.ref, ok: true, id: write.id, version: null };
  }
  if (!outcome.ok) {
    return { ref: write.ref, ok: false, failure: outcome.failure };
  }
  const task = outcome.body as GoogleTask | null;
  const id = write.op === 'create' ? (task?.id ?? '') : write.id;
  if (task) remember(ctx, taskSnapshot(task));
  return { ref: write.ref, ok: true, id, version: task?.etag ?? null };
}

/** Recover creates whose outcome is unknown: a task found with the sync id a create carried is its result. */
async function recoverCreates(ctx: TasksContext, writes: readonly Write<MailboxTask>[], results: Map<number, WriteResult>): Promise<void> {
  const unsure = [...results.entries()].filter(([index, result]) => writes[index]?.op === 'create' && !result.ok && result.failure.kind === 'retryLater');
  if (unsure.length === 0) {
    return;
  }
  const found = await findTasksBySyncIds(ctx, unsure.map(([index]) => (writes[index] as CreateWrite).syncId)).catch((error: unknown) => {
    ctx.client.logger.warn({ refs: unsure.map(([, result]) => result.ref), err: error }, 'lookup by sync id after failed task creates failed');
    return new Map<string, never>();
  });
  for (const [index, result] of unsure) {
    const snapshot = found.get((writes[index] as CreateWrite).syncId);
    if (snapshot) results.set(index, { ref: result.ref, ok: true, id: snapshot.id, version: snapshot.version });
  }
}
