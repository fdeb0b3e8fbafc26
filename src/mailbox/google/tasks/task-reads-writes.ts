import type { ItemSnapshot, Write, WriteResult } from '../../../domain/connector.ts';
import type { MailboxTask } from '../../../domain/task.ts';
import { applyWritesInBatches } from '../batch-writes.ts';
import { getEachById, type BatchItem } from '../google-batch.ts';
import type { GoogleTask } from './google-task-types.ts';
import { listTasks, remember } from './pull-tasks.ts';
import { taskCreateBody, taskPatchBody, taskSnapshot } from './task-mapping.ts';
import { TASK_PAGE_SIZE, type TasksContext } from './tasks-context.ts';

/** Read tasks by id in Tasks batches; a deleted one (404, or `deleted: true`) is left out. */
export async function readTasks(ctx: TasksContext, ids: readonly string[]): Promise<Map<string, ItemSnapshot<MailboxTask>>> {
  const bodies = await getEachById({ http: ctx.client.http, batchUrl: ctx.batchUrl, label: 'tasks.get' }, ctx.tasksPath, ids);
  const found = new Map<string, ItemSnapshot<MailboxTask>>();
  for (const [id, body] of bodies) {
    const task = body as GoogleTask;
    if (task.deleted !== true) {
      found.set(id, remember(ctx, taskSnapshot(task)));
    }
  }
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

  return applyWritesInBatches(writes, {
    target: { http: ctx.client.http, batchUrl: ctx.batchUrl, label: 'tasks write' },
    service: 'Google Tasks',
    kind: 'task',
    toItem: (write, id) => toItem(ctx, write, id),
    written: (write, body) => {
      const task = body as GoogleTask | null;
      if (task) remember(ctx, taskSnapshot(task));
      return { id: write.op === 'create' ? (task?.id ?? '') : write.id, version: task?.etag ?? null };
    },
    findBySyncIds: (syncIds) => findTasksBySyncIds(ctx, syncIds),
  });
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
