export { OrgApiBudget } from './api-budget.ts';
export { SalesforceOrgCache } from './org-cache.ts';
export { createSalesforceConnection } from './connection.ts';
export { createSalesforceEventSource, type SalesforceConnectorOptions } from './event-source.ts';
export { kindScopes } from './kind-scopes.ts';
export { createSalesforceRecordSource } from './record-source.ts';
export { eventRelationsAfterWrites } from './event-relations.ts';
export { SalesforceRecordClient } from './record-client.ts';
export { SalesforceSeriesMode, seriesOrgOf } from './series-mode.ts';
