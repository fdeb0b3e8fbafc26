import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';

import type { MailboxTask } from '../src/domain/task.ts';
import { defaultSyncPolicy, type SyncPolicy } from '../src/sync/index.ts';
import { KindsHarness } from './support/kinds-harness.ts';
import { mailboxTask } from './support/planner-fixtures.ts';
import { quarantineEntry } from './support/store-fixtures.ts';
import { postgresSchemaTarget, type StoreTarget } from './support/store-targets.ts';

function task(subject: string, overrides: Partial<MailboxTask> = {}): MailboxTask {
  return mailboxTask({ subject, status: 'notStarted', importance: 'normal', ...overrides });
}

function withTaskDeletion(deletion: SyncPolicy['deletions']['task']): Partial<SyncPolicy> {
  return { deletions: { ...defaultSyncPolicy.deletions, task: deletion } };
}

const TARGETS: ReadonlyArray<{ name: string; makeTarget: (() => StoreTarget) | null }> = [
  { name: 'sqlite', makeTarget: null },
  { name: 'postgres', makeTarget: postgresSchemaTarget },
];

describe.each(TARGETS)('deletions and reviews on $name', ({ makeTarget }) => {
  let harness: KindsHarness;
  const target = makeTarget?.() ?? null;

  beforeEach(async () => {
    if (target === null) {
      harness = await KindsHarness.start();
      return;
    }
    harness = await KindsHarness.start({
      openStore: async () => {
        const store = await target.open();
        await store.truncateAll();
        return store;
      },
    });
  });

  afterEach(async () => {
    await harness.close();
  });

  afterAll(async () => {
    await target?.dispose();
  });

  async function syncTasks(policy: Partial<SyncPolicy> = {}) {
    return harness.runSession({ kinds: ['task'], policy });
  }

  describe('deletion policy per kind', () => {
    it('keep unlinks without resurrecting', async () => {
      const id = harness.tasks.add(task('Call Ana'));
      await syncTasks();
      const [record] = await harness.records('Task');

      harness.tasks.remove(id);
      const deleted = await syncTasks(withTaskDeletion({ action: 'keep' }));
      expect(deleted.writes.crm).toEqual({ created: 0, updated: 0, deleted: 0 });
      expect((await harness.records('Task')).map((entry) => entry.Id)).toEqual([record?.Id]);
      expect(await harness.store.listQuarantine(harness.mailbox.id)).toEqual([]);

      await harness.edit('Task', record!.Id, { Subject: 'Call Ana again' });
      const later = await syncTasks(withTaskDeletion({ action: 'keep' }));
      expect(later.writes.mailbox).toEqual({ created: 0, updated: 0, deleted: 0 });
      expect(harness.tasks.all()).toEqual([]);
    });

    it('mark sets the marker field', async () => {
      const id = harness.tasks.add(task('Send the contract'));
      await syncTasks();

      harness.tasks.remove(id);
      const marked = await syncTasks(withTaskDeletion({ action: 'mark', field: 'Status', value: 'Deferred' }));
      expect(marked.writes.crm).toEqual({ created: 0, updated: 1, deleted: 0 });
      const [record] = await harness.records('Task');
      expect(record).toMatchObject({ Subject: 'Send the contract', Status: 'Deferred' });

      const again = await syncTasks(withTaskDeletion({ action: 'mark', field: 'Status', value: 'Deferred' }));
      expect(again.writes.crm).toEqual({ created: 0, updated: 0, deleted: 0 });
      expect(harness.tasks.all()).toEqual([]);
    });

    it('delete quarantines the record', async () => {
      const id = harness.tasks.add(task('Book the venue', { body: 'Two rooms' }));
      await syncTasks();
      const [record] = await harness.records('Task');

      harness.tasks.remove(id);
      const deleted = await syncTasks();
      expect(deleted.writes.crm.deleted).toBe(1);
      expect(await harness.records('Task')).toEqual([]);

      const [entry] = await harness.store.listQuarantine(harness.mailbox.id);
      expect(entry).toMatchObject({ objectKind: 'task', side: 'crm', itemId: record?.Id, otherItemId: id, restoredAt: null });
      expect(entry?.values).toMatchObject({ subject: 'Book the venue', description: 'Two rooms' });
    });
  });

  describe('quarantine restore', () => {
    it('restores a Salesforce task', async () => {
      const id = harness.tasks.add(task('Renew the licence'));
      await syncTasks();
      harness.tasks.remove(id);
      await syncTasks();
      const [entry] = await harness.store.listQuarantine(harness.mailbox.id);

      expect(await harness.store.requestQuarantineRestore(entry!.id, new Date().toISOString())).toBe(true);
      const restored = await syncTasks();

      expect(restored.writes.crm.created).toBe(1);
      expect(await harness.records('Task')).toEqual([expect.objectContaining({ Subject: 'Renew the licence' })]);
      expect((await harness.store.getQuarantineEntry(entry!.id))?.restoredAt).not.toBeNull();
      const state = await harness.store.loadSyncState(harness.mailbox.id, 'task');
      expect(state.links).toEqual([expect.objectContaining({ syncId: entry?.syncId, tombstone: 'mailbox' })]);

      // The restored record is not copied into the mailbox, and restoring twice is refused.
      const quiet = await syncTasks();
      expect(quiet.writes.mailbox).toEqual({ created: 0, updated: 0, deleted: 0 });
      expect(quiet.writes.crm).toEqual({ created: 0, updated: 0, deleted: 0 });
      expect(harness.tasks.all()).toEqual([]);
      expect(await harness.store.requestQuarantineRestore(entry!.id, new Date().toISOString())).toBe(false);
    });

    it('restores a mailbox task copy', async () => {
      const [recordId] = await harness.insert('Task', [{ Subject: 'Order toner', Status: 'Not Started', Priority: 'Normal' }]);
      await syncTasks();
      expect(harness.tasks.all()).toHaveLength(1);

      await harness.remove('Task', recordId!);
      const deleted = await syncTasks();
      expect(deleted.writes.mailbox.deleted).toBe(1);
      const [entry] = await harness.store.listQuarantine(harness.mailbox.id);
      expect(entry).toMatchObject({ side: 'mailbox', otherItemId: recordId });

      await harness.store.requestQuarantineRestore(entry!.id, new Date().toISOString());
      const restored = await syncTasks();
      expect(restored.writes.mailbox.created).toBe(1);
      expect(harness.tasks.all().map((stored) => stored.item.subject)).toEqual(['Order toner']);
      expect(await harness.records('Task')).toEqual([]);
    });

    it('purges entries past retention', async () => {
      const old = new Date(Date.now() - 40 * 24 * 60 * 60 * 1000).toISOString();
      const recent = new Date(Date.now() - 5 * 24 * 60 * 60 * 1000).toISOString();
      await harness.store.commitSession({
        mailboxId: harness.mailbox.id,
        objectKind: 'task',
        upsertLinks: [],
        deleteLinks: [],
        cursors: {},
        resolvedIntents: [],
        pending: [],
        conflicts: [],
        quarantine: [quarantineEntry(harness.mailbox.id, 'q-old', old, { objectKind: 'task' }), quarantineEntry(harness.mailbox.id, 'q-recent', recent, { objectKind: 'task' })],
      });

      await syncTasks({ quarantineDays: 30 });
      expect((await harness.store.listQuarantine(harness.mailbox.id)).map((entry) => entry.id)).toEqual(['q-recent']);
      await syncTasks({ quarantineDays: 3 });
      expect(await harness.store.listQuarantine(harness.mailbox.id)).toEqual([]);
    });
  });

  describe('events', () => {
    it('restores a meeting at its time', async () => {
      const [recordId] = await harness.insert('Event', [{ Subject: 'Design review', StartDateTime: '2026-12-14T13:00:00.000Z', EndDateTime: '2026-12-14T14:00:00.000Z' }]);
      await harness.runSession({ kinds: ['event'] });
      expect(harness.events.all()).toHaveLength(1);

      await harness.remove('Event', recordId!);
      await harness.runSession({ kinds: ['event'] });
      expect(harness.events.all()).toEqual([]);
      const [entry] = await harness.store.listQuarantine(harness.mailbox.id);
      expect(entry).toMatchObject({ objectKind: 'event', side: 'mailbox' });

      await harness.store.requestQuarantineRestore(entry!.id, new Date().toISOString());
      const restored = await harness.runSession({ kinds: ['event'] });
      expect(restored.writes.mailbox.created).toBe(1);
      const [meeting] = harness.events.all();
      expect(meeting?.item.subject).toBe('Design review');
      expect(meeting?.item.span).toMatchObject({ kind: 'timed' });
      expect(meeting?.item.span.kind === 'timed' ? Date.parse(meeting.item.span.start) : null).toBe(Date.parse('2026-12-14T13:00:00.000Z'));
    });

    it('undoes a conflict on a meeting', async () => {
      const [recordId] = await harness.insert('Event', [{ Subject: 'Budget', Location: 'Room 1', StartDateTime: '2026-12-15T09:00:00.000Z', EndDateTime: '2026-12-15T10:00:00.000Z' }]);
      await harness.runSession({ kinds: ['event'] });
      const [meeting] = harness.events.all();
      harness.events.edit(meeting!.id, { location: 'Room 2' });
      await harness.edit('Event', recordId!, { Location: 'Room 3' });
      await harness.runSession({ kinds: ['event'], policy: { conflict: 'crmWins' } });
      expect(harness.events.get(meeting!.id).location).toBe('Room 3');

      const [decision] = await harness.store.listConflicts(harness.mailbox.id, 'event', 1);
      await harness.store.requestConflictUndo({ mailboxId: harness.mailbox.id, objectKind: 'event', seq: decision!.seq, syncId: decision!.syncId, field: decision!.field, value: decision!.mailboxValue, side: 'mailbox', requestedAt: new Date().toISOString() });
      const undone = await harness.runSession({ kinds: ['event'], policy: { conflict: 'crmWins' } });

      expect(undone.writes.crm.updated).toBe(1);
      expect(harness.events.get(meeting!.id).location).toBe('Room 2');
      expect((await harness.records('Event'))[0]).toMatchObject({ Location: 'Room 2', Subject: 'Budget' });
      expect(harness.events.get(meeting!.id).subject).toBe('Budget');
    });
  });

  describe('breaker decisions', () => {
    const SUBJECTS = ['One', 'Two', 'Three', 'Four', 'Five', 'Six', 'Seven', 'Eight'];

    async function deleteAllInMailbox(): Promise<void> {
      for (const subject of SUBJECTS) {
        harness.tasks.add(task(subject));
      }
      await syncTasks();
      for (const stored of harness.tasks.all()) {
        harness.tasks.remove(stored.id);
      }
      const held = await syncTasks();
      expect(held.status).toBe('needsReview');
      expect(held.writes.crm.deleted).toBe(0);
      expect(await harness.store.listHeldDeletions(harness.mailbox.id)).toHaveLength(SUBJECTS.length);
    }

    it('undecided deletions stay held', async () => {
      await deleteAllInMailbox();
      const again = await syncTasks();
      expect(again.status).toBe('needsReview');
      expect(await harness.records('Task')).toHaveLength(SUBJECTS.length);
      expect((await harness.store.listHeldDeletions(harness.mailbox.id)).every((held) => held.decision === null && held.side === 'crm')).toBe(true);
    });

    it('confirmed deletions are made', async () => {
      await deleteAllInMailbox();
      expect(await harness.store.decideHeldDeletions(harness.mailbox.id, 'confirm')).toBe(SUBJECTS.length);

      const confirmed = await syncTasks();
      expect(confirmed.status).toBe('ok');
      expect(confirmed.writes.crm.deleted).toBe(SUBJECTS.length);
      expect(await harness.records('Task')).toEqual([]);
      expect(await harness.store.listHeldDeletions(harness.mailbox.id)).toEqual([]);
      expect(await harness.store.listQuarantine(harness.mailbox.id)).toHaveLength(SUBJECTS.length);

      const quiet = await syncTasks();
      expect(quiet.writes.crm).toEqual({ created: 0, updated: 0, deleted: 0 });
    });

    it('rejected deletions are undone', async () => {
      await deleteAllInMailbox();
      const linksBefore = (await harness.store.loadSyncState(harness.mailbox.id, 'task')).links.map((link) => link.syncId).sort();
      await harness.store.decideHeldDeletions(harness.mailbox.id, 'reject');

      const rejected = await syncTasks();
      expect(rejected.status).toBe('ok');
      expect(rejected.writes.mailbox.created).toBe(SUBJECTS.length);
      expect(rejected.writes.crm).toEqual({ created: 0, updated: 0, deleted: 0 });
      expect(harness.tasks.all().map((stored) => stored.item.subject).sort()).toEqual([...SUBJECTS].sort());
      const links = (await harness.store.loadSyncState(harness.mailbox.id, 'task')).links;
      expect(links.map((link) => link.syncId).sort()).toEqual(linksBefore);
      expect(await harness.store.listHeldDeletions(harness.mailbox.id)).toEqual([]);

      // The pairs work as before: an edit in the mailbox reaches Salesforce, and nothing is made twice.
      const first = harness.tasks.all()[0]!;
      harness.tasks.edit(first.id, { subject: `${first.item.subject} (moved)` });
      const edited = await syncTasks();
      expect(edited.writes.crm).toEqual({ created: 0, updated: 1, deleted: 0 });
      expect(edited.writes.mailbox).toEqual({ created: 0, updated: 0, deleted: 0 });
      expect(await harness.records('Task')).toHaveLength(SUBJECTS.length);
    });
  });

  describe('conflict undo', () => {
    it('undo writes the losing value', async () => {
      const id = harness.tasks.add(task('Draft the plan'));
      await syncTasks();
      const [record] = await harness.records('Task');

      harness.tasks.edit(id, { subject: 'Draft the plan (mailbox)' });
      await harness.edit('Task', record!.Id, { Subject: 'Draft the plan (Salesforce)' });
      const conflicted = await syncTasks({ conflict: 'mailboxWins' });
      expect(conflicted.conflicts).toBe(1);
      expect((await harness.records('Task'))[0]?.Subject).toBe('Draft the plan (mailbox)');

      const [decision] = await harness.store.listConflicts(harness.mailbox.id, 'task', 1);
      expect(decision).toMatchObject({ field: 'subject', winner: 'mailbox', crmValue: 'Draft the plan (Salesforce)' });
      await harness.store.requestConflictUndo({
        mailboxId: harness.mailbox.id,
        objectKind: 'task',
        seq: decision!.seq,
        syncId: decision!.syncId,
        field: 'subject',
        value: decision!.crmValue,
        side: 'crm',
        requestedAt: new Date().toISOString(),
      });

      const undone = await syncTasks({ conflict: 'mailboxWins' });
      expect(undone.writes.crm.updated).toBe(1);
      expect(undone.writes.mailbox.updated).toBe(1);
      expect(harness.tasks.get(id).subject).toBe('Draft the plan (Salesforce)');
      expect((await harness.records('Task'))[0]?.Subject).toBe('Draft the plan (Salesforce)');
      const [undo] = await harness.store.listConflicts(harness.mailbox.id, 'task', 1);
      expect(undo).toMatchObject({ undoes: decision!.seq, winner: 'crm', field: 'subject', crmValue: 'Draft the plan (Salesforce)' });
      expect(await harness.store.findUndoOf(harness.mailbox.id, 'task', decision!.seq)).toBe(undo!.seq);
      expect((await harness.store.loadReviewState(harness.mailbox.id, 'task')).undos).toEqual([]);

      const quiet = await syncTasks({ conflict: 'mailboxWins' });
      expect(quiet.writes.crm).toEqual({ created: 0, updated: 0, deleted: 0 });
      expect(quiet.writes.mailbox).toEqual({ created: 0, updated: 0, deleted: 0 });
    });

    it('newer edit drops the undo', async () => {
      const id = harness.tasks.add(task('Plan the offsite'));
      await syncTasks();
      const [record] = await harness.records('Task');
      harness.tasks.edit(id, { subject: 'Offsite (mailbox)' });
      await harness.edit('Task', record!.Id, { Subject: 'Offsite (Salesforce)' });
      await syncTasks({ conflict: 'mailboxWins' });
      const [decision] = await harness.store.listConflicts(harness.mailbox.id, 'task', 1);
      await harness.store.requestConflictUndo({ mailboxId: harness.mailbox.id, objectKind: 'task', seq: decision!.seq, syncId: decision!.syncId, field: 'subject', value: decision!.crmValue, side: 'crm', requestedAt: new Date().toISOString() });

      harness.tasks.edit(id, { subject: 'Offsite, final' });
      const report = await syncTasks({ conflict: 'mailboxWins' });
      expect(report.notes.join('\n')).toContain('the newer edit stands');
      expect((await harness.records('Task'))[0]?.Subject).toBe('Offsite, final');
      expect((await harness.store.loadReviewState(harness.mailbox.id, 'task')).undos).toEqual([]);
      expect(await harness.store.findUndoOf(harness.mailbox.id, 'task', decision!.seq)).toBeNull();
    });
  });
});
