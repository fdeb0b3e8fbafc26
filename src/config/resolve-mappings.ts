import type { z } from 'zod';

import { OBJECT_KINDS, type ObjectKind } from '../domain/link.ts';
import { adjustTable, MappingError, resolveTable, type MappingTable, type TableOverride } from '../mapping/index.ts';
import type { mailboxMappingsSchema, orgMappingsSchema } from './mapping-schema.ts';

export type KindTables = Readonly<Record<ObjectKind, MappingTable>>;

type OrgMappings = z.output<typeof orgMappingsSchema>;
type MailboxMappings = z.output<typeof mailboxMappingsSchema>;

/**
 * Build an org's table per kind and each mailbox's adjusted tables. Throws a `MappingError` listing every problem of
 * every table, each naming where it is (`orgs[0].mappings.task, pair 2 ("reminder")`) and the fix.
 */
export function resolveOrgMappings(
  orgIndex: number,
  org: OrgMappings | undefined,
  mailboxes: readonly (MailboxMappings | undefined)[],
): { tables: KindTables; mailboxTables: KindTables[] } {
  const problems: string[] = [];
  const tables = {} as Record<ObjectKind, MappingTable>;
  for (const kind of OBJECT_KINDS) {
    const resolved = resolveTable(kind, org?.[kind] as TableOverride | undefined, `orgs[${orgIndex}].mappings.${kind}`);
    problems.push(...resolved.problems);
    tables[kind] = resolved.table;
  }

  const mailboxTables = mailboxes.map((adjustments, mailboxIndex) => {
    const adjusted = {} as Record<ObjectKind, MappingTable>;
    for (const kind of OBJECT_KINDS) {
      const resolved = adjustTable(tables[kind], adjustments?.[kind], `orgs[${orgIndex}].mailboxes[${mailboxIndex}].mappings.${kind}`);
      problems.push(...resolved.problems);
      adjusted[kind] = resolved.table;
    }
    return adjusted;
  });

  if (problems.length > 0) {
    throw new MappingError(problems);
  }
  return { tables, mailboxTables };
}
