export { createSalesforceEventSource, type SalesforceConnectorOptions } from './event-source.ts';
