/**
 * Start the Graph and Salesforce emulators in their own process, so the benchmark's memory figures are the
 * engine's alone. Prints one JSON line with both URLs, then runs until stdin closes.
 */
import { startGraphEmulator } from '../emulators/graph/server.ts';
import { startSalesforceEmulator } from '../emulators/salesforce/server.ts';
import { BENCH_ACCOUNTS } from './accounts.ts';

const graph = await startGraphEmulator({
  clients: [BENCH_ACCOUNTS.graph],
  users: [{ userPrincipalName: BENCH_ACCOUNTS.mailbox, displayName: 'Bench User', mailboxTimeZone: 'Europe/Berlin' }],
  maxPageSize: 1000,
});
const salesforce = await startSalesforceEmulator({
  clients: [{ ...BENCH_ACCOUNTS.salesforce, refreshTokens: [...BENCH_ACCOUNTS.salesforce.refreshTokens] }],
  users: [{ Username: BENCH_ACCOUNTS.mailbox, Email: BENCH_ACCOUNTS.mailbox, Name: 'Bench User' }],
  syncIdField: BENCH_ACCOUNTS.syncIdField,
});

process.stdout.write(`${JSON.stringify({ graphUrl: graph.url, salesforceUrl: salesforce.url })}\n`);

process.stdin.resume();
process.stdin.on('end', () => {
  void Promise.all([graph.close(), salesforce.close()]).then(() => process.exit(0));
});
