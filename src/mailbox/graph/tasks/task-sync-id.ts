import type { GraphLinkedResource, GraphTodoTask } from './todo-types.ts';

/**
 * Where a To Do task carries Syncline's sync id. Graph v1.0 documents single-value extended properties for
 * messages, events, contacts and their folders, but not for todoTask (only the beta API lists todoTask), so the
 * sync id rides in the task's linkedResource instead: `applicationName` Syncline, `externalId` the sync id. The
 * service takes one linked resource when a task is created, which is the one Syncline writes.
 */
export const SYNC_APPLICATION_NAME = 'Syncline';

/** Build the linked resource a new task carries; To Do shows it on the task as a link card named after the app. */
export function syncIdResource(syncId: string): GraphLinkedResource {
  return { applicationName: SYNC_APPLICATION_NAME, displayName: 'Synced by Syncline', externalId: syncId };
}

/** Read the sync id of a task fetched with `$expand=linkedResources`; null when it has none. */
export function taskSyncIdOf(task: GraphTodoTask): string | null {
  const resource = task.linkedResources?.find((candidate) => candidate.applicationName === SYNC_APPLICATION_NAME);
  const externalId = resource?.externalId;
  return typeof externalId === 'string' && externalId !== '' ? externalId : null;
}
