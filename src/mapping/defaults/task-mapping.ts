import type { MappingTable } from '../field-pair.ts';
import { ADJUSTABLE, pair, text } from './pair-builders.ts';

/**
 * The Task mapping every org starts with: the fields Salesforce for Outlook syncs for tasks, sized as on the
 * standard Task object (Subject 255, Description 32,000). Status and Priority use Salesforce's standard values.
 */
export const defaultTaskMapping: MappingTable = {
  name: 'default-task',
  kind: 'task',
  crmObject: 'Task',
  direction: 'both',
  pairs: [
    pair('subject', 'subject', ['Subject'], text(255)),
    pair('description', 'body', ['Description'], text(32_000), ADJUSTABLE),
    pair('status', 'status', ['Status'], {
      type: 'picklist',
      toCrm: {
        notStarted: 'Not Started',
        inProgress: 'In Progress',
        completed: 'Completed',
        waitingOnOthers: 'Waiting on someone else',
        deferred: 'Deferred',
      },
      crmDefault: 'Not Started',
      mailboxDefault: 'notStarted',
    }),
    pair('priority', 'importance', ['Priority'], { type: 'picklist', toCrm: { high: 'High', normal: 'Normal', low: 'Low' }, crmDefault: 'Normal', mailboxDefault: 'normal' }, ADJUSTABLE),
    pair('dueDate', 'dueDate', ['ActivityDate'], { type: 'date' }),
    pair('reminder', 'reminderAt', ['ReminderDateTime', 'IsReminderSet'], { type: 'reminder' }, ADJUSTABLE),
  ],
};
