import type { ItemSnapshot } from '../../../domain/connector.ts';
import type { MailboxTask } from '../../../domain/task.ts';
import type { GoogleTask } from './google-task-types.ts';
import { joinNotes, splitNotes } from './task-sync-marker.ts';

/**
 * Google Tasks keeps a title, notes, a due date and done or not done. The canonical fields it has no place for
 * (importance, start date, reminder, privacy, categories) read as their defaults and are not written. Every open
 * status (not started, in progress, waiting, deferred) is written as `needsAction`, which reads back as not started.
 */
export const UNSTORED_FIELDS = ['importance', 'startDate', 'reminderAt', 'isPrivate', 'categories'] as const satisfies readonly (keyof MailboxTask)[];

const UNKNOWN_MODIFIED_AT = '1970-01-01T00:00:00.000Z';

export function taskFromGoogle(task: GoogleTask): MailboxTask {
  const completed = task.status === 'completed';
  return {
    subject: task.title ?? '',
    body: splitNotes(task.notes).text,
    status: completed ? 'completed' : 'notStarted',
    importance: 'normal',
    dueDate: task.due ? task.due.slice(0, 10) : null,
    startDate: null,
    completedAt: completed && task.completed ? new Date(Date.parse(task.completed)).toISOString() : null,
    reminderAt: null,
    isPrivate: false,
    categories: [],
  };
}

export function taskSnapshot(task: GoogleTask): ItemSnapshot<MailboxTask> {
  const ms = task.updated ? Date.parse(task.updated) : Number.NaN;
  return {
    id: task.id,
    version: task.etag ?? task.updated ?? '',
    modifiedAt: Number.isNaN(ms) ? UNKNOWN_MODIFIED_AT : new Date(ms).toISOString(),
    syncId: splitNotes(task.notes).syncId,
    item: taskFromGoogle(task),
  };
}

/** Build the body of `tasks.insert`, with the sync id at the end of the notes. */
export function taskCreateBody(task: MailboxTask, syncId: string): Record<string, unknown> {
  const { body } = taskPatchBody(task, syncId);
  return Object.fromEntries(Object.entries(body).filter(([, value]) => value !== null));
}

/**
 * Build the body of `tasks.patch` with only the fields in `patch`. `syncId` is the task's current sync id, written back
 * with new notes so the marker survives the edit.
 */
export function taskPatchBody(patch: Partial<MailboxTask>, syncId: string | null): { body: Record<string, unknown>; skipped: string[] } {
  const body: Record<string, unknown> = {};
  if (patch.subject !== undefined) body.title = patch.subject;
  if (patch.body !== undefined) body.notes = joinNotes(patch.body, syncId);
  if (patch.dueDate !== undefined) body.due = patch.dueDate === null ? null : `${patch.dueDate}T00:00:00.000Z`;
  if (patch.status !== undefined) {
    body.status = patch.status === 'completed' ? 'completed' : 'needsAction';
    if (patch.status !== 'completed') body.completed = null;
  }
  if (patch.completedAt !== undefined && patch.completedAt !== null && patch.status !== undefined && patch.status === 'completed') {
    body.completed = patch.completedAt;
  }
  return { body, skipped: UNSTORED_FIELDS.filter((field) => patch[field] !== undefined) };
}
