import type { Kysely, Selectable } from 'kysely';
import type { SynclineDatabase } from './database.ts';
import { toSortableTime } from './row-values.ts';

/**
 * Settings a person edited through the API: the org's (mailboxId null) or one mailbox's. `sections` holds the edited
 * sections in the shape of the configuration file; they override the file's sections of the same name.
 */
export interface SettingsEdit {
  readonly orgId: string;
  readonly mailboxId: string | null;
  readonly sections: Readonly<Record<string, unknown>>;
  /** The email address of the person who saved it. */
  readonly changedBy: string;
  readonly changedAt: string;
}

/** Read and write settings edits; every method is part of the store. */
export interface SettingsEditStore {
  /** The org's edit (mailboxId null) or one mailbox's, or null when none was saved. */
  loadSettingsEdit(orgId: string, mailboxId: string | null): Promise<SettingsEdit | null>;
  /** Every edit of an org, the org's own and its mailboxes'. */
  listSettingsEdits(orgId: string): Promise<SettingsEdit[]>;
  /** Replace the edit with the same org and mailbox. */
  saveSettingsEdit(edit: SettingsEdit): Promise<void>;
}

type SettingsEditsTable = {
  org_id: string;
  mailbox_id: string;
  sections: string;
  changed_by: string;
  changed_at: string;
};

type SettingsEditsDatabase = {
  settings_edits: SettingsEditsTable;
};

/** The org's own edit has this mailbox id, because a key column cannot be null on PostgreSQL. */
const ORG_ROW = '';

/** Returns the database typed with the table, which is declared here beside its queries (migration 0016). */
function edits(db: Kysely<SynclineDatabase>): Kysely<SynclineDatabase & SettingsEditsDatabase> {
  return db.withTables<SettingsEditsDatabase>();
}

export async function loadSettingsEdit(db: Kysely<SynclineDatabase>, orgId: string, mailboxId: string | null): Promise<SettingsEdit | null> {
  const row = await edits(db).selectFrom('settings_edits').selectAll().where('org_id', '=', orgId).where('mailbox_id', '=', mailboxId ?? ORG_ROW).executeTakeFirst();
  return row ? toEdit(row) : null;
}

export async function listSettingsEdits(db: Kysely<SynclineDatabase>, orgId: string): Promise<SettingsEdit[]> {
  const rows = await edits(db).selectFrom('settings_edits').selectAll().where('org_id', '=', orgId).orderBy('mailbox_id').execute();
  return rows.map(toEdit);
}

export async function saveSettingsEdit(db: Kysely<SynclineDatabase>, edit: SettingsEdit): Promise<void> {
  const values: SettingsEditsTable = {
    org_id: edit.orgId,
    mailbox_id: edit.mailboxId ?? ORG_ROW,
    sections: JSON.stringify(edit.sections),
    changed_by: edit.changedBy,
    changed_at: toSortableTime(edit.changedAt, `settings edit of ${edit.orgId} changedAt`),
  };
  await edits(db)
    .insertInto('settings_edits')
    .values(values)
    .onConflict((conflict) => conflict.columns(['org_id', 'mailbox_id']).doUpdateSet({ sections: values.sections, changed_by: values.changed_by, changed_at: values.changed_at }))
    .execute();
}

export async function clearSettingsEdits(db: Kysely<SynclineDatabase>): Promise<void> {
  await edits(db).deleteFrom('settings_edits').execute();
}

function toEdit(row: Selectable<SettingsEditsTable>): SettingsEdit {
  const where = `settings_edits row (${row.org_id}, '${row.mailbox_id}') column sections`;
  let sections: unknown;
  try {
    sections = JSON.parse(row.sections);
  } catch (error) {
    throw new Error(`${where} is not valid JSON: fix or delete the row`, { cause: error });
  }
  if (typeof sections !== 'object' || sections === null || Array.isArray(sections)) {
    throw new Error(`${where} is not a JSON object: fix or delete the row`);
  }
  return { orgId: row.org_id, mailboxId: row.mailbox_id === ORG_ROW ? null : row.mailbox_id, sections: sections as Record<string, unknown>, changedBy: row.changed_by, changedAt: row.changed_at };
}
