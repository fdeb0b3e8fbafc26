import type { LoggedItem } from './item-log.ts';

export const TASK_STATUSES = ['notStarted', 'inProgress', 'completed', 'waitingOnOthers', 'deferred'] as const;
export const IMPORTANCE_VALUES = ['low', 'normal', 'high'] as const;
export const WELLKNOWN_LIST_NAMES = ['none', 'defaultList', 'flaggedEmails'] as const;

/** A To Do list (todoTaskList). */
export interface TodoListRecord {
  id: string;
  ownerId: string;
  displayName: string;
  wellknownListName: (typeof WELLKNOWN_LIST_NAMES)[number];
  changeKey: string;
}

/** An item of a partner application that a task links to (linkedResource); Syncline keeps its sync id here. */
export interface LinkedResourceRecord {
  id: string;
  webUrl: string | null;
  applicationName: string | null;
  displayName: string | null;
  externalId: string | null;
}

/**
 * One To Do task as the emulator stores it. Due, start and completed are dates in To Do: each is kept as the
 * instant of midnight of its date in the zone the client wrote, as the service returns it (the documented
 * `"dueDateTime": {"dateTime": "2020-08-25T04:00:00.0000000", "timeZone": "UTC"}` is midnight at UTC-4).
 * The reminder is a full instant.
 */
export interface TodoTaskRecord extends LoggedItem {
  title: string;
  body: { contentType: 'text' | 'html'; content: string };
  bodyLastModifiedDateTime: string;
  status: (typeof TASK_STATUSES)[number];
  importance: (typeof IMPORTANCE_VALUES)[number];
  isReminderOn: boolean;
  reminderMs: number | null;
  dueMs: number | null;
  startMs: number | null;
  completedMs: number | null;
  categories: string[];
  recurrence: Record<string, unknown> | null;
  linkedResources: LinkedResourceRecord[];
}
