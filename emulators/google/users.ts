import { newTaskId } from './ids.ts';
import { isIanaZone } from './calendar/event-times.ts';
import type { EmulatorState, LabelRecord, UserState } from './state.ts';

export interface NewUser {
  readonly email: string;
  readonly displayName?: string;
  /** IANA zone of the primary calendar; UTC when absent. */
  readonly timeZone?: string;
}

/** Gmail's system labels, which every mailbox has. */
const SYSTEM_LABELS = ['INBOX', 'SENT', 'DRAFT', 'SPAM', 'TRASH', 'UNREAD', 'STARRED', 'IMPORTANT', 'CATEGORY_PERSONAL', 'CATEGORY_SOCIAL', 'CATEGORY_PROMOTIONS', 'CATEGORY_UPDATES', 'CATEGORY_FORUMS'];

/** Add a user with an empty mailbox, calendar, contacts and default task list; an existing user is left as it is. */
export function addUser(state: EmulatorState, user: NewUser): UserState {
  const email = user.email.trim().toLowerCase();
  const existing = state.users[email];
  if (existing) {
    return existing;
  }
  const timeZone = user.timeZone ?? 'UTC';
  if (!isIanaZone(timeZone)) {
    throw new Error(`timeZone "${timeZone}" of ${email} is not an IANA zone; use a name such as Europe/Berlin`);
  }

  const labels: Record<string, LabelRecord> = {};
  for (const id of SYSTEM_LABELS) {
    labels[id] = { id, name: id, type: 'system' };
  }
  const defaultListId = newTaskId();
  const created: UserState = {
    email,
    displayName: user.displayName ?? email,
    timeZone,
    calendar: { events: {}, seq: 0, tokenEpoch: 0, channels: [] },
    gmail: { messages: {}, labels, historyId: 1000, history: [], historyFloor: 0, watch: null },
    people: {
      persons: {},
      groups: {
        'contactGroups/myContacts': { resourceName: 'contactGroups/myContacts', name: 'myContacts', groupType: 'SYSTEM_CONTACT_GROUP', etag: '"0"' },
        'contactGroups/starred': { resourceName: 'contactGroups/starred', name: 'starred', groupType: 'SYSTEM_CONTACT_GROUP', etag: '"0"' },
      },
      seq: 0,
      tokenEpoch: 0,
    },
    tasks: {
      lists: { [defaultListId]: { id: defaultListId, title: 'My Tasks', updated: new Date().toISOString(), etag: '"0"' } },
      tasks: {},
      defaultListId,
    },
  };
  state.users[email] = created;
  return created;
}
