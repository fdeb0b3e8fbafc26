/**
 * The emulators of the embedded scheduler benchmark, in their own process so the engine's memory figures are its
 * own: Graph and Salesforce on loopback with BENCH_MAILBOXES users, one Graph event each
 * (none with BENCH_SEED_EVENTS=0). Prints one JSON line with
 * both URLs once seeded, then runs until stdin closes.
 */
import { startGraphEmulator } from '../emulators/graph/server.ts';
import { startSalesforceEmulator } from '../emulators/salesforce/server.ts';
import { BENCH_ACCOUNTS } from './accounts.ts';
import { benchAddresses, seedOneEventEach } from './scheduler-seed.ts';

/** Above the calls of every round (about 7 per no-change session), so the emulated org's daily limit never suspends a mailbox. */
const DAILY_API_LIMIT = 1_000_000_000;

const addresses = benchAddresses(Number(process.env.BENCH_MAILBOXES ?? 10_000));
const graph = await startGraphEmulator({
  clients: [BENCH_ACCOUNTS.graph],
  users: addresses.map((address) => ({ userPrincipalName: address, displayName: address, mailboxTimeZone: 'UTC' })),
});
const salesforce = await startSalesforceEmulator({
  clients: [{ ...BENCH_ACCOUNTS.salesforce, refreshTokens: [...BENCH_ACCOUNTS.salesforce.refreshTokens] }],
  users: addresses.map((address) => ({ Username: address, Email: address, Name: address })),
  syncIdField: BENCH_ACCOUNTS.syncIdField,
  dailyApiLimit: DAILY_API_LIMIT,
});
// BENCH_SEED_EVENTS=0 leaves the mailboxes empty.
if (process.env.BENCH_SEED_EVENTS !== '0') {
  await seedOneEventEach(graph.url, addresses);
}

process.stdout.write(`${JSON.stringify({ graphUrl: graph.url, salesforceUrl: salesforce.url })}\n`);

process.stdin.resume();
process.stdin.on('end', () => {
  void Promise.all([graph.close(), salesforce.close()]).then(() => process.exit(0));
});
