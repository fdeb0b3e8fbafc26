import type { ItemSnapshot } from '../../../domain/connector.ts';
import { IMPORTANCE_VALUES, TASK_STATUSES, type MailboxTask } from '../../../domain/task.ts';
import { instantFromGraph } from '../graph-date-time.ts';
import { dateOfMidnight, modifiedAtOf, nonEmpty, oneOf, textOfBody, versionOf } from '../items/item-values.ts';
import { taskSyncIdOf } from './task-sync-id.ts';
import type { GraphTodoTask } from './todo-types.ts';

/**
 * Map a To Do task to the canonical task. To Do keeps due, start and completed as dates, returned as midnight of
 * the date in the zone they were written in, converted to UTC; `dateOfMidnight` recovers the date. To Do has no
 * sensitivity, so no task read here is private.
 */
export function taskFromGraph(task: GraphTodoTask, mailboxTimeZone: string): MailboxTask {
  const reminderAt = task.isReminderOn === true && task.reminderDateTime ? instantFromGraph(task.reminderDateTime, mailboxTimeZone) : null;
  return {
    subject: task.title ?? '',
    body: textOfBody(task.body),
    // A missing value takes To Do's default; a value newer than this code is read as the default too.
    status: oneOf(TASK_STATUSES, task.status, 'notStarted'),
    importance: oneOf(IMPORTANCE_VALUES, task.importance, 'normal'),
    dueDate: task.dueDateTime ? dateOfMidnight(task.dueDateTime, mailboxTimeZone) : null,
    startDate: task.startDateTime ? dateOfMidnight(task.startDateTime, mailboxTimeZone) : null,
    completedAt: task.completedDateTime ? instantFromGraph(task.completedDateTime, mailboxTimeZone) : null,
    reminderAt,
    isPrivate: false,
    categories: (task.categories ?? []).filter((category) => nonEmpty(category) !== null),
  };
}

export function taskSnapshot(task: GraphTodoTask, mailboxTimeZone: string): ItemSnapshot<MailboxTask> {
  return {
    id: task.id,
    version: versionOf(task),
    modifiedAt: modifiedAtOf(task),
    syncId: taskSyncIdOf(task),
    item: taskFromGraph(task, mailboxTimeZone),
  };
}
