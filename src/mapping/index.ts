export { crmFieldNeeds } from './crm-requirements.ts';
export { defaultContactMapping } from './defaults/contact-mapping.ts';
export { defaultEventMapping } from './defaults/event-mapping.ts';
export { defaultTaskMapping } from './defaults/task-mapping.ts';
export { DIRECTIONS, type EventMapping, type MappingTable } from './field-pair.ts';
export { defaultMappingOf } from './kind-catalogs.ts';
export {
  activePairs,
  crmFieldsOf,
  crmFieldsOf as eventCrmFields,
  flowsFrom,
  pairsFlowingFrom,
  projectCrmRecord,
  projectMailboxItem,
  toCrmFields,
  toMailboxPatch,
  toNewMailboxItem,
} from './project.ts';
export { adjustTable, resolveTable, type TableOverride, type UserAdjustments } from './resolve-table.ts';
export { MappingError, validateMappingTable } from './validate-mapping.ts';
