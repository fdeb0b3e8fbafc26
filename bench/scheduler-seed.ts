/** Mailboxes of the scheduler benchmarks: N generated addresses, one Graph event each. */
import { BENCH_ACCOUNTS } from './accounts.ts';

/** Seed requests in flight at once; the emulator serves them on one thread, so more gains nothing. */
const SEED_CONCURRENCY = 16;

/** Return the addresses of N benchmark mailboxes; mailbox i has id `bench-i`. */
export function benchAddresses(count: number): string[] {
  return Array.from({ length: count }, (_, index) => `user${index}@bench.example.com`);
}

/** Seed one meeting into each mailbox of the Graph emulator, through its admin API. */
export async function seedOneEventEach(graphUrl: string, addresses: readonly string[]): Promise<void> {
  let next = 0;
  const seedNext = async (): Promise<void> => {
    while (next < addresses.length) {
      const index = next;
      next += 1;
      await seedOne(graphUrl, addresses[index] ?? '', index);
    }
  };
  await Promise.all(Array.from({ length: SEED_CONCURRENCY }, () => seedNext()));
}

async function seedOne(graphUrl: string, address: string, index: number): Promise<void> {
  const start = new Date(Date.parse('2027-03-01T09:00:00Z') + (index % 100) * 3_600_000);
  const local = (instant: Date) => `${instant.toISOString().slice(0, 19)}.0000000`;
  const seed = {
    seedKey: `bench-${index}`,
    iCalUId: `bench-${index}@bench.example.com`,
    subject: `Bench meeting ${index}`,
    body: { contentType: 'text', content: '' },
    start: { dateTime: local(start), timeZone: 'UTC' },
    end: { dateTime: local(new Date(start.getTime() + 1_800_000)), timeZone: 'UTC' },
    originalStartTimeZone: 'UTC',
    originalEndTimeZone: 'UTC',
    isAllDay: false,
    isCancelled: false,
    location: { displayName: '' },
    showAs: 'busy',
    sensitivity: 'normal',
    organizer: null,
    attendees: [],
    type: 'singleInstance',
    seriesMasterSeedKey: null,
    originalStart: null,
    recurrence: null,
  };
  const response = await fetch(`${graphUrl}/_admin/users/${encodeURIComponent(address)}/seed`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ events: [seed] }),
  });
  if (!response.ok) {
    throw new Error(`Seeding ${address} failed with HTTP ${response.status}: ${await response.text()}`);
  }
}

/** Return the benchmark configuration of N mailboxes in one org, over the given store and emulators. */
export function benchConfig(options: { readonly graphUrl: string; readonly salesforceUrl: string; readonly dataDir: string; readonly store: Record<string, unknown>; readonly addresses: readonly string[]; readonly maxConcurrentSessions?: number }): Record<string, unknown> {
  const { graphUrl, salesforceUrl, addresses } = options;
  const sf = BENCH_ACCOUNTS.salesforce;
  return {
    dataDir: options.dataDir,
    store: options.store,
    syncWindow: { start: '2027-01-01T00:00:00Z', end: '2028-01-01T00:00:00Z' },
    // A week, so that during a measurement no mailbox becomes due but the ones the benchmark makes due.
    sessionIntervalMinutes: 10_080,
    jitter: 0,
    ...(options.maxConcurrentSessions === undefined ? {} : { maxConcurrentSessions: options.maxConcurrentSessions }),
    orgs: [
      {
        id: 'bench',
        name: 'Bench',
        salesforce: { loginUrl: salesforceUrl, auth: { kind: 'refreshToken', clientId: sf.clientId, clientSecret: sf.clientSecret, refreshToken: sf.refreshTokens[0] } },
        graph: { ...BENCH_ACCOUNTS.graph, authorityUrl: graphUrl, graphBaseUrl: `${graphUrl}/v1.0` },
        mailboxes: addresses.map((address, index) => ({ id: `bench-${index}`, address, timeZone: 'UTC', salesforceUser: { email: address } })),
      },
    ],
  };
}
