import type { CalendarEvent } from './calendar-event.ts';
import type { MailboxContact } from './contact.ts';
import type { ObjectKind } from './link.ts';
import type { MailboxTask } from './task.ts';

/** The canonical mailbox item of each object kind. */
interface MailboxItems {
  readonly event: CalendarEvent;
  readonly task: MailboxTask;
  readonly contact: MailboxContact;
}

export type MailboxItem = MailboxItems[ObjectKind];
