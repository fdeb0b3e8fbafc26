import { effectiveSettings, readStoredMailboxEdit, readStoredOrgEdit, type OrgSettingsEdit } from '../config/settings-edits.ts';
import type { MailboxSetting, OrgSetting } from '../config/resolved-config.ts';
import type { MailboxRecord } from '../domain/accounts.ts';
import type { Logger } from '../observability/logger.ts';
import type { SettingsEditStore } from '../store/index.ts';

/** The part of an engine's mailbox that settings edits change, with the rest carried along. */
interface SettingsOfMailbox {
  readonly org: OrgSetting;
  readonly setting: MailboxSetting;
  readonly record: MailboxRecord;
}

/**
 * Resolve a mailbox's settings for one session: the configuration file, then the org's stored edit, then the
 * mailbox's own. Read at every session start, so an edit saved through the API applies to the next session of every
 * process (embedded scheduler or worker) without a restart. `orgDraft` replaces the stored org edit, for a dry
 * run of a change that is not saved yet.
 */
export async function withStoredSettings<M extends SettingsOfMailbox>(mailbox: M, store: SettingsEditStore, logger: Logger, orgDraft?: OrgSettingsEdit): Promise<M> {
  const [orgRow, personalRow] = await Promise.all([orgDraft === undefined ? store.loadSettingsEdit(mailbox.org.id, null) : null, store.loadSettingsEdit(mailbox.org.id, mailbox.record.id)]);
  if (orgDraft === undefined && orgRow === null && personalRow === null) {
    return mailbox;
  }

  const problems: string[] = [];
  const orgEdit = orgDraft ?? readEdit(orgRow?.sections, readStoredOrgEdit, problems);
  const personal = readEdit(personalRow?.sections, readStoredMailboxEdit, problems);
  const effective = effectiveSettings(mailbox.org, mailbox.setting, orgEdit, personal);
  problems.push(...effective.problems);
  if (problems.length > 0) {
    // The file under a stored edit changed since it was saved; the session runs with what still resolves.
    logger.warn({ org: mailbox.org.id, mailboxId: mailbox.record.id, problems }, 'A stored settings edit no longer fits the configuration file and was left out; save the settings again');
  }
  return { ...mailbox, org: effective.org, setting: effective.setting };
}

function readEdit<T>(sections: unknown, read: (sections: unknown) => { ok: true; edit: T } | { ok: false; problems: readonly string[] }, problems: string[]): T | null {
  if (sections === undefined) {
    return null;
  }
  const result = read(sections);
  if (!result.ok) {
    problems.push(...result.problems);
    return null;
  }
  return result.edit;
}
