import { z } from 'zod';

import { OBJECT_KINDS, type ObjectKind } from '../domain/link.ts';
import { DEFAULT_LINKING_SETTINGS } from '../linking/settings.ts';
import { adjustTable, resolveTable, type MappingTable, type TableOverride } from '../mapping/index.ts';
import { formatConfigIssues } from './format-issues.ts';
import { blocklistEntry, linkingSchema } from './linking-schema.ts';
import { mailboxMappingsSchema, orgMappingsSchema, selectionSchema } from './mapping-schema.ts';
import type { InstantSyncTrigger, MailboxSetting, OrgLinkingSetting, OrgSetting } from './resolved-config.ts';
import { instantSyncTriggersSchema, policySchema, positiveMinutes } from './schema.ts';
import { unsyncSchema } from './unsync-schema.ts';

/**
 * Settings edited in the console and the dashboard. An edit contains whole sections in the shape the configuration
 * file gives them, and each section it contains replaces the file's section of that name. The file stays the base
 * for the others. Edits are checked with the file's own schemas and table resolution, so one that the file would refuse
 * is refused too, with the same kind of message naming the section, the field and the fix.
 */

/** The org sections the console edits, each checked by the schema the configuration file uses for it. */
const ORG_SECTIONS = {
  policy: policySchema,
  mappings: orgMappingsSchema,
  linking: linkingSchema,
  selection: selectionSchema,
  sessionIntervalMinutes: positiveMinutes,
  instantSync: z.strictObject({ triggers: instantSyncTriggersSchema }),
  unsync: unsyncSchema,
} as const;

/** The mailbox sections its owner edits: its own pair directions and its owner's blocklist (linking.userBlocklists). */
const MAILBOX_SECTIONS = {
  mappings: mailboxMappingsSchema,
  userBlocklist: z.array(blocklistEntry, { error: 'expected a list of addresses, domains or *.domains' }),
} as const;

type Sections<T extends Record<string, z.ZodType>> = { -readonly [K in keyof T]?: z.output<T[K]> };

export type OrgSettingsEdit = Sections<typeof ORG_SECTIONS>;
export type MailboxSettingsEdit = Sections<typeof MAILBOX_SECTIONS>;

/** The outcome of checking an edit: the normalized sections to store, or every problem found. */
export type EditCheck<T> = { readonly ok: true; readonly edit: T } | { readonly ok: false; readonly problems: readonly string[] };

/** Check an org edit against the file's schemas, then resolve its tables with every mailbox's own directions. */
export function checkOrgEdit(input: unknown, org: OrgSetting, personal: ReadonlyMap<string, MailboxSettingsEdit>): EditCheck<OrgSettingsEdit> {
  const parsed = parseSections(input, ORG_SECTIONS) as EditCheck<OrgSettingsEdit>;
  if (!parsed.ok) {
    return parsed;
  }

  const problems: string[] = [];
  const tables = orgTables(org, parsed.edit, problems);
  if (problems.length === 0) {
    for (const setting of org.mailboxes) {
      const adjustments = personal.get(setting.id)?.mappings ?? setting.fileSections?.mappings;
      adjustedTables(tables, adjustments, `mailbox ${setting.address}: mappings`, problems);
    }
  }
  return problems.length === 0 ? parsed : { ok: false, problems };
}

/** Check a mailbox edit: its directions must be ones the org's tables (file and org edit) let this mailbox choose. */
export function checkMailboxEdit(input: unknown, org: OrgSetting, orgEdit: OrgSettingsEdit | null): EditCheck<MailboxSettingsEdit> {
  const parsed = parseSections(input, MAILBOX_SECTIONS) as EditCheck<MailboxSettingsEdit>;
  if (!parsed.ok) {
    return parsed;
  }

  const problems: string[] = [];
  const tables = orgTables(org, orgEdit ?? {}, problems);
  if (problems.length === 0 && parsed.edit.mappings !== undefined) {
    adjustedTables(tables, parsed.edit.mappings, 'mappings', problems);
  }
  return problems.length === 0 ? parsed : { ok: false, problems };
}

/**
 * Read a stored edit back, checking it again: the file under it may have changed since it was saved. Returns the
 * problems instead of throwing, so a session can fall back to the file and say why.
 */
export function readStoredOrgEdit(sections: unknown): EditCheck<OrgSettingsEdit> {
  return parseSections(sections, ORG_SECTIONS) as EditCheck<OrgSettingsEdit>;
}

export function readStoredMailboxEdit(sections: unknown): EditCheck<MailboxSettingsEdit> {
  return parseSections(sections, MAILBOX_SECTIONS) as EditCheck<MailboxSettingsEdit>;
}

/** One mailbox's settings for a session, and the problems that made it leave a stored edit out. */
export interface EffectiveSettings {
  readonly org: OrgSetting;
  readonly setting: MailboxSetting;
  readonly problems: readonly string[];
}

/**
 * Combine the file's settings of one mailbox with the org's edit and the mailbox's own edit. An edit whose tables no
 * longer resolve against the file is left out (the org's, or only the mailbox's), and its problems are returned.
 */
export function effectiveSettings(org: OrgSetting, setting: MailboxSetting, orgEdit: OrgSettingsEdit | null, personal: MailboxSettingsEdit | null): EffectiveSettings {
  const problems: string[] = [];
  let usedOrgEdit = orgEdit ?? {};
  let tables = orgTables(org, usedOrgEdit, problems);
  if (problems.length > 0) {
    usedOrgEdit = {};
    tables = orgTables(org, usedOrgEdit, []);
  }

  let usedPersonal = personal ?? {};
  const personalProblems: string[] = [];
  const adjusted = adjustedTables(tables, usedPersonal.mappings ?? setting.fileSections?.mappings, `mailbox ${setting.address}: mappings`, personalProblems);
  if (personalProblems.length > 0) {
    problems.push(...personalProblems);
    usedPersonal = {};
  }

  const editsMappings = usedOrgEdit.mappings !== undefined || usedPersonal.mappings !== undefined;
  const mappings = !editsMappings ? setting.mappings : personalProblems.length > 0 ? adjustedTables(tables, setting.fileSections?.mappings, '', []) : adjusted;
  const ownInterval = setting.fileSections?.sessionIntervalMinutes;
  const effectiveSetting: MailboxSetting = {
    ...setting,
    sessionIntervalMinutes: ownInterval ?? usedOrgEdit.sessionIntervalMinutes ?? setting.sessionIntervalMinutes,
    ...(mappings === undefined ? {} : { mappings }),
  };
  return { org: withOrgSections(org, usedOrgEdit, setting.address, usedPersonal.userBlocklist), setting: effectiveSetting, problems };
}

/** The org with the edit's policy, selection, linking and instant sync triggers, and the owner's blocklist. */
export function withOrgSections(org: OrgSetting, edit: OrgSettingsEdit, address?: string, userBlocklist?: readonly string[]): OrgSetting {
  const fileLinking = org.linking ?? { ...DEFAULT_LINKING_SETTINGS, userBlocklists: {} };
  const editedLinking: OrgLinkingSetting = edit.linking ?? fileLinking;
  const owner = address?.trim().toLowerCase();
  const linking: OrgLinkingSetting =
    owner === undefined || userBlocklist === undefined ? editedLinking : { ...editedLinking, userBlocklists: { ...editedLinking.userBlocklists, [owner]: userBlocklist } };
  // Email saving shares the linking blocklist: an address the console blocks is not saved either.
  const emailSaving =
    org.emailSaving === undefined || edit.linking === undefined ? org.emailSaving : { ...org.emailSaving, blocklist: [...new Set([...org.emailSaving.blocklist, ...edit.linking.blocklist])] };
  // The file keeps its un-sync rules inside the resolved policy, so a policy edit keeps them unless `unsync` is edited too.
  const unsync = edit.unsync ?? org.policy.unsync;
  const policy = edit.policy === undefined && edit.unsync === undefined ? org.policy : { ...(edit.policy ?? org.policy), ...(unsync === undefined ? {} : { unsync }) };
  return {
    ...org,
    policy,
    ...(edit.selection === undefined ? {} : { selection: edit.selection }),
    ...(edit.instantSync === undefined ? {} : { instantSyncTriggers: edit.instantSync.triggers as InstantSyncTrigger[] }),
    ...(emailSaving === undefined ? {} : { emailSaving }),
    ...(org.linking === undefined && edit.linking === undefined && userBlocklist === undefined ? {} : { linking }),
  };
}

/** The org's table per kind: the edit's mappings section if it has one, else the file's. */
export function orgTables(org: OrgSetting, edit: OrgSettingsEdit, problems: string[]): Record<ObjectKind, MappingTable> {
  const source = edit.mappings ?? org.fileSections?.mappings;
  const tables = {} as Record<ObjectKind, MappingTable>;
  for (const kind of OBJECT_KINDS) {
    const resolved = resolveTable(kind, source?.[kind] as TableOverride | undefined, `mappings.${kind}`);
    problems.push(...resolved.problems);
    tables[kind] = resolved.table;
  }
  return tables;
}

function adjustedTables(tables: Record<ObjectKind, MappingTable>, adjustments: MailboxSettingsEdit['mappings'], where: string, problems: string[]): Record<ObjectKind, MappingTable> {
  const adjusted = {} as Record<ObjectKind, MappingTable>;
  for (const kind of OBJECT_KINDS) {
    const resolved = adjustTable(tables[kind], adjustments?.[kind], `${where}.${kind}`);
    problems.push(...resolved.problems);
    adjusted[kind] = resolved.table;
  }
  return adjusted;
}

/**
 * Check each section present with its schema. Sections are checked one by one rather than as one object, so a
 * section left out stays out instead of taking the defaults its schema would fill in.
 */
function parseSections(input: unknown, schemas: Readonly<Record<string, z.ZodType>>): EditCheck<Record<string, unknown>> {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    return { ok: false, problems: [`(top level): expected an object of sections such as {"policy": {…}}; the sections are ${Object.keys(schemas).join(', ')}`] };
  }

  const problems: string[] = [];
  const edit: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(input)) {
    const schema = schemas[name];
    if (schema === undefined) {
      problems.push(`${name}: unknown section; use one of ${Object.keys(schemas).join(', ')}`);
      continue;
    }
    if (value === undefined) {
      continue;
    }
    const result = schema.safeParse(value, { reportInput: true });
    if (!result.success) {
      problems.push(...formatConfigIssues(result.error.issues.map((issue) => ({ ...issue, path: [name, ...issue.path] })), new Map()));
      continue;
    }
    edit[name] = result.data;
  }
  return problems.length === 0 ? { ok: true, edit } : { ok: false, problems };
}
