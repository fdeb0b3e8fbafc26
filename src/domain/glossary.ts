/**
 * Terms used everywhere in Syncline. Names in code, comments, logs and docs use these words and no synonyms.
 *
 * - item: one object on either side (a calendar event, a task, a contact, an email).
 * - side: where an item lives, `mailbox` (Graph, EWS, Google, IMAP/CalDAV) or `crm` (Salesforce).
 * - link: the stored pair of one mailbox item and one CRM record that mirror each other.
 * - base: the mapped field values both sides agreed on after the last successful sync of a link.
 * - version: a side's opaque marker that changes on every edit (Graph changeKey, EWS ChangeKey,
 *   Google etag, Salesforce SystemModstamp).
 * - content hash: a hash of an item's mapped field values, so a new version with equal content is no change.
 * - cursor: a side's position in its change stream (Graph deltaLink, Salesforce SystemModstamp watermark).
 * - session: one run of the sync for one mailbox: pull, plan, execute, commit.
 * - plan: the typed list of actions a session will take, computed by a pure planner.
 * - action: one entry of a plan: create, update or delete on one side, or link two existing items.
 * - sync id: Syncline's own id for a link, written onto both sides (Salesforce External ID field,
 *   Graph single-value extended property) so a write repeated after a crash finds its earlier result.
 * - intent: a row recorded before a create, holding the sync id the create will carry.
 */
export const SIDES = ['mailbox', 'crm'] as const;
export type Side = (typeof SIDES)[number];
