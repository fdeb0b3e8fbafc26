import type { GraphDateTimeTimeZone } from '../graph-types.ts';

/** The parts of Microsoft To Do's JSON that the task connector reads; delta pages may omit any of them. */

export interface GraphLinkedResource {
  readonly id?: string;
  readonly applicationName?: string | null;
  readonly displayName?: string | null;
  readonly externalId?: string | null;
  readonly webUrl?: string | null;
}

export interface GraphTodoTask {
  readonly id: string;
  readonly '@odata.etag'?: string;
  readonly '@removed'?: { readonly reason?: string };
  readonly createdDateTime?: string | null;
  readonly lastModifiedDateTime?: string | null;
  readonly title?: string | null;
  readonly body?: { readonly contentType?: string | null; readonly content?: string | null } | null;
  readonly status?: string | null;
  readonly importance?: string | null;
  readonly isReminderOn?: boolean | null;
  readonly reminderDateTime?: GraphDateTimeTimeZone | null;
  readonly dueDateTime?: GraphDateTimeTimeZone | null;
  readonly startDateTime?: GraphDateTimeTimeZone | null;
  readonly completedDateTime?: GraphDateTimeTimeZone | null;
  readonly categories?: readonly string[] | null;
  readonly linkedResources?: readonly GraphLinkedResource[] | null;
}

export interface GraphTodoTaskList {
  readonly id: string;
  readonly displayName?: string | null;
  readonly wellknownListName?: string | null;
}
