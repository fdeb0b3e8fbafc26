import type { ObjectKind } from '../domain/link.ts';
import type { MailboxItem } from '../domain/mailbox-items.ts';
import { CONTACT_FIELDS } from './catalogs/contact-fields.ts';
import { EVENT_FIELDS } from './catalogs/event-fields.ts';
import { TASK_FIELDS } from './catalogs/task-fields.ts';
import { defaultContactMapping } from './defaults/contact-mapping.ts';
import { defaultEventMapping } from './defaults/event-mapping.ts';
import { defaultTaskMapping } from './defaults/task-mapping.ts';
import type { MappingTable } from './field-pair.ts';
import type { FieldCatalog } from './mailbox-fields.ts';

/** Return the mailbox field catalog of a kind, typed over any mailbox item so that generic code can use it. */
export function catalogOf(kind: ObjectKind): FieldCatalog<MailboxItem> {
  const catalogs = { event: EVENT_FIELDS, task: TASK_FIELDS, contact: CONTACT_FIELDS };
  return catalogs[kind] as unknown as FieldCatalog<MailboxItem>;
}

/** Return the table a kind starts with before an org's changes. */
export function defaultMappingOf(kind: ObjectKind): MappingTable {
  const defaults = { event: defaultEventMapping, task: defaultTaskMapping, contact: defaultContactMapping };
  return defaults[kind];
}
