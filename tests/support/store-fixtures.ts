import type { MailboxRecord } from '../../src/domain/accounts.ts';
import type { ConflictDecision, Link, PendingItem } from '../../src/domain/link.ts';
import type { SessionReport } from '../../src/domain/session-report.ts';
import type { QuarantineEntry, SessionCommit } from '../../src/domain/sync-store.ts';

/** Builders of store records for tests; each takes overrides so a test states only what it checks. */
export const ORG_ID = 'org-1';

export function mailbox(id: string, overrides: Partial<MailboxRecord> = {}): MailboxRecord {
  return { id, orgId: ORG_ID, kind: 'graph', address: `${id}@contoso.example`, timeZone: 'Europe/Paris', ...overrides };
}

export function link(mailboxId: string, n: number, overrides: Partial<Link> = {}): Link {
  return {
    mailboxId,
    objectKind: 'event',
    syncId: `sync-${n}`,
    mailboxItemId: `AAMkAD-${n}`,
    crmRecordId: `00U000000000${String(n).padStart(6, '0')}`,
    mailboxVersion: `ck-${n}`,
    crmVersion: '2026-05-04T10:00:00.000Z',
    base: { subject: `Meeting ${n}`, start: '2026-05-04T09:00:00Z' },
    baseHash: `hash-${n}`,
    origin: n % 2 === 0 ? 'mailbox' : 'crm',
    tombstone: null,
    ...overrides,
  };
}

export function pendingItem(mailboxId: string, itemId: string, overrides: Partial<PendingItem> = {}): PendingItem {
  return {
    mailboxId,
    objectKind: 'event',
    side: 'crm',
    itemId,
    code: 'FIELD_CUSTOM_VALIDATION_EXCEPTION',
    message: 'Subject is required',
    attempts: 1,
    ...overrides,
  };
}

export function conflict(mailboxId: string, syncId: string, field: string): ConflictDecision {
  return {
    mailboxId,
    objectKind: 'event',
    syncId,
    field,
    baseValue: 'Base',
    mailboxValue: { text: 'Mailbox ✓', tags: ['a', 1, null] },
    crmValue: null,
    winner: 'mailbox',
    reason: 'latestWins: mailbox modified 2026-05-04T10:00:00Z after crm 09:58:00Z',
  };
}

export function quarantineEntry(mailboxId: string, id: string, deletedAt: string, overrides: Partial<QuarantineEntry> = {}): QuarantineEntry {
  return {
    id,
    mailboxId,
    objectKind: 'event',
    side: 'crm',
    itemId: `00U-${id}`,
    otherItemId: `AAMkAD-${id}`,
    syncId: `sync-${id}`,
    values: { subject: `Meeting ${id}` },
    origin: 'mailbox',
    reason: 'deleted in the mailbox: delete in Salesforce',
    deletedAt,
    restoreRequestedAt: null,
    restoredAt: null,
    ...overrides,
  };
}

/** Builds a commit that changes nothing, for a test to spread with the parts it sets. */
export function emptyCommit(mailboxId: string, pending: readonly PendingItem[] = []): SessionCommit {
  return {
    mailboxId,
    objectKind: 'event',
    upsertLinks: [],
    deleteLinks: [],
    cursors: {},
    resolvedIntents: [],
    pending,
    conflicts: [],
  };
}

export function sessionReport(sessionId: string, mailboxId: string, startedAt: string): SessionReport {
  return {
    sessionId,
    mailboxId,
    mailbox: `${mailboxId}@contoso.example`,
    kind: 'event',
    status: 'partial',
    startedAt,
    endedAt: startedAt,
    fullRead: { mailbox: false, crm: true },
    reads: { mailbox: 3, crm: 7 },
    writes: {
      mailbox: { created: 1, updated: 2, deleted: 0 },
      crm: { created: 0, updated: 1, deleted: 1 },
      byObject: { Event: { created: 1, updated: 3, deleted: 1, mailbox: { created: 1, updated: 2, deleted: 0 }, crm: { created: 0, updated: 1, deleted: 1 } } },
    },
    apiCalls: { mailbox: 4, crm: 2 },
    conflicts: 1,
    itemErrors: [
      {
        side: 'crm',
        itemId: 'AAMkAD-9',
        syncId: 'sync-9',
        code: 'FIELD_CUSTOM_VALIDATION_EXCEPTION',
        message: 'Subject is required',
        recordUrl: null,
      },
    ],
    notes: [],
  };
}

export function bySyncId<T extends { readonly syncId: string }>(items: readonly T[]): T[] {
  // Code-unit order, the same on every machine, unlike localeCompare.
  return [...items].sort((a, b) => {
    if (a.syncId === b.syncId) {
      return 0;
    }
    return a.syncId < b.syncId ? -1 : 1;
  });
}
