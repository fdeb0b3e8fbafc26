export { saveMailboxEmails, type EmailSaveReport, type SaveMailboxEmailsOptions } from './save-mailbox-emails.ts';
export { saveRequestedEmail } from './save-requested-email.ts';
export { editSavedEmail } from './edit-saved-email.ts';
export { DEFAULT_EMAIL_SAVING_SETTINGS, MAX_ATTACHMENT_BYTES, type EmailSavingSettings } from './settings.ts';
export { parseAddressPattern } from './address-rules.ts';
export type * from './ports.ts';
