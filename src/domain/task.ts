/** The canonical task: what every mailbox connector reads and writes for to-do items, whatever its protocol. */

export const TASK_STATUSES = ['notStarted', 'inProgress', 'completed', 'waitingOnOthers', 'deferred'] as const;
export type TaskStatus = (typeof TASK_STATUSES)[number];

export const IMPORTANCE_VALUES = ['low', 'normal', 'high'] as const;
export type Importance = (typeof IMPORTANCE_VALUES)[number];

export interface MailboxTask {
  readonly subject: string;
  /** Plain-text body; HTML bodies are converted to text by the connector. */
  readonly body: string | null;
  readonly status: TaskStatus;
  readonly importance: Importance;
  /** Due date as the user sees it, `YYYY-MM-DD`; tasks carry dates, not instants, in Outlook, Google and Salesforce. */
  readonly dueDate: string | null;
  readonly startDate: string | null;
  /** ISO instant the task was completed, when the side reports one. */
  readonly completedAt: string | null;
  /** ISO instant of the reminder; null when no reminder is set. */
  readonly reminderAt: string | null;
  readonly isPrivate: boolean;
  readonly categories: readonly string[];
}
