import type { Change, ItemSnapshot, PullResult } from '../../../domain/connector.ts';
import { ConnectorError } from '../../../domain/errors.ts';
import type { MailboxTask } from '../../../domain/task.ts';
import type { GoogleTask, GoogleTaskList } from './google-task-types.ts';
import { taskSnapshot } from './task-mapping.ts';
import { TASK_PAGE_SIZE, type TasksContext } from './tasks-context.ts';

/**
 * The Tasks API has no sync token. Changes are found with `updatedMin` (tasks modified since a time) and
 * `showDeleted` (deleted tasks are listed with `deleted: true`), so the cursor is a time on Google's clock: the
 * `Date` of the listing's first response, less a margin for writes that become visible late. A task changed in the
 * margin is listed again by the next pull, which the core sees as no change (same etag).
 */
const CURSOR_MARGIN_MS = 5 * 60_000;

/**
 * Google documents no time for which deleted tasks stay listed, so a cursor older than this is treated as expired and
 * the list is read in full, which the core reconciles against the links.
 */
// NOTE: seven days is a guess at a retention Google does not document; a deletion older than what Google keeps
// would otherwise be missed.
const CURSOR_MAX_AGE_MS = 7 * 24 * 3600_000;

interface TasksCursor {
  readonly format: 'google-tasks/1';
  readonly updatedMin: string;
}

export async function pullTasks(ctx: TasksContext, cursor: string | null, now: () => number = Date.now): Promise<PullResult<MailboxTask>> {
  const updatedMin = cursor === null ? null : decodeCursor(cursor, now());
  const query = new URLSearchParams({ showCompleted: 'true', showHidden: 'true', maxResults: String(TASK_PAGE_SIZE) });
  if (updatedMin !== null) {
    query.set('updatedMin', updatedMin);
    query.set('showDeleted', 'true');
  }

  const changes = new Map<string, Change<MailboxTask>>();
  let serverTime: number | null = null;
  await listTasks(ctx, query, (task, date) => {
    serverTime ??= date;
    changes.delete(task.id);
    if (task.deleted === true) {
      changes.set(task.id, { kind: 'delete', id: task.id, mayStillExist: false });
      return;
    }
    changes.set(task.id, { kind: 'upsert', ...remember(ctx, taskSnapshot(task)) });
  });

  const next: TasksCursor = { format: 'google-tasks/1', updatedMin: new Date((serverTime ?? now()) - CURSOR_MARGIN_MS).toISOString() };
  return { changes: [...changes.values()], nextCursor: JSON.stringify(next), isFullListing: updatedMin === null };
}

/** Walk every page of a task listing; `visit` gets each task and the server time of the first page. */
export async function listTasks(ctx: TasksContext, query: URLSearchParams, visit: (task: GoogleTask, serverTime: number | null) => void): Promise<void> {
  let serverTime: number | null = null;
  for (;;) {
    const { headers, body } = await ctx.client.http.sendOrThrow({ method: 'GET', url: `${ctx.client.apiBaseUrl}${ctx.tasksPath}?${query.toString()}`, idempotent: true, label: 'tasks.list' });
    if (serverTime === null) {
      const date = Date.parse(headers.get('date') ?? '');
      serverTime = Number.isNaN(date) ? null : date;
    }
    const page = (body ?? {}) as GoogleTaskList;
    for (const task of page.items ?? []) visit(task, serverTime);
    if (!page.nextPageToken) {
      return;
    }
    query.set('pageToken', page.nextPageToken);
  }
}

export function remember(ctx: TasksContext, snapshot: ItemSnapshot<MailboxTask>): ItemSnapshot<MailboxTask> {
  ctx.syncIds.set(snapshot.id, snapshot.syncId);
  return snapshot;
}

function decodeCursor(cursor: string, now: number): string {
  let value: Partial<TasksCursor> | null = null;
  try {
    value = JSON.parse(cursor) as Partial<TasksCursor>;
  } catch {
    value = null;
  }
  const ms = Date.parse(value?.updatedMin ?? '');
  if (value?.format !== 'google-tasks/1' || Number.isNaN(ms)) {
    throw new ConnectorError({ kind: 'cursorExpired', code: 'CursorUnreadable', message: 'the stored Google Tasks cursor cannot be read, so the task list is read again in full' });
  }
  if (now - ms > CURSOR_MAX_AGE_MS) {
    throw new ConnectorError({ kind: 'cursorExpired', code: 'CursorTooOld', message: 'the stored Google Tasks cursor is older than deleted tasks are known to be kept, so the task list is read again in full' });
  }
  return new Date(ms).toISOString();
}
