export { createGoogleConnector } from './create-google-connector.ts';
export { googleConnectorOptions } from './google-connection.ts';
export { createGoogleEventSource } from './calendar/create-google-event-source.ts';
export { createGoogleTaskSource } from './tasks/create-google-task-source.ts';
export { createPeopleContactSource } from './people/create-people-contact-source.ts';
export { createGmailMessageSource } from './gmail/create-gmail-message-source.ts';
export { watchGoogle, type GoogleChange, type GoogleWatch, type GoogleWatchOptions } from './watch/watch-google.ts';
export { parseCalendarNotification, parseGmailPush } from './watch/push-messages.ts';
export { GOOGLE_SCOPES, type GoogleClientOptions, type GoogleConnectorOptions } from './google-options.ts';
