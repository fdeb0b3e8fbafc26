/**
 * Delegated Graph permissions a signed-in mailbox grants Syncline. `offline_access` returns a refresh token so
 * sessions run without the user; `User.Read` lets the sign-in check who signed in (`GET /me`). The rest are
 * the least privileges for what Syncline mirrors and saves: events, To Do tasks, contacts, mail (the Salesforce
 * folder and category on messages) and the master category list.
 */
export const DELEGATED_SCOPES = [
  'offline_access',
  'User.Read',
  'Calendars.ReadWrite',
  'Tasks.ReadWrite',
  'Contacts.ReadWrite',
  'Mail.ReadWrite',
  'MailboxSettings.ReadWrite',
] as const;

/** Scopes go to the token endpoint as one space-separated string; Entra ID rejects commas for work accounts. */
export function scopeParameter(scopes: readonly string[]): string {
  return scopes.join(' ');
}
