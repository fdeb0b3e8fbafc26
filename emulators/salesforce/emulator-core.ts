import { ApiStats } from './api-stats.ts';
import { AuthService, type ClientConfig } from './auth-service.ts';
import { FaultPlan, type Fault } from './faults.ts';
import { OrgState } from './org-state.ts';
import { QueryService } from './query-service.ts';
import { RecordWriter } from './record-writer.ts';
import { dispatch } from './rest-router.ts';
import { orgSchemas, type CustomFieldSpec, type OrgFeatures } from './schema/org-schemas.ts';
import type { OrgSnapshot } from './persistence.ts';
import type { RestContext } from './rest-types.ts';

export interface UserSeed {
  Id?: string;
  Username: string;
  Email: string;
  Name: string;
  TimeZoneSidKey?: string;
}

export interface CoreOptions {
  syncIdField: string;
  /** Optional org features; switching one through the admin API resets the org. */
  features: OrgFeatures;
  dailyApiLimit: number;
  clients: ClientConfig[];
  users: UserSeed[];
  /** Custom fields added to the served objects. */
  customFields?: CustomFieldSpec[];
}

/** The emulated org and its services, independent of HTTP so composite subrequests reuse them directly. */
export class EmulatorCore {
  readonly options: CoreOptions;
  readonly faults = new FaultPlan();
  readonly stats = new ApiStats();
  readonly auth: AuthService;
  org: OrgState;
  writer: RecordWriter;
  queries: QueryService;

  constructor(options: CoreOptions, snapshot: OrgSnapshot | null) {
    this.options = options;
    this.auth = new AuthService(options.clients);
    this.org = this.newOrg(snapshot);
    this.writer = new RecordWriter(this.org, this.faults);
    this.queries = new QueryService(this.org);
    if (snapshot) {
      this.auth.restore(snapshot.auth);
      this.stats.resetDaily(snapshot.dailyApiCalls);
    }
    this.seedUsers();
  }

  get context(): RestContext {
    const context: RestContext = {
      org: this.org, writer: this.writer, queries: this.queries, stats: this.stats,
      dailyApiLimit: this.options.dailyApiLimit,
      dispatch: (request) => dispatch(request, context),
    };
    return context;
  }

  /** The user that OAuth sessions act as: the first configured user. */
  get integrationUserId(): string {
    const users = [...(this.org.table('User')?.all() ?? [])];
    return String(users[0]?.Id ?? '');
  }

  applyFaults(faults: Fault[]): void {
    for (const fault of this.faults.add(faults)) {
      if (fault.type === 'expireTokens') this.auth.expireAccessTokens();
      if (fault.type === 'revokeRefreshTokens') this.auth.revokeRefreshTokens();
    }
  }

  /** Back to a fresh org: records, cursors, faults and stats cleared, users seeded again; tokens stay valid. */
  reset(): void {
    this.org = this.newOrg(null);
    this.writer = new RecordWriter(this.org, this.faults);
    this.queries = new QueryService(this.org);
    this.faults.clear();
    this.stats.reset();
    this.stats.resetDaily();
    this.seedUsers();
  }

  snapshot(): OrgSnapshot {
    const tables = Object.fromEntries(this.org.allTables().map((t) => [t.def.name, [...t.all()]]));
    return {
      format: 1, idSequence: this.org.idSequence, lastModstamp: this.org.clock.lastIssued,
      dailyApiCalls: this.stats.dailyCalls, tables, auth: this.auth.snapshot(),
    };
  }

  private newOrg(snapshot: OrgSnapshot | null): OrgState {
    const org = new OrgState(orgSchemas(this.options.syncIdField, this.options.features, this.options.customFields), snapshot?.idSequence,
      snapshot?.lastModstamp);
    for (const [name, records] of Object.entries(snapshot?.tables ?? {})) {
      const table = org.table(name);
      if (!table) continue;
      const ordered = [...records].sort((a, b) => String(a.SystemModstamp).localeCompare(String(b.SystemModstamp)));
      for (const record of ordered) table.put(record);
    }
    return org;
  }

  private seedUsers(): void {
    const users = this.org.table('User');
    if (!users) return;
    for (const seed of this.options.users) {
      if (users.findBy('Username', seed.Username).length > 0) continue;
      this.writer.create('User', { TimeZoneSidKey: 'GMT', ...seed }, { userId: '', admin: true });
    }
  }
}
