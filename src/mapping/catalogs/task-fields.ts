import { IMPORTANCE_VALUES, TASK_STATUSES, type MailboxTask } from '../../domain/task.ts';
import { catalog, topLevel } from '../mailbox-fields.ts';

/** The task fields a mapping pair may name. */
export const TASK_FIELDS = catalog<MailboxTask>(
  'task',
  [
    topLevel('subject', 'text', { emptyValue: '' }),
    topLevel('body', 'text'),
    topLevel('status', 'enum', { values: TASK_STATUSES }),
    topLevel('importance', 'enum', { values: IMPORTANCE_VALUES }),
    topLevel('dueDate', 'date'),
    topLevel('startDate', 'date'),
    topLevel('completedAt', 'dateTime'),
    topLevel('reminderAt', 'dateTime'),
    topLevel('isPrivate', 'boolean'),
    topLevel('categories', 'textList'),
  ],
  () => ({
    subject: '',
    body: null,
    status: 'notStarted',
    importance: 'normal',
    dueDate: null,
    startDate: null,
    completedAt: null,
    reminderAt: null,
    isPrivate: false,
    categories: [],
  }),
);
