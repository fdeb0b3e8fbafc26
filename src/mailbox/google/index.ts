export { createGoogleConnector, type GoogleConnector } from './create-google-connector.ts';
export { createGoogleEventSource } from './calendar/create-google-event-source.ts';
export { createGoogleTaskSource } from './tasks/create-google-task-source.ts';
export { createPeopleContactSource } from './people/create-people-contact-source.ts';
export { createGmailMessageSource } from './gmail/create-gmail-message-source.ts';
export { watchGoogle, type GoogleChange, type GoogleWatch, type GoogleWatchOptions } from './watch/watch-google.ts';
export { parseCalendarNotification, parseGmailPush } from './watch/push-messages.ts';
export { GOOGLE_SCOPES, type GoogleClientOptions, type GoogleConnectorOptions, type GoogleCredentials } from './google-options.ts';
