export { createGraphEventSource, type GraphConnectorOptions } from './create-graph-event-source.ts';
export { classifyGraphError } from './classify-graph-error.ts';
export { SYNC_ID_PROPERTY_ID } from './sync-id-property.ts';
