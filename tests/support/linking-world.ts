import { SalesforceRecordClient } from '../../src/crm/salesforce/record-client.ts';
import { SalesforceRestClient } from '../../src/crm/salesforce/rest-client.ts';
import { SalesforcePeopleDirectory } from '../../src/crm/salesforce/people/salesforce-people-directory.ts';
import type { LinkRequest, PersonRef } from '../../src/domain/linking.ts';
import { createLinkResolver } from '../../src/linking/link-resolver.ts';
import type { LinkingState, PeopleDirectory } from '../../src/linking/ports.ts';
import { DEFAULT_LINKING_SETTINGS, type LinkingSettings } from '../../src/linking/settings.ts';
import { createSilentLogger } from '../../src/observability/logger.ts';
import type { SynclineStore } from '../../src/store/index.ts';
import { sqliteFileTarget } from './store-targets.ts';
import { startSalesforceEmulator, type RunningSalesforceEmulator, type SalesforceEmulatorOptions } from '../../emulators/salesforce/server.ts';

const CLIENT = { clientId: 'linking-test', clientSecret: 'linking-test-secret', refreshTokens: ['linking-test-refresh'] };
const AUTH = { kind: 'refreshToken' as const, clientId: CLIENT.clientId, clientSecret: CLIENT.clientSecret, refreshToken: 'linking-test-refresh' };
export const ORG_ID = 'acme';

/** Deep-partial settings for one test. */
export type SettingsPatch = Partial<Omit<LinkingSettings, 'autoResolve'>> & { autoResolve?: Partial<LinkingSettings['autoResolve']> };

export function settingsWith(patch: SettingsPatch = {}): LinkingSettings {
  return { ...DEFAULT_LINKING_SETTINGS, ...patch, autoResolve: { ...DEFAULT_LINKING_SETTINGS.autoResolve, ...patch.autoResolve } };
}

/** The Salesforce emulator with two users, a second email field on Contact, and helpers to seed and read records. */
export class LinkingWorld {
  ownerA = '';
  ownerB = '';

  private constructor(readonly emulator: RunningSalesforceEmulator) {}

  static async start(options: SalesforceEmulatorOptions = {}): Promise<LinkingWorld> {
    const emulator = await startSalesforceEmulator({
      clients: [CLIENT],
      users: [
        { Username: 'ada@acme.test', Email: 'ada@acme.test', Name: 'Ada Owner' },
        { Username: 'bob@acme.test', Email: 'bob@acme.test', Name: 'Bob Owner' },
      ],
      customFields: [{ sobject: 'Contact', name: 'Secondary_Email__c', type: 'email' }],
      ...options,
    });
    const world = new LinkingWorld(emulator);
    const users = await world.records('User');
    world.ownerA = String(users.find((user) => user.Username === 'ada@acme.test')?.Id);
    world.ownerB = String(users.find((user) => user.Username === 'bob@acme.test')?.Id);
    return world;
  }

  /** Build a fresh REST client and directory, so API calls can be counted per test. */
  directory(emailFields = DEFAULT_LINKING_SETTINGS.emailFields): { directory: SalesforcePeopleDirectory; rest: SalesforceRestClient; records: SalesforceRecordClient } {
    const logger = createSilentLogger();
    const rest = new SalesforceRestClient({ loginUrl: this.emulator.url, auth: AUTH, apiVersion: '62.0', logger, fetch });
    const records = new SalesforceRecordClient({ rest, logger });
    return { directory: new SalesforcePeopleDirectory({ rest, records, logger, emailFields }), rest, records };
  }

  resolver(state: LinkingState, settings: LinkingSettings, options: { directory?: PeopleDirectory; userBlocklist?: (owner: string) => readonly string[] } = {}) {
    return createLinkResolver({
      orgId: ORG_ID,
      directory: options.directory ?? this.directory(settings.emailFields).directory,
      state,
      settings,
      logger: createSilentLogger(),
      pollMs: 20,
      ...(options.userBlocklist === undefined ? {} : { userBlocklist: options.userBlocklist }),
    });
  }

  async seed(sobject: string, records: Record<string, unknown>[]): Promise<string[]> {
    const response = await this.admin('POST', 'records', { sobject, records });
    if (response.status !== 201) {
      throw new Error(`seeding ${sobject} failed: ${JSON.stringify(response.body)}`);
    }
    return (response.body as { ids: string[] }).ids;
  }

  async records(sobject: string): Promise<Record<string, unknown>[]> {
    const response = await this.admin('GET', `records/${sobject}`);
    return ((response.body as { records: Record<string, unknown>[] }).records).filter((record) => record.IsDeleted !== true);
  }

  async apiCalls(): Promise<number> {
    return ((await this.admin('GET', 'stats')).body as { apiCalls: number }).apiCalls;
  }

  async reset(): Promise<void> {
    await this.admin('POST', 'reset');
    const users = await this.records('User');
    this.ownerA = String(users.find((user) => user.Username === 'ada@acme.test')?.Id);
    this.ownerB = String(users.find((user) => user.Username === 'bob@acme.test')?.Id);
  }

  async admin(method: string, path: string, body?: unknown): Promise<{ status: number; body: unknown }> {
    const response = await fetch(`${this.emulator.url}/_admin/${path}`, {
      method,
      ...(body === undefined ? {} : { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }),
    });
    const text = await response.text();
    return { status: response.status, body: text === '' ? undefined : JSON.parse(text) };
  }

  close(): Promise<void> {
    return this.emulator.close();
  }
}

/** Build an activity's link request. */
export function request(ownerUserId: string, people: (string | [string, string | null, PersonRef['role']?])[], extra: Partial<LinkRequest> = {}): LinkRequest {
  return {
    orgId: ORG_ID,
    ownerUserId,
    activity: 'EmailMessage',
    people: people.map((person, index) => {
      const [address, name, role] = typeof person === 'string' ? [person, null, undefined] : person;
      return { address, name, role: role ?? (index === 0 ? 'from' : 'to') };
    }),
    signatureText: null,
    isBulk: false,
    ...extra,
  };
}

/** A linking world with a SQLite store in a temporary folder, and the function that closes both. */
export interface LinkingWorldWithStore {
  readonly world: LinkingWorld;
  readonly store: SynclineStore;
  close(): Promise<void>;
}

/** Starts a linking world and opens a SQLite store beside it. A failed open stops the world again. */
export async function openLinkingWorld(): Promise<LinkingWorldWithStore> {
  const world = await LinkingWorld.start();
  const target = sqliteFileTarget();
  let store: SynclineStore;
  try {
    store = await target.open();
  } catch (error) {
    await target.dispose();
    await world.close();
    throw error;
  }
  return {
    world,
    store,
    async close() {
      await store.close();
      await target.dispose();
      await world.close();
    },
  };
}
