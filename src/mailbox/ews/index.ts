import type { MailboxContactSource, MailboxEventSource, MailboxTaskSource } from '../../domain/connector.ts';
import type { MessageSource } from '../../domain/email-message.ts';
import { contactKind } from './contacts/contact-kind.ts';
import { createMailboxShared, createSourceContext } from './create-ews-client.ts';
import { createEwsEventSource } from './events/create-ews-event-source.ts';
import type { EwsConnectorOptions } from './ews-options.ts';
import { createFolderSource } from './items/create-folder-source.ts';
import { createEwsMessageSource } from './mail/create-ews-message-source.ts';
import { taskKind } from './tasks/task-kind.ts';

export type { EwsConnectorOptions } from './ews-options.ts';
export { subscribeEws, type EwsChange } from './notifications/subscribe-ews.ts';

export interface EwsConnector {
  readonly events: MailboxEventSource;
  readonly tasks: MailboxTaskSource;
  readonly contacts: MailboxContactSource;
  readonly messages: MessageSource;
}

/**
 * Create the sources of one Exchange mailbox reached over EWS (Exchange 2016 or later). They share the mailbox's
 * concurrency limit, server back-off and token cache; each counts its own requests.
 */
export function createEwsConnector(options: EwsConnectorOptions): EwsConnector {
  const shared = createMailboxShared(options);
  const tasks = createSourceContext(options, 'tasks', shared);
  return {
    events: createEwsEventSource(createSourceContext(options, 'events', shared)),
    tasks: createFolderSource(tasks, taskKind(tasks.mailboxTimeZone)),
    contacts: createFolderSource(createSourceContext(options, 'contacts', shared), contactKind()),
    messages: createEwsMessageSource(createSourceContext(options, 'messages', shared)),
  };
}
