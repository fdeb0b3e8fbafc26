import type { MailboxTaskSource } from '../../../domain/connector.ts';
import { createGoogleClient } from '../google-client.ts';
import type { GoogleConnectorOptions } from '../google-options.ts';
import { pullTasks } from './pull-tasks.ts';
import { applyTaskWrites, findTasksBySyncIds, readTasks } from './task-reads-writes.ts';
import type { TasksContext } from './tasks-context.ts';

/** Create the task source for one mailbox's Google Tasks list (the default list unless another is named). */
export function createGoogleTaskSource(options: GoogleConnectorOptions): MailboxTaskSource {
  const client = createGoogleClient(options, 'tasks');
  const listId = options.taskListId ?? '@default';
  const ctx: TasksContext = { client, tasksPath: `/tasks/v1/lists/${encodeURIComponent(listId)}/tasks`, batchUrl: `${client.apiBaseUrl}/batch/tasks/v1`, syncIds: new Map() };
  return {
    get calls() {
      return client.http.calls;
    },
    pullChanges: (cursor) => pullTasks(ctx, cursor, options.now),
    readItems: (ids) => readTasks(ctx, ids),
    findBySyncIds: (syncIds) => findTasksBySyncIds(ctx, syncIds),
    applyWrites: (writes) => applyTaskWrites(ctx, writes),
  };
}
