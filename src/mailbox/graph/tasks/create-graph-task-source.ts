import type { ItemSnapshot, MailboxTaskSource } from '../../../domain/connector.ts';
import type { MailboxTask } from '../../../domain/task.ts';
import type { GraphConnectorOptions } from '../connector-options.ts';
import { buildContext } from '../create-graph-event-source.ts';
import type { GraphPage } from '../graph-types.ts';
import { createItemSource, lazily } from '../items/create-item-source.ts';
import type { GraphItemKind } from '../items/graph-item-kind.ts';
import type { SourceContext } from '../source-context.ts';
import { findDefaultTaskListId } from './default-task-list.ts';
import { taskSnapshot } from './task-from-graph.ts';
import { taskSyncIdOf } from './task-sync-id.ts';
import { taskCreateBody, taskPatchBody } from './task-to-graph.ts';
import type { GraphTodoTask } from './todo-types.ts';

const EXPAND_LINKED_RESOURCES = '$expand=linkedResources';

/**
 * Create the task source for the default Microsoft To Do list of one mailbox: delta over that list with the
 * linked resources expanded (they carry the sync id), reads and writes batched 20 per `$batch`.
 */
export function createGraphTaskSource(options: GraphConnectorOptions): MailboxTaskSource {
  const ctx = buildContext(options, 'tasks');
  return createItemSource(ctx, taskKind(ctx));
}

function taskKind(ctx: SourceContext): GraphItemKind<MailboxTask, GraphTodoTask> {
  const listId = lazily(() => findDefaultTaskListId(ctx));
  const collectionPath = async () => `${ctx.userPath}/todo/lists/${encodeURIComponent(await listId())}/tasks`;

  const kind: GraphItemKind<MailboxTask, GraphTodoTask> = {
    label: 'To Do task',
    collectionPath,
    firstDeltaUrl: async () => `${ctx.baseUrl}${await collectionPath()}/delta?${EXPAND_LINKED_RESOURCES}`,
    readQuery: EXPAND_LINKED_RESOURCES,
    rereadDeltaItems: false,
    // A task moved to another list gets a new id there, so a removal from the default list is final for this id.
    removalMayBeMove: false,
    // NOTE: the To Do API documents no If-Match on task updates, so updates go unguarded and are not retried.
    sendsIfMatch: false,
    toSnapshot: (task) => taskSnapshot(task, ctx.mailboxTimeZone),
    isInScope: async () => true,
    createBody: (task, syncId) => taskCreateBody(task, syncId, ctx.mailboxTimeZone),
    patchBody: (patch) => taskPatchBody(patch, ctx.mailboxTimeZone),
    findBySyncIds: (syncIds) => findTasksBySyncIds(ctx, kind, syncIds),
  };
  return kind;
}

/**
 * Find tasks by sync id. To Do documents no `$filter` on linked resources, so this lists the default list with
 * the linked resources expanded and matches them here: one request per page of the list. The core calls it only
 * for creates whose outcome was lost, so it runs rarely.
 */
async function findTasksBySyncIds(
  ctx: SourceContext,
  kind: GraphItemKind<MailboxTask, GraphTodoTask>,
  syncIds: readonly string[],
): Promise<Map<string, ItemSnapshot<MailboxTask>>> {
  const requested = new Set(syncIds);
  const found = new Map<string, GraphTodoTask>();
  let url: string | undefined = `${ctx.baseUrl}${await kind.collectionPath()}?${EXPAND_LINKED_RESOURCES}&$top=100`;

  while (url !== undefined && requested.size > found.size) {
    const { body } = await ctx.http.sendOrThrow({ method: 'GET', url, idempotent: true, label: 'To Do tasks by sync id' });
    const page = (body ?? {}) as GraphPage<GraphTodoTask>;
    for (const task of page.value ?? []) {
      keepFirstCreated(ctx, found, requested, task);
    }
    url = page['@odata.nextLink'];
  }

  return new Map([...found].map(([syncId, task]) => [syncId, kind.toSnapshot(task)]));
}

/** Two tasks with one sync id mean a create was repeated; the first one created is the one a link was meant for. */
function keepFirstCreated(ctx: SourceContext, found: Map<string, GraphTodoTask>, requested: ReadonlySet<string>, task: GraphTodoTask): void {
  const syncId = taskSyncIdOf(task);
  if (syncId === null || !requested.has(syncId)) {
    return;
  }

  const earlier = found.get(syncId);
  if (earlier) {
    ctx.logger.warn({ ids: [earlier.id, task.id] }, 'several To Do tasks carry one sync id; the first created is used');
    if ((earlier.createdDateTime ?? '') <= (task.createdDateTime ?? '')) {
      return;
    }
  }
  found.set(syncId, task);
}
