/**
 * The sample calendar files as each sandbox mailbox gets them. Every mailbox gets the same personal sample events, but
 * under UIDs of its own: one person's dentist appointment and another's are different events, and with one UID the
 * org's Salesforce would seem to hold the same event four times. The meetings of `shared-meetings.ics` are the other
 * case: one meeting in the calendars of several sandbox users, so they keep one UID everywhere, and the sync writes one
 * Event for each (docs/recurrence.md, "One Event for a meeting several synced users hold").
 */

/** Sample meetings between the sandbox's users; their UIDs stay the same in every mailbox. */
export const SHARED_MEETINGS_FILE = 'shared-meetings.ics';

/**
 * Return the text of a sample .ics file for one mailbox: the personal events' UIDs get the mailbox's local part, as in
 * `sample-team-weekly+casey.kim@syncline.example.org`. The Graph mailbox keeps the files' own UIDs (`keepUids`), so that
 * `syncline sandbox seed` of a sample file there updates the seeded events instead of adding copies.
 */
export function sampleIcsFor(fileName: string, text: string, mailboxAddress: string, keepUids: boolean): string {
  if (keepUids || fileName === SHARED_MEETINGS_FILE) {
    return text;
  }
  const localPart = mailboxAddress.slice(0, mailboxAddress.indexOf('@'));
  // A folded UID line would hide its end; the sample files keep each UID on one line.
  return text.replace(/^UID:([^\r\n]+)$/gm, (_line, uid: string) => `UID:${personalUid(uid.trim(), localPart)}`);
}

function personalUid(uid: string, localPart: string): string {
  const at = uid.lastIndexOf('@');
  return at === -1 ? `${uid}+${localPart}` : `${uid.slice(0, at)}+${localPart}${uid.slice(at)}`;
}
