import { z } from 'zod';
import type { OrgSetting, SynclineConfig } from '../../config/resolved-config.ts';
import {
  orgTables,
  readStoredMailboxEdit,
  readStoredOrgEdit,
  type MailboxSettingsEdit,
  type OrgSettingsEdit,
} from '../../config/settings-edits.ts';
import { OBJECT_KINDS, type ObjectKind } from '../../domain/link.ts';
import { DEFAULT_LINKING_SETTINGS } from '../../linking/settings.ts';
import type { MappingTable } from '../../mapping/index.ts';
import type { SettingsEdit, SettingsEditStore } from '../../store/index.ts';
import { defaultSyncPolicy } from '../../sync/policy.ts';
import { ApiError } from '../api-errors.ts';

/** Settings bodies carry whole mapping tables and blocklists, so they may be larger than the API's other bodies. */
export const SETTINGS_BODY_LIMIT_BYTES = 256 * 1024;

const DEFAULT_TRIGGERS = ['create', 'update', 'delete'];

/** Editable section: its current value and whether it comes from the configuration file, the sandbox's built-in settings or a saved edit. */
const sectionSchema = z.object({ value: z.unknown(), source: z.enum(['file', 'sandbox', 'console']) });

const pairSchema = z.object({
  key: z.string(),
  mailboxField: z.string().nullable(),
  crmFields: z.array(z.string()),
  direction: z.enum(['both', 'mailboxToCrm', 'crmToMailbox', 'off']),
  userAdjustable: z.boolean(),
});

export const tablesSchema = z
  .record(z.enum(OBJECT_KINDS), z.object({ crmObject: z.string(), direction: z.string(), pairs: z.array(pairSchema) }))
  .describe('The resolved mapping table per kind, one row per pair');

export const editedBySchema = z.object({ changedBy: z.string(), changedAt: z.string() }).nullable().describe('Who saved the stored edit and when; null when there is none');

export const orgEditorSchema = z
  .object({
    sections: z.record(z.string(), sectionSchema).describe('Each editable section in the shape of the configuration file, with where it comes from'),
    tables: tablesSchema,
    edited: editedBySchema,
  })
  .meta({ id: 'OrgSettingsEditor' });

/** Settings body: sections in the shape of the configuration file. The route checks them with the file's schemas. */
export const sectionsBodySchema = z.record(z.string(), z.unknown()).describe('Sections in the shape of the configuration file; each one given replaces the file\'s section');

export function findOrg(config: SynclineConfig, orgId: string): OrgSetting {
  const org = config.orgs.find((candidate) => candidate.id === orgId);
  if (org === undefined) {
    throw new ApiError(404, 'not_found', `org '${orgId}' is not in the configuration this server runs with; add it to orgs[] and restart`);
  }
  return org;
}

/** Load the org's stored edit, or an empty one. A stored edit that the schemas now reject counts as none. */
export async function loadOrgEdit(store: SettingsEditStore, orgId: string): Promise<{ edit: OrgSettingsEdit; row: SettingsEdit | null }> {
  const row = await store.loadSettingsEdit(orgId, null);
  const read = row === null ? null : readStoredOrgEdit(row.sections);
  return { edit: read?.ok === true ? read.edit : {}, row };
}

/** Load every mailbox's stored edit of the org that still passes the schemas, by mailbox id. */
export async function loadMailboxEdits(store: SettingsEditStore, orgId: string): Promise<Map<string, MailboxSettingsEdit>> {
  const edits = new Map<string, MailboxSettingsEdit>();
  for (const row of await store.listSettingsEdits(orgId)) {
    const read = row.mailboxId === null ? null : readStoredMailboxEdit(row.sections);
    if (row.mailboxId !== null && read?.ok === true) {
      edits.set(row.mailboxId, read.edit);
    }
  }
  return edits;
}

/**
 * Reject an edit with every problem in one message, each naming the section, the field and the fix. `failure` names
 * the action that did not happen: the save, or the preview of a draft.
 */
export function invalidSettings(problems: readonly string[], failure = 'the settings were not saved'): ApiError {
  const field = problems[0]?.split(':')[0]?.split(/[.[ ]/)[0];
  return new ApiError(400, 'invalid_settings', `${failure}: ${problems.join('; ')}`, field === undefined || field === '' ? undefined : field);
}

/** List each editable section of the org as the console shows it: the edit's section if saved, else the file's, with defaults filled in. */
export function orgSections(org: OrgSetting, config: SynclineConfig, edit: OrgSettingsEdit): Record<string, z.infer<typeof sectionSchema>> {
  const base = config.origin === 'sandbox' ? ('sandbox' as const) : ('file' as const);
  const pick = (edited: unknown, file: unknown) => (edited === undefined ? { value: file, source: base } : { value: edited, source: 'console' as const });
  const policy = { ...defaultSyncPolicy, ...org.policy };
  return {
    policy: pick(edit.policy, { conflict: policy.conflict, deletions: policy.deletions, quarantineDays: policy.quarantineDays, privateItems: policy.privateItems, massDelete: policy.massDelete }),
    mappings: pick(edit.mappings, org.fileSections?.mappings ?? {}),
    linking: pick(edit.linking, org.linking ?? { ...DEFAULT_LINKING_SETTINGS, userBlocklists: {} }),
    selection: pick(edit.selection, org.selection ?? defaultSyncPolicy.selection),
    sessionIntervalMinutes: pick(edit.sessionIntervalMinutes, org.fileSections?.sessionIntervalMinutes ?? org.mailboxes[0]?.sessionIntervalMinutes ?? 30),
    instantSync: pick(edit.instantSync, { triggers: [...(org.instantSyncTriggers ?? config.instantSync?.triggers ?? DEFAULT_TRIGGERS)] }),
    unsync: pick(edit.unsync, org.policy.unsync ?? []),
  };
}

export function describeTables(tables: Readonly<Record<ObjectKind, MappingTable>>): z.infer<typeof tablesSchema> {
  const described = {} as z.infer<typeof tablesSchema>;
  for (const kind of OBJECT_KINDS) {
    const table = tables[kind];
    described[kind] = {
      crmObject: table.crmObject,
      direction: table.direction,
      pairs: table.pairs.map((pair) => ({ key: pair.key, mailboxField: pair.mailboxField, crmFields: [...pair.crmFields], direction: pair.direction, userAdjustable: pair.userAdjustable })),
    };
  }
  return described;
}

/** Resolve the org's tables with the edit applied, before any mailbox's own directions. */
export function orgTablesOf(org: OrgSetting, edit: OrgSettingsEdit): Record<ObjectKind, MappingTable> {
  return orgTables(org, edit, []);
}

export function editedBy(row: SettingsEdit | null): z.infer<typeof editedBySchema> {
  return row === null ? null : { changedBy: row.changedBy, changedAt: row.changedAt };
}
