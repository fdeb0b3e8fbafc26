export type { SalesforceAuth } from './auth.ts';
export { classifySalesforceError } from './classify-error.ts';
export { createSalesforceEventSource, type SalesforceConnectorOptions, type SalesforceEventSource } from './event-source.ts';
export type { RetryDecision, RetryOptions } from './retry-policy.ts';
