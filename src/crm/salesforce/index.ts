export { createSalesforceEventSource, type SalesforceConnectorOptions } from './event-source.ts';
export { OrgApiBudget } from './api-budget.ts';
