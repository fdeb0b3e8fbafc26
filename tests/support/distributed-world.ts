import { spawn, type ChildProcess } from 'node:child_process';
import { EventEmitter } from 'node:events';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import pg from 'pg';

import { startGraphEmulator, type RunningGraphEmulator } from '../../emulators/graph/server.ts';
import type { GraphEventSeed } from '../../emulators/graph/seed-types.ts';
import { startSalesforceEmulator, type RunningSalesforceEmulator } from '../../emulators/salesforce/server.ts';
import { createSilentLogger } from '../../src/observability/logger.ts';
import { newSchedule } from '../../src/scheduler/mailbox-states.ts';
import { openStore, type SynclineStore } from '../../src/store/index.ts';
import { adminRequest } from './e2e-harness.ts';
import { TEST_POSTGRES_URL } from './store-targets.ts';

const TENANT = 'dist-tenant';
const ORG_ID = 'dist';
const ORG_NAME = 'Distributed test org';
const TIME_ZONE = 'Europe/Berlin';
const GRAPH_APP = { tenantId: TENANT, clientId: 'dist-graph-app', clientSecret: 'dist-graph-secret' };
const SF_APP = { clientId: 'dist-sf-app', clientSecret: 'dist-sf-secret', refreshTokens: ['dist-refresh'] };
const WINDOW = { start: '2027-01-01T00:00:00Z', end: '2028-01-01T00:00:00Z' };
const WORKER_ENTRY = fileURLToPath(new URL('./distributed-worker.ts', import.meta.url));

export interface WorkerProcess {
  readonly child: ChildProcess;
  /** graphile-worker's id for this process (its worker pool id), from its 'Worker started' log line. */
  readonly workerId: string;
  /** Every stdout line of the process, parsed, as it arrives. */
  readonly lines: EventEmitter<{ line: [Record<string, unknown>] }>;
  request(mailboxId: string, trigger: string): void;
  isAlive(): boolean;
}

/** Emulators with N mailboxes, a PostgreSQL store in a throwaway schema, and worker processes over both. */
export class DistributedWorld {
  readonly workers: WorkerProcess[] = [];
  private seeded = 0;
  private readonly pool = new pg.Pool({ connectionString: TEST_POSTGRES_URL, max: 2 });

  private constructor(
    readonly mailboxIds: readonly string[],
    readonly graph: RunningGraphEmulator,
    readonly salesforce: RunningSalesforceEmulator,
    readonly store: SynclineStore,
    readonly schema: string,
    private readonly folder: string,
    private readonly configPath: string,
  ) {}

  static async start(mailboxCount: number): Promise<DistributedWorld> {
    const ids = Array.from({ length: mailboxCount }, (_, index) => `mbx-${String(index).padStart(4, '0')}`);
    const users = ids.map((id) => ({ id, address: `${id}@dist.example.com` }));
    const graph = await startGraphEmulator({ clients: [GRAPH_APP], users: users.map((user) => ({ userPrincipalName: user.address, displayName: user.id, mailboxTimeZone: 'Europe/Berlin' })) });
    const salesforce = await startSalesforceEmulator({
      clients: [SF_APP],
      users: users.map((user) => ({ Username: user.address, Email: user.address, Name: user.id, TimeZoneSidKey: 'Europe/Berlin' })),
      syncIdField: 'Syncline_Sync_Id__c',
    });

    const schema = `syncline_dist_${process.pid}_${Date.now().toString(36)}`;
    const store = await openStore({ kind: 'postgres', connectionString: TEST_POSTGRES_URL, schema }, createSilentLogger());
    const folder = mkdtempSync(path.join(tmpdir(), 'syncline-dist-'));
    const configPath = path.join(folder, 'syncline.config.json');
    writeFileSync(configPath, JSON.stringify(configFile(users, graph.url, salesforce.url, schema, folder)));
    return new DistributedWorld(ids, graph, salesforce, store, schema, folder, configPath);
  }

  /** Register every mailbox in the store with its first session due at `at`, as a worker's start would at its own time. */
  async scheduleAllAt(at: number): Promise<void> {
    await this.store.upsertOrg({ id: ORG_ID, name: ORG_NAME });
    for (const id of this.mailboxIds) {
      await this.store.upsertMailbox({ id, orgId: ORG_ID, kind: 'graph', address: this.addressOf(id), timeZone: TIME_ZONE });
    }
    await this.store.addMissingSchedules(this.mailboxIds.map((id) => newSchedule(id, new Date(at).toISOString())));
  }

  addressOf(mailboxId: string): string {
    return `${mailboxId}@dist.example.com`;
  }

  /** Start a worker process whose schedule clock is `clockStart` until setClock moves it. */
  async spawnWorker(clockStart: number, concurrency = 4): Promise<WorkerProcess> {
    const env = { ...process.env, DW_CONFIG: this.configPath, DW_CLOCK_START: String(clockStart), DW_CONCURRENCY: String(concurrency) };
    const child = spawn(process.execPath, ['--import', 'tsx', WORKER_ENTRY], { env, stdio: ['pipe', 'pipe', 'inherit'] });
    const lines = new EventEmitter<{ line: [Record<string, unknown>] }>();
    createInterface({ input: child.stdout }).on('line', (line) => {
      const entry = parseLine(line);
      if (entry !== null) {
        lines.emit('line', entry);
      }
      if (process.env.DW_ECHO === '1' && Number(entry?.level ?? 0) >= 40) {
        process.stderr.write(`${line}\n`);
      }
    });

    const workerId = await new Promise<string>((resolve, reject) => {
      let id: string | null = null;
      lines.on('line', (entry) => {
        if (typeof entry.workerId === 'string' && entry.msg === 'Worker started') {
          id = entry.workerId;
        }
        if (entry.ready === true && id !== null) {
          resolve(id);
        }
      });
      child.once('exit', (code) => reject(new Error(`Worker process exited with code ${code} before it started`)));
    });

    const worker: WorkerProcess = {
      child,
      workerId,
      lines,
      request: (mailboxId, trigger) => child.stdin?.write(`request ${mailboxId} ${trigger}\n`),
      isAlive: () => child.exitCode === null && child.signalCode === null,
    };
    this.workers.push(worker);
    return worker;
  }

  /** Move the schedule clock of every live worker to `at`, and wait until each has taken it. */
  async setClock(at: number): Promise<void> {
    await Promise.all(
      this.workers
        .filter((worker) => worker.isAlive())
        .map(
          (worker) =>
            new Promise<void>((resolve, reject) => {
              const timer = setTimeout(() => reject(new Error(`Worker ${worker.workerId} did not take clock ${at} within 10 s`)), 10_000);
              const onLine = (entry: Record<string, unknown>) => {
                if (entry.clock === at) {
                  clearTimeout(timer);
                  worker.lines.off('line', onLine);
                  resolve();
                }
              };
              worker.lines.on('line', onLine);
              worker.child.stdin?.write(`clock ${at}\n`);
            }),
        ),
    );
  }

  /**
   * Wait until nothing is left to do at simulated time `at`: no schedule is due (the store's due rows) and no
   * session job waits, runs or retries. Throws with what is left after `timeoutMs`.
   */
  async waitForQuiet(at: number, timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const left = await this.workLeft(at);
      if (left.due === 0 && left.jobs === 0) {
        return;
      }
      if (Date.now() > deadline) {
        throw new Error(`Work left at ${new Date(at).toISOString()} after ${timeoutMs} ms: ${left.due} due schedules, ${left.jobs} session jobs`);
      }
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
  }

  private async workLeft(at: number): Promise<{ due: number; jobs: number }> {
    const due = await this.pool.query<{ count: string }>(`select count(*) as count from "${this.schema}".mailbox_schedules where due_at <= $1`, [new Date(at).toISOString()]);
    // A job whose attempts are used up never runs again: the planner deals with it, so it is not work in flight.
    const jobs = await this.pool.query<{ count: string }>(`select count(*) as count from "${this.schema}_jobs".jobs where task_identifier = 'syncline_session' and attempts < max_attempts`);
    return { due: Number(due.rows[0]?.count ?? 0), jobs: Number(jobs.rows[0]?.count ?? 0) };
  }

  /** Add `count` new events to each listed mailbox, each with a subject unique in the run. */
  async addMailboxEvents(mailboxIds: readonly string[], count: number): Promise<void> {
    for (const mailboxId of mailboxIds) {
      const seeds = Array.from({ length: count }, () => eventSeed(mailboxId, this.seeded++));
      await adminRequest(this.graph.url, 'POST', `/_admin/users/${encodeURIComponent(this.addressOf(mailboxId))}/seed`, { events: seeds });
    }
  }

  /** Subjects of the live events on each side, per mailbox address. */
  async contents(): Promise<{ mailbox: Map<string, string[]>; crm: Map<string, string[]> }> {
    const mailbox = new Map<string, string[]>();
    for (const id of this.mailboxIds) {
      const events = (await adminRequest(this.graph.url, 'GET', `/_admin/users/${encodeURIComponent(this.addressOf(id))}/events`)) as { value?: GraphRow[] } | GraphRow[];
      const rows = Array.isArray(events) ? events : (events.value ?? []);
      mailbox.set(this.addressOf(id), rows.filter((row) => row.type !== 'seriesMaster' && row.isCancelled !== true).map((row) => row.subject).sort());
    }

    const users = recordsOf(await adminRequest(this.salesforce.url, 'GET', '/_admin/records/User')) as { Id: string; Email: string }[];
    const emailById = new Map(users.map((user) => [user.Id, user.Email]));
    const crm = new Map<string, string[]>();
    for (const record of recordsOf(await adminRequest(this.salesforce.url, 'GET', '/_admin/records/Event')) as CrmRow[]) {
      if (record.IsDeleted === true) continue;
      const owner = emailById.get(record.OwnerId) ?? record.OwnerId;
      crm.set(owner, [...(crm.get(owner) ?? []), record.Subject ?? ''].sort());
    }
    return { mailbox, crm };
  }

  async graphFaults(faults: readonly Record<string, unknown>[] | null): Promise<void> {
    await adminRequest(this.graph.url, faults === null ? 'DELETE' : 'POST', '/_admin/faults', faults === null ? undefined : { faults });
  }

  /** Session jobs locked right now, by worker id. */
  async lockedSessionJobs(): Promise<{ workerId: string; key: string | null }[]> {
    const result = await this.pool.query<{ locked_by: string; key: string | null }>(
      `select locked_by, key from "${this.schema}_jobs".jobs where locked_by is not null and task_identifier = 'syncline_session'`,
    );
    return result.rows.map((row) => ({ workerId: row.locked_by, key: row.key }));
  }

  async stopWorkers(): Promise<void> {
    await Promise.all(
      this.workers.map(
        (worker) =>
          new Promise<void>((resolve) => {
            if (worker.child.exitCode !== null || worker.child.signalCode !== null) {
              resolve();
              return;
            }
            worker.child.once('exit', () => resolve());
            worker.child.kill('SIGTERM');
          }),
      ),
    );
  }

  async close(): Promise<void> {
    await this.stopWorkers();
    await this.pool.end();
    await this.store.close();
    await this.graph.close();
    await this.salesforce.close();
    await withClient(async (client) => {
      await client.query(`drop schema if exists "${this.schema}_jobs" cascade`);
      await client.query(`drop schema if exists "${this.schema}" cascade`);
    });
    rmSync(this.folder, { recursive: true, force: true });
  }
}

type GraphRow = { subject: string; type?: string; isCancelled?: boolean };
type CrmRow = { OwnerId: string; Subject: string | null; IsDeleted?: boolean };

function configFile(users: { id: string; address: string }[], graphUrl: string, salesforceUrl: string, schema: string, dataDir: string): Record<string, unknown> {
  return {
    dataDir,
    store: { kind: 'postgres', connectionString: TEST_POSTGRES_URL, schema },
    syncWindow: WINDOW,
    sessionIntervalMinutes: 30,
    jitter: 0.1,
    orgs: [
      {
        id: ORG_ID,
        name: ORG_NAME,
        salesforce: { loginUrl: salesforceUrl, auth: { kind: 'refreshToken', clientId: SF_APP.clientId, clientSecret: SF_APP.clientSecret, refreshToken: 'dist-refresh' } },
        graph: { tenantId: TENANT, clientId: GRAPH_APP.clientId, clientSecret: GRAPH_APP.clientSecret, authorityUrl: graphUrl, graphBaseUrl: `${graphUrl}/v1.0` },
        mailboxes: users.map((user) => ({ id: user.id, address: user.address, timeZone: TIME_ZONE, salesforceUser: { email: user.address } })),
      },
    ],
  };
}

function eventSeed(mailboxId: string, index: number): GraphEventSeed {
  const start = new Date(Date.parse(WINDOW.start) + index * 60 * 60_000);
  const end = new Date(start.getTime() + 30 * 60_000);
  const local = (instant: Date) => `${instant.toISOString().slice(0, 19)}.0000000`;
  return {
    seedKey: `dist-${index}`,
    iCalUId: `dist-${index}@dist.example.com`,
    subject: `Meeting ${index} of ${mailboxId}`,
    body: { contentType: 'text', content: `Agenda ${index}` },
    start: { dateTime: local(start), timeZone: 'UTC' },
    end: { dateTime: local(end), timeZone: 'UTC' },
    originalStartTimeZone: 'UTC',
    originalEndTimeZone: 'UTC',
    isAllDay: false,
    isCancelled: false,
    location: { displayName: 'Room 1' },
    showAs: 'busy',
    sensitivity: 'normal',
    organizer: null,
    attendees: [],
    type: 'singleInstance',
    seriesMasterSeedKey: null,
    originalStart: null,
    recurrence: null,
  };
}

function parseLine(line: string): Record<string, unknown> | null {
  try {
    return JSON.parse(line) as Record<string, unknown>;
  } catch {
    return null;
  }
}

function recordsOf(response: unknown): unknown[] {
  return Array.isArray(response) ? response : ((response as { records?: unknown[] }).records ?? []);
}

async function withClient<T>(work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: TEST_POSTGRES_URL });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}
