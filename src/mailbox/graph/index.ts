export { createGraphEventSource, type GraphConnectorOptions } from './create-graph-event-source.ts';
