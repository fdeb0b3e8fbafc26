export { createGraphEventSource, type GraphConnectorOptions } from './create-graph-event-source.ts';
export { createGraphTaskSource } from './tasks/create-graph-task-source.ts';
export { createGraphContactSource } from './contacts/create-graph-contact-source.ts';
export { createGraphMessageSource } from './mail/create-graph-message-source.ts';
