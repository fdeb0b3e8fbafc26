import type { MailboxContactSource, MailboxEventSource, MailboxTaskSource } from '../../domain/connector.ts';
import type { MessageSource } from '../../domain/email-message.ts';
import { createGoogleEventSource } from './calendar/create-google-event-source.ts';
import { createGmailMessageSource } from './gmail/create-gmail-message-source.ts';
import type { GoogleConnectorOptions } from './google-options.ts';
import { createPeopleContactSource } from './people/create-people-contact-source.ts';
import { createGoogleTaskSource } from './tasks/create-google-task-source.ts';

export interface GoogleConnector {
  /** Google Calendar: series as their instances inside the sync window. */
  readonly events: MailboxEventSource;
  /** Google Tasks: one task list. */
  readonly tasks: MailboxTaskSource;
  /** People API: the user's contacts. */
  readonly contacts: MailboxContactSource;
  /** Gmail: read only, plus the Salesforce label. */
  readonly messages: MessageSource;
}

/** Create every source of one Google mailbox; each requests its own API's scopes only. */
export function createGoogleConnector(options: GoogleConnectorOptions): GoogleConnector {
  return {
    events: createGoogleEventSource(options),
    tasks: createGoogleTaskSource(options),
    contacts: createPeopleContactSource(options),
    messages: createGmailMessageSource(options),
  };
}
