import { z } from 'zod';

import { OBJECT_KINDS, type ObjectKind } from '../domain/link.ts';
import { DEFAULT_LINKING_SETTINGS } from '../linking/settings.ts';
import { adjustTable, MappingError, resolveTable, validateMappingTable, type MappingTable, type TableOverride, type UserAdjustments } from '../mapping/index.ts';
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
 * problems instead of throwing, so a session can fall back to the file and report why.
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
 * Combine the file's settings of one mailbox with the org's edit and the mailbox's own edit. An org edit whose tables
 * no longer resolve against the file is left out, and so is each of the mailbox's directions that no longer fits the
 * org's tables or leaves a table unable to sync. The problems are returned.
 */
export function effectiveSettings(org: OrgSetting, setting: MailboxSetting, orgEdit: OrgSettingsEdit | null, personal: MailboxSettingsEdit | null): EffectiveSettings {
  const problems: string[] = [];
  let usedOrgEdit = orgEdit ?? {};
  let tables = orgTables(org, usedOrgEdit, problems);
  if (problems.length > 0) {
    usedOrgEdit = {};
    tables = orgTables(org, usedOrgEdit, []);
  }

  const usedPersonal = personal ?? {};
  const personalProblems: string[] = [];
  const adjustments = usedPersonal.mappings ?? setting.fileSections?.mappings;
  let adjusted = adjustedTables(tables, adjustments, `mailbox ${setting.address}: mappings`, personalProblems);
  if (personalProblems.length > 0) {
    problems.push(...personalProblems);
    // Only the directions at fault are left out: the others, and the owner's blocklist, keep applying.
    adjusted = adjustedTables(tables, usableAdjustments(tables, adjustments), '', []);
  }

  const editsMappings = usedOrgEdit.mappings !== undefined || usedPersonal.mappings !== undefined || personalProblems.length > 0;
  const mappings = !editsMappings ? setting.mappings : adjusted;
  const ownInterval = setting.fileSections?.sessionIntervalMinutes;
  const effectiveSetting: MailboxSetting = {
    ...setting,
    sessionIntervalMinutes: ownInterval ?? usedOrgEdit.sessionIntervalMinutes ?? setting.sessionIntervalMinutes,
    ...(mappings === undefined ? {} : { mappings }),
  };
  return { org: withOrgSections(org, usedOrgEdit, setting.address, usedPersonal.userBlocklist), setting: effectiveSetting, problems };
}

/** Apply the edit's policy, selection, linking and instant sync triggers, and the owner's blocklist, to the org. */
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

/** Resolve the org's table per kind from the edit's mappings section if it has one, else from the file's. */
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

function adjustedTables(tables: Record<ObjectKind, MappingTable>, adjustments: Partial<Record<ObjectKind, UserAdjustments>> | undefined, where: string, problems: string[]): Record<ObjectKind, MappingTable> {
  const adjusted = {} as Record<ObjectKind, MappingTable>;
  for (const kind of OBJECT_KINDS) {
    const resolved = adjustTable(tables[kind], adjustments?.[kind], `${where}.${kind}`);
    problems.push(...resolved.problems);
    if (resolved.problems.length === 0) {
      problems.push(...unworkableAdjustments(tables[kind], resolved.table, adjustments?.[kind], `${where}.${kind}`));
    }
    adjusted[kind] = resolved.table;
  }
  return adjusted;
}

/**
 * Check a mailbox's table as the engine checks the file's before any session: a pair the org lets mailboxes turn off
 * may be one the table cannot work without (an event's span). Each problem names the pair whose direction causes it.
 */
function unworkableAdjustments(orgTable: MappingTable, table: MappingTable, adjustments: UserAdjustments | undefined, where: string): string[] {
  const changed = Object.entries(adjustments ?? {});
  if (changed.length === 0) {
    return [];
  }
  const known = new Set(tableProblems(orgTable));
  const added = tableProblems(table).filter((problem) => !known.has(problem));
  if (added.length === 0) {
    return [];
  }
  const causes = changed.filter(([key, direction]) => tableProblems(adjustTable(orgTable, { [key]: direction }, where).table).some((problem) => !known.has(problem)));
  return (causes.length > 0 ? causes : changed).map(
    ([key, direction]) => `${where}.${key}: ${direction} would leave the ${orgTable.kind} mapping unable to sync this mailbox (${added.join('; ')}); choose another direction for this pair, or leave it out`,
  );
}

/** Select the adjustments that fit the org's tables, each kept only when it leaves its table working with those kept before it. */
function usableAdjustments(tables: Record<ObjectKind, MappingTable>, adjustments: MailboxSettingsEdit['mappings']): Partial<Record<ObjectKind, UserAdjustments>> {
  const usable: Partial<Record<ObjectKind, UserAdjustments>> = {};
  for (const kind of OBJECT_KINDS) {
    let kept: UserAdjustments = {};
    for (const [key, direction] of Object.entries(adjustments?.[kind] ?? {})) {
      const trial = { ...kept, [key]: direction };
      const resolved = adjustTable(tables[kind], trial, '');
      if (resolved.problems.length === 0 && unworkableAdjustments(tables[kind], resolved.table, trial, '').length === 0) {
        kept = trial;
      }
    }
    usable[kind] = kept;
  }
  return usable;
}

function tableProblems(table: MappingTable): readonly string[] {
  try {
    validateMappingTable(table);
    return [];
  } catch (error) {
    if (error instanceof MappingError) {
      return error.problems;
    }
    throw error;
  }
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
    // Own properties only: a section named `constructor` or `toString` would find Object.prototype's member.
    const schema = Object.hasOwn(schemas, name) ? schemas[name] : undefined;
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
