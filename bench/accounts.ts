/** Credentials the benchmark's emulators accept; they exist only inside the benchmark run. */
export const BENCH_ACCOUNTS = {
  tenant: 'bench-tenant',
  mailbox: 'bench.user@bench.example.com',
  graph: { tenantId: 'bench-tenant', clientId: 'bench-graph-app', clientSecret: 'bench-graph-secret' },
  salesforce: { clientId: 'bench-sf-app', clientSecret: 'bench-sf-secret', refreshTokens: ['bench-refresh'] },
  syncIdField: 'Syncline_Sync_Id__c',
} as const;
