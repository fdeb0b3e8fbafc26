export { defaultEventMapping } from './default-event-mapping.ts';
export type { Direction, EventFieldPair, EventMapping, TransformContext } from './field-pair.ts';
export { MappingError, validateEventMapping } from './validate-mapping.ts';
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
export { normalizeText, toUtcInstant } from './event-transforms.ts';
export { CUT_MARKER, cutToLength } from './text-limit.ts';
