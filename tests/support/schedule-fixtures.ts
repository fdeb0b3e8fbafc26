import type { Failure } from '../../src/domain/errors.ts';
import type { SessionReport, SessionStatus } from '../../src/domain/session-report.ts';
import { createSilentLogger } from '../../src/observability/logger.ts';
import { openStore, type SynclineStore } from '../../src/store/index.ts';

/** An in-memory SQLite store with one org and the given mailboxes. */
export async function scheduleStore(mailboxIds: readonly string[]): Promise<SynclineStore> {
  const store = await openStore({ kind: 'sqlite', path: ':memory:' }, createSilentLogger());
  await store.upsertOrg({ id: 'org-1', name: 'Contoso' });
  for (const id of mailboxIds) {
    await store.upsertMailbox({ id, orgId: 'org-1', kind: 'graph', address: `${id}@contoso.example`, timeZone: 'Europe/Berlin' });
  }
  return store;
}

/** The report of a session that read and wrote nothing, with the given outcome. */
export function outcomeReport(mailboxId: string, status: SessionStatus, startedAt: Date, failure?: Failure): SessionReport {
  const zero = { created: 0, updated: 0, deleted: 0 };
  return {
    sessionId: `s-${mailboxId}-${startedAt.getTime()}-${Math.random().toString(36).slice(2)}`,
    mailboxId,
    mailbox: `${mailboxId}@contoso.example`,
    kind: 'graph',
    status,
    startedAt: startedAt.toISOString(),
    endedAt: startedAt.toISOString(),
    fullRead: { mailbox: false, crm: false },
    reads: { mailbox: 0, crm: 0 },
    writes: { mailbox: zero, crm: zero, byObject: {} },
    apiCalls: { mailbox: 1, crm: 1 },
    conflicts: 0,
    itemErrors: [],
    notes: status === 'failed' ? [failure?.message ?? 'failed'] : [],
    ...(failure ? { failure } : {}),
  };
}
