import type { CrmRecord, ItemSource } from '../../src/domain/connector.ts';
import type { Link, MappedValues } from '../../src/domain/link.ts';
import type { MailboxItem } from '../../src/domain/mailbox-items.ts';
import type { SessionReport } from '../../src/domain/session-report.ts';
import { crmFieldsOf, projectCrmRecord, projectMailboxItem } from '../../src/mapping/index.ts';
import { createSilentLogger } from '../../src/observability/logger.ts';
import type { SynclineStore } from '../../src/store/index.ts';
import { defaultSyncPolicy, runMailboxSession } from '../../src/sync/index.ts';
import { KindsHarness } from './kinds-harness.ts';
import { MemoryCrm, modelClock } from './memory-crm.ts';
import { MemoryMailbox } from './memory-mailbox.ts';
import type { SessionInjector, SourceFault } from './model-faults.ts';
import { openMemoryStore } from './model-memory-store.ts';
import type { KindSpec } from './model-kind-specs.ts';
import { PROBLEM_PREFIX, type KindBackend, type ModelSide } from './model-kind-world.ts';

const WINDOW = { start: '2026-11-01T00:00:00.000Z', end: '2027-05-01T00:00:00.000Z' };
type CrmWrapper = (source: ItemSource<CrmRecord>) => ItemSource<CrmRecord>;

const ID_PREFIXES: Readonly<Record<string, string>> = { Task: '00T', Contact: '003' };

/**
 * Both sides in memory with the real store (SQLite in memory), planner and executor: the fast world for thousands of
 * runs. Each run uses its own mailbox id in the one store, so no run reads another's links and none waits for a reset.
 * Faults reach the core as they leave a connector that could not absorb them, except a token refresh that works.
 */
export class MemoryKindBackend implements KindBackend {
  private run = 0;
  private mailboxId = '';
  private mailbox = new MemoryMailbox<MailboxItem>();
  private crm: MemoryCrm;

  private constructor(
    readonly spec: KindSpec,
    private readonly store: SynclineStore,
    private readonly wrapCrm: CrmWrapper,
  ) {
    this.crm = new MemoryCrm(ID_PREFIXES[spec.crmObject] ?? 'a0X', crmFieldsOf(spec.mapping));
  }

  /** `wrapCrm` wraps the Salesforce side of every session, for a test that checks the model notices a broken side. */
  static async open(spec: KindSpec, options: { wrapCrm?: CrmWrapper } = {}): Promise<MemoryKindBackend> {
    const store = await openMemoryStore();
    await store.upsertOrg({ id: 'org-model', name: 'Contoso' });
    return new MemoryKindBackend(spec, store, options.wrapCrm ?? ((source) => source));
  }

  async close(): Promise<void> {
    await this.store.close();
  }

  async reset(): Promise<void> {
    this.run += 1;
    this.mailboxId = `mbx-model-${this.run}`;
    await this.store.upsertMailbox({ id: this.mailboxId, orgId: 'org-model', kind: 'graph', address: `model-${this.run}@contoso.example.com`, timeZone: 'Europe/Berlin' });
    // One clock for both sides, so the later of two conflicting edits is the one made later in the run.
    const clock = modelClock();
    this.mailbox = new MemoryMailbox<MailboxItem>(clock);
    this.crm = new MemoryCrm(ID_PREFIXES[this.spec.crmObject] ?? 'a0X', crmFieldsOf(this.spec.mapping), clock);
  }

  async create(side: ModelSide, item: MailboxItem | CrmRecord): Promise<string> {
    return side === 'mailbox' ? this.mailbox.add(item as MailboxItem) : this.crm.insert(item as CrmRecord);
  }

  async edit(side: ModelSide, id: string, patch: Partial<MailboxItem> | CrmRecord): Promise<void> {
    if (side === 'mailbox') {
      this.mailbox.edit(id, patch as Partial<MailboxItem>);
    } else {
      this.crm.edit(id, patch as CrmRecord);
    }
  }

  async remove(side: ModelSide, id: string): Promise<void> {
    if (side === 'mailbox') {
      this.mailbox.remove(id);
    } else {
      this.crm.remove(id);
    }
  }

  async mailboxItem(id: string): Promise<MailboxItem> {
    return this.mailbox.get(id);
  }

  async list(side: ModelSide): Promise<{ id: string; values: MappedValues }[]> {
    if (side === 'mailbox') {
      return this.mailbox.all().map((entry) => ({ id: entry.id, values: projectMailboxItem(this.spec.mapping, entry.item) }));
    }
    return this.crm.all().map((entry) => ({ id: entry.id, values: projectCrmRecord(this.spec.mapping, entry.record) }));
  }

  async links(): Promise<readonly Link[]> {
    return (await this.store.loadSyncState(this.mailboxId, this.spec.kind)).links;
  }

  wireFaults(): readonly SourceFault[] {
    return [];
  }

  async runSession(injector: SessionInjector): Promise<SessionReport> {
    return runMailboxSession({
      mailbox: { id: this.mailboxId, orgId: 'org-model', kind: 'graph', address: `model-${this.run}@contoso.example.com`, timeZone: 'Europe/Berlin' },
      kinds: [
        {
          mapping: this.spec.mapping,
          mailboxSource: injector.wrapSource('mailbox', this.mailbox),
          crmSource: injector.wrapSource('crm', this.wrapCrm(this.crm)),
          crmRecordUrl: (id) => `https://model.example.com/${id}`,
        },
      ],
      store: injector.wrapStore(this.store),
      policy: defaultSyncPolicy,
      window: WINDOW,
      logger: createSilentLogger(),
    });
  }
}

/**
 * The Salesforce emulator behind the real record source and connection, and the mailbox in memory: the world for wire
 * fidelity. Salesforce throttling and token expiry are the emulator's own faults, raised before the session's n-th
 * REST request, and the real connector must absorb them: it waits as long as Retry-After requests (the waits are
 * recorded, not slept) and gets a new token, also when the first token request fails. Other faults and crashes go through the
 * injector.
 */
export class EmulatorKindBackend implements KindBackend {
  /** Waits the Salesforce connector asked for, in milliseconds, per session of the current run. */
  readonly waits: number[][] = [];

  private constructor(
    readonly spec: KindSpec,
    private readonly harness: KindsHarness,
  ) {}

  static async start(spec: KindSpec): Promise<EmulatorKindBackend> {
    return new EmulatorKindBackend(spec, await KindsHarness.start());
  }

  async close(): Promise<void> {
    await this.harness.close();
  }

  async reset(): Promise<void> {
    await this.harness.reset();
    this.waits.length = 0;
  }

  async create(side: ModelSide, item: MailboxItem | CrmRecord): Promise<string> {
    if (side === 'mailbox') {
      return this.harness.mailboxOf(this.spec.kind).add(item as MailboxItem);
    }
    const [id] = await this.harness.insert(this.spec.crmObject, [item as CrmRecord]);
    if (id === undefined) {
      throw new Error(`The Salesforce emulator returned no id for the new ${this.spec.crmObject}`);
    }
    return id;
  }

  async edit(side: ModelSide, id: string, patch: Partial<MailboxItem> | CrmRecord): Promise<void> {
    if (side === 'mailbox') {
      this.harness.mailboxOf(this.spec.kind).edit(id, patch as Partial<MailboxItem>);
    } else {
      await this.harness.edit(this.spec.crmObject, id, patch as CrmRecord);
    }
  }

  async remove(side: ModelSide, id: string): Promise<void> {
    if (side === 'mailbox') {
      this.harness.mailboxOf(this.spec.kind).remove(id);
    } else {
      await this.harness.remove(this.spec.crmObject, id);
    }
  }

  async mailboxItem(id: string): Promise<MailboxItem> {
    return this.harness.mailboxOf(this.spec.kind).get(id);
  }

  async list(side: ModelSide): Promise<{ id: string; values: MappedValues }[]> {
    if (side === 'mailbox') {
      return this.harness
        .mailboxOf(this.spec.kind)
        .all()
        .map((entry) => ({ id: entry.id, values: projectMailboxItem(this.spec.mapping, entry.item) }));
    }
    return (await this.harness.records(this.spec.crmObject)).map((record) => ({ id: record.Id, values: projectCrmRecord(this.spec.mapping, record) }));
  }

  async links(): Promise<readonly Link[]> {
    return (await this.harness.store.loadSyncState(this.harness.mailbox.id, this.spec.kind)).links;
  }

  wireFaults(faults: readonly SourceFault[]): readonly SourceFault[] {
    return faults.filter((fault) => fault.side === 'crm' && (fault.type === 'throttle' || fault.type === 'tokenExpiry'));
  }

  async runSession(injector: SessionInjector, wireFaults: readonly SourceFault[]): Promise<SessionReport> {
    const wire = new WireFaults(this.harness.salesforceUrl, wireFaults);
    const waits: number[] = [];
    this.waits.push(waits);
    const report = await this.harness.runSession({
      kinds: [this.spec.kind],
      fetch: wire.fetch,
      sleep: async (ms) => {
        waits.push(ms);
      },
      wrapMailbox: (source) => injector.wrapSource('mailbox', source),
      wrapCrm: (source) => injector.wrapSource('crm', source),
      wrapStore: (store) => injector.wrapStore(store),
    });
    await this.harness.clearFaults();
    injector.fired.push(...wire.fired);
    if (wire.fired.some((line) => line.includes('throttle')) && !waits.includes(1_000)) {
      injector.fired.push(`${PROBLEM_PREFIX}the connector did not wait the 1 s Retry-After (waits ${JSON.stringify(waits)})`);
    }
    return report;
  }
}

/**
 * A fetch in front of the Salesforce emulator that raises the emulator's faults right before the n-th REST request of
 * a session: a throttle (403 REQUEST_LIMIT_EXCEEDED with Retry-After 1) or expired access tokens. With
 * `refreshFailsOnce` the next token request fails with 503 once, as from a token endpoint that is briefly down.
 */
class WireFaults {
  readonly fired: string[] = [];
  private requests = 0;
  private failNextTokenRequest = false;

  constructor(
    private readonly baseUrl: string,
    private readonly faults: readonly SourceFault[],
  ) {}

  readonly fetch: typeof globalThis.fetch = async (input, init) => {
    let url: string;
    if (typeof input === 'string') {
      url = input;
    } else if (input instanceof URL) {
      url = input.href;
    } else {
      url = input.url;
    }
    if (url.includes('/services/oauth2/token') && this.failNextTokenRequest) {
      this.failNextTokenRequest = false;
      this.fired.push('Salesforce token request answered 503');
      return new Response(JSON.stringify({ error: 'server_unavailable', error_description: 'try again later' }), { status: 503, headers: { 'content-type': 'application/json' } });
    }
    if (url.includes('/services/data/')) {
      this.requests += 1;
      for (const fault of this.faults) {
        if (fault.type === 'throttle' && fault.nth === this.requests) {
          await this.admin({ faults: [{ type: 'throttle', count: 1, retryAfterSeconds: 1 }] });
          this.fired.push(`Salesforce request ${this.requests} throttled`);
        }
        if (fault.type === 'tokenExpiry' && fault.nth === this.requests) {
          await this.admin({ faults: [{ type: 'expireTokens' }] });
          this.failNextTokenRequest = fault.refreshFailsOnce;
          this.fired.push(`Salesforce access token expired before request ${this.requests}`);
        }
      }
    }
    return globalThis.fetch(input, init);
  };

  private async admin(body: unknown): Promise<void> {
    const response = await globalThis.fetch(`${this.baseUrl}/_admin/faults`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    if (!response.ok) {
      throw new Error(`Arming a Salesforce emulator fault failed with HTTP ${response.status}`);
    }
  }
}
