import { describe, expect, it } from 'vitest';
import type { Change, ItemSource, SyncWindow } from '../../src/domain/connector.ts';
import { isConnectorError } from '../../src/domain/errors.ts';

/**
 * The ItemSource contract every mailbox connector keeps, written once and run per connector against its emulator:
 * pull from a cursor, create, read, find by sync id, update (guarded by the version where the side has one),
 * delete, edits made by other clients, and an expired cursor followed by a full read without duplicates.
 */

export interface ContractSubject<T> {
  readonly source: ItemSource<T>;
  /** Change an item through another client, as a user would. */
  editOutside(id: string): Promise<void>;
  /** Make the side refuse the cursors it issued so far. */
  expireCursor(): Promise<void>;
}

export interface ContractOptions<T> {
  readonly window: SyncWindow;
  /** A fresh side (a new mailbox) for each case. */
  newSubject(): Promise<ContractSubject<T>>;
  /** A valid new item; `n` makes items differ. */
  sample(n: number): T;
  /** A change to apply to `sample(n)`. */
  patch(n: number): Partial<T>;
  /** The fields that must survive a round trip through the side. */
  comparable(item: T): unknown;
  /** False for a side that cannot refuse an update computed against an old version (no If-Match). */
  readonly guardsVersion: boolean;
}

function upserts<T>(changes: readonly Change<T>[]): Extract<Change<T>, { kind: 'upsert' }>[] {
  return changes.filter((change): change is Extract<Change<T>, { kind: 'upsert' }> => change.kind === 'upsert');
}

async function create<T>(source: ItemSource<T>, item: T, syncId: string): Promise<{ id: string; version: string | null }> {
  const [result] = await source.applyWrites([{ op: 'create', ref: 'c', syncId, item }]);
  if (!result?.ok) {
    throw new Error(`create failed: ${JSON.stringify(result)}`);
  }
  return { id: result.id, version: result.version };
}

export function describeItemSourceContract<T>(name: string, options: ContractOptions<T>): void {
  const { window } = options;

  describe(`${name} ItemSource contract`, () => {
    it('lists nothing on an empty side', async () => {
      const { source } = await options.newSubject();
      const pull = await source.pullChanges(null, window);
      expect(pull.changes).toEqual([]);
      expect(pull.isFullListing).toBe(true);
      expect(pull.nextCursor).not.toBe('');
    });

    it('reports a create with its sync id', async () => {
      const { source } = await options.newSubject();
      const first = await source.pullChanges(null, window);
      const created = await create(source, options.sample(1), 'sync-contract-1');

      const pull = await source.pullChanges(first.nextCursor, window);
      const [change] = upserts(pull.changes);
      expect(pull.changes).toHaveLength(1);
      expect(pull.isFullListing).toBe(false);
      expect(change?.id).toBe(created.id);
      expect(change?.syncId).toBe('sync-contract-1');
      expect(change?.version).toBe(created.version);
      expect(options.comparable(change?.item as T)).toEqual(options.comparable(options.sample(1)));
    });

    it('reads and finds items', async () => {
      const { source } = await options.newSubject();
      const created = await create(source, options.sample(2), 'sync-contract-2');

      const read = await source.readItems([created.id, 'no-such-item-id']);
      expect([...read.keys()]).toEqual([created.id]);
      expect(options.comparable(read.get(created.id)?.item as T)).toEqual(options.comparable(options.sample(2)));
      const found = await source.findBySyncIds(['sync-contract-2', 'sync-unknown']);
      expect([...found.keys()]).toEqual(['sync-contract-2']);
      expect(found.get('sync-contract-2')?.id).toBe(created.id);
    });

    it('updates an item and reports the change', async () => {
      const { source } = await options.newSubject();
      const created = await create(source, options.sample(3), 'sync-contract-3');
      const cursor = (await source.pullChanges(null, window)).nextCursor;

      const [updated] = await source.applyWrites([{ op: 'update', ref: 'u', id: created.id, patch: options.patch(3), expectedVersion: created.version }]);
      expect(updated?.ok).toBe(true);
      const pull = await source.pullChanges(cursor, window);
      const change = upserts(pull.changes).find((candidate) => candidate.id === created.id);
      expect(options.comparable(change?.item as T)).toEqual(options.comparable({ ...options.sample(3), ...options.patch(3) }));
      expect(change?.version).not.toBe(created.version);
      expect(change?.syncId).toBe('sync-contract-3');
    });

    it.runIf(options.guardsVersion)('refuses an update against an old version', async () => {
      const subject = await options.newSubject();
      const created = await create(subject.source, options.sample(4), 'sync-contract-4');
      await subject.editOutside(created.id);

      const [result] = await subject.source.applyWrites([{ op: 'update', ref: 'u', id: created.id, patch: options.patch(4), expectedVersion: created.version }]);
      expect(result?.ok).toBe(false);
      expect(result?.ok === false && result.failure.kind).toBe('conflict');
    });

    it('reports edits made by another client', async () => {
      const subject = await options.newSubject();
      const created = await create(subject.source, options.sample(5), 'sync-contract-5');
      const cursor = (await subject.source.pullChanges(null, window)).nextCursor;

      await subject.editOutside(created.id);
      const pull = await subject.source.pullChanges(cursor, window);
      const change = upserts(pull.changes).find((candidate) => candidate.id === created.id);
      expect(change).toBeDefined();
      expect(change?.version).not.toBe(created.version);
    });

    it('deletes an item, and a repeated delete succeeds', async () => {
      const { source } = await options.newSubject();
      const created = await create(source, options.sample(6), 'sync-contract-6');
      const cursor = (await source.pullChanges(null, window)).nextCursor;

      const [deleted] = await source.applyWrites([{ op: 'delete', ref: 'd', id: created.id }]);
      expect(deleted?.ok).toBe(true);
      const pull = await source.pullChanges(cursor, window);
      expect(pull.changes).toEqual([{ kind: 'delete', id: created.id, mayStillExist: false }]);
      expect((await source.readItems([created.id])).size).toBe(0);
      const [again] = await source.applyWrites([{ op: 'delete', ref: 'd2', id: created.id }]);
      expect(again?.ok).toBe(true);
    });

    it('expires its cursor, and a full read lists each item once', async () => {
      const subject = await options.newSubject();
      const kept = await create(subject.source, options.sample(7), 'sync-contract-7');
      const gone = await create(subject.source, options.sample(8), 'sync-contract-8');
      const cursor = (await subject.source.pullChanges(null, window)).nextCursor;
      await subject.source.applyWrites([{ op: 'delete', ref: 'd', id: gone.id }]);
      await subject.expireCursor();

      const error = await subject.source.pullChanges(cursor, window).then(() => null, (caught: unknown) => caught);
      expect(isConnectorError(error, 'cursorExpired')).toBe(true);
      const full = await subject.source.pullChanges(null, window);
      expect(full.isFullListing).toBe(true);
      expect(full.changes.map((change) => change.id)).toEqual([kept.id]);
      expect(upserts(full.changes)[0]?.syncId).toBe('sync-contract-7');
    });
  });
}
