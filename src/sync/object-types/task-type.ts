import type { MailboxTask } from '../../domain/task.ts';
import { stableStringify } from '../values.ts';
import { matchText, NO_MASKS, type ObjectType } from './object-type.ts';

/**
 * Tasks: every task of the mailbox is in scope. On a first sync a task pairs with a Salesforce task of the same
 * subject and due date (two undated tasks pair by subject), as Salesforce for Outlook links tasks.
 */
export const TASK_TYPE: ObjectType = {
  kind: 'task',
  label: 'task',
  windowed: false,
  isGone: () => false,
  mailboxInScope: () => true,
  crmInScope: () => true,
  // A task has no busy time, so `busyOnly` hides the same as `withoutBody`: the body.
  privacyMasks: (item, policy) => {
    if (!(item as MailboxTask).isPrivate) {
      return NO_MASKS;
    }
    return policy.privateItems === 'skip' ? { excluded: true, fields: {} } : { excluded: false, fields: { body: null } };
  },
  matchPasses: [
    {
      description: 'same subject and due date on both sides',
      key: (values) => {
        const subject = matchText(values.subject);
        return subject === null ? null : stableStringify({ subject, dueDate: values.dueDate ?? null });
      },
    },
  ],
  // The base does not record privacy for tasks, so every Salesforce-only change reads its mailbox task.
  needsMailboxCounterpart: () => true,
};
