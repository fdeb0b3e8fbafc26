import type { MailboxTask } from '../../../domain/task.ts';
import { instantToGraph } from '../graph-date-time.ts';
import { checkedDate, checkedInstant } from '../items/item-values.ts';
import { syncIdResource } from './task-sync-id.ts';

type GraphBody = Record<string, unknown>;

/** Canonical task fields To Do cannot store: it has no sensitivity. */
const READ_ONLY_FIELDS = ['isPrivate'] as const satisfies readonly (keyof MailboxTask)[];

/** Build the body of `POST …/todo/lists/{id}/tasks` for a new task that carries the sync id in its linked resource. */
export function taskCreateBody(task: MailboxTask, syncId: string, mailboxTimeZone: string): GraphBody {
  const { body } = taskPatchBody(task, mailboxTimeZone);
  return { ...body, linkedResources: [syncIdResource(syncId)] };
}

/**
 * Build the body of `PATCH …/tasks/{id}` with only the fields in `patch`, and list the fields left out.
 * Dates are written as midnight in the mailbox's zone, the form To Do keeps them in. A malformed date or instant
 * throws an item error for this write alone.
 */
export function taskPatchBody(patch: Partial<MailboxTask>, mailboxTimeZone: string): { body: GraphBody; skipped: string[] } {
  const body: GraphBody = {};
  const skipped: string[] = READ_ONLY_FIELDS.filter((field) => patch[field] !== undefined);

  if (patch.subject !== undefined) {
    body.title = patch.subject;
  }
  if (patch.body !== undefined) {
    body.body = { contentType: 'text', content: patch.body ?? '' };
  }
  if (patch.status !== undefined) {
    body.status = patch.status;
  }
  if (patch.importance !== undefined) {
    body.importance = patch.importance;
  }
  if (patch.dueDate !== undefined) {
    body.dueDateTime = dateValue(patch.dueDate, 'dueDate', mailboxTimeZone);
  }
  if (patch.startDate !== undefined) {
    body.startDateTime = dateValue(patch.startDate, 'startDate', mailboxTimeZone);
  }
  if (patch.completedAt !== undefined) {
    body.completedDateTime = patch.completedAt === null ? null : instantToGraph(checkedInstant(patch.completedAt, 'completedAt'), mailboxTimeZone);
  }
  if (patch.reminderAt !== undefined) {
    Object.assign(body, reminder(patch.reminderAt, mailboxTimeZone));
  }
  if (patch.categories !== undefined) {
    body.categories = [...patch.categories];
  }

  return { body, skipped };
}

function dateValue(date: string | null, field: string, zone: string): GraphBody | null {
  return date === null ? null : { dateTime: `${checkedDate(date, field)}T00:00:00`, timeZone: zone };
}

/** Write the reminder and its switch together, so To Do never keeps a reminder time while the reminder is off. */
function reminder(reminderAt: string | null, zone: string): GraphBody {
  if (reminderAt === null) {
    return { isReminderOn: false, reminderDateTime: null };
  }
  return { isReminderOn: true, reminderDateTime: instantToGraph(checkedInstant(reminderAt, 'reminderAt'), zone) };
}
