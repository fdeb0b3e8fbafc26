export { createSalesforceEmailWriter } from './email-record-writer.ts';
