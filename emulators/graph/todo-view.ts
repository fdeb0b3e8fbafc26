import { bodyView, dateTimeView, expandedNames, pickSelected } from './item-view.ts';
import type { Preferences } from './prefer-header.ts';
import type { LinkedResourceRecord, TodoListRecord, TodoTaskRecord } from './todo-record.ts';

/** Navigation properties of a todoTask that `$expand` accepts here. */
export const TASK_EXPANDABLE = ['linkedResources'] as const;

export interface TaskViewOptions {
  readonly preferences: Preferences;
  readonly select?: string | null;
  readonly expand?: string | null;
  /** The create response shows the linked resources posted with the task, as the documented example does. */
  readonly withLinkedResources?: boolean;
}

/**
 * Render a todoTask in Graph's JSON shape, properties in the order of the documented responses. Date properties
 * that are not set are left out, as in the documented examples.
 */
// NOTE: the documented list example shows linkedResources without `$expand`. The emulator returns them only when
// expanded (or on create), so a client that needs them must expand them, which works against the service too.
export function renderTask(task: TodoTaskRecord, options: TaskViewOptions): Record<string, unknown> {
  const view: Record<string, unknown> = {
    '@odata.etag': `W/"${task.changeKey}"`,
    importance: task.importance,
    isReminderOn: task.isReminderOn,
    status: task.status,
    title: task.title,
    createdDateTime: task.createdDateTime,
    lastModifiedDateTime: task.lastModifiedDateTime,
    bodyLastModifiedDateTime: task.bodyLastModifiedDateTime,
    hasAttachments: false,
    categories: [...task.categories],
    id: task.id,
    body: bodyView(task.body, options.preferences),
  };

  const dates: [string, number | null][] = [
    ['dueDateTime', task.dueMs],
    ['startDateTime', task.startMs],
    ['completedDateTime', task.completedMs],
    ['reminderDateTime', task.reminderMs],
  ];
  for (const [name, ms] of dates) {
    if (ms !== null) {
      view[name] = dateTimeView(ms, options.preferences);
    }
  }
  if (task.recurrence !== null) {
    view.recurrence = task.recurrence;
  }

  const expanded = expandedNames(options.expand, TASK_EXPANDABLE);
  if (expanded.has('linkedresources') || options.withLinkedResources) {
    view.linkedResources = task.linkedResources.map(renderLinkedResource);
  }

  const picked = pickSelected(view, options.select);
  if (view.linkedResources !== undefined) {
    picked.linkedResources = view.linkedResources;
  }
  return picked;
}

export function renderLinkedResource(resource: LinkedResourceRecord): Record<string, unknown> {
  const view: Record<string, unknown> = { id: resource.id };
  for (const key of ['webUrl', 'applicationName', 'displayName', 'externalId'] as const) {
    if (resource[key] !== null) {
      view[key] = resource[key];
    }
  }
  return view;
}

export function renderList(list: TodoListRecord): Record<string, unknown> {
  return {
    '@odata.etag': `W/"${list.changeKey}"`,
    displayName: list.displayName,
    isOwner: true,
    isShared: false,
    wellknownListName: list.wellknownListName,
    id: list.id,
  };
}
