export { defaultEventMapping } from './default-event-mapping.ts';
export type { EventMapping } from './field-pair.ts';
export { validateEventMapping } from './validate-mapping.ts';
export {
  activePairs,
  eventCrmFields,
  pairsFlowingFrom,
  projectCrmRecord,
  projectMailboxEvent,
  toCrmFields,
  toMailboxPatch,
  toNewMailboxEvent,
} from './project-event.ts';
