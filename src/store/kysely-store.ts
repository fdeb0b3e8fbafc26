import type { Kysely } from 'kysely';
import type { MailboxRecord, OrgRecord } from '../domain/accounts.ts';
import type { Intent, ObjectKind, PlannedBase } from '../domain/link.ts';
import type { MailboxSchedule } from '../domain/mailbox-state.ts';
import type { SessionReport } from '../domain/session-report.ts';
import type { SessionCommit, SyncState } from '../domain/sync-store.ts';
import type { Logger } from '../observability/logger.ts';
import * as accounts from './account-queries.ts';
import { commitSession } from './commit-session.ts';
import { listConflicts, type RecordedConflict } from './conflict-ledger.ts';
import * as schedules from './mailbox-schedules.ts';
import * as subscriptions from './mailbox-subscriptions.ts';
import type { MailboxSubscription } from './mailbox-subscriptions.ts';
import { TABLES_CHILDREN_FIRST, type SynclineDatabase } from './database.ts';
import { migrateToLatest } from './migrate.ts';
import { acquireSessionLease, breakSessionLease, releaseSessionLease } from './session-leases.ts';
import { recordPlannedBases } from './planned-bases.ts';
import * as sessions from './session-log-queries.ts';
import * as streamPositions from './stream-positions.ts';
import { loadSyncState, recordIntents } from './sync-state-queries.ts';
import type { SynclineStore } from './syncline-store.ts';
import * as heartbeats from './worker-heartbeats.ts';

/** The store over either database: the dialect is chosen when the Kysely instance is built. */
export class KyselyStore implements SynclineStore {
  constructor(
    private readonly db: Kysely<SynclineDatabase>,
    private readonly logger: Logger,
    private readonly migrationSchema?: string,
  ) {}

  migrate(): Promise<void> {
    return migrateToLatest(this.db, this.logger, this.migrationSchema);
  }

  close(): Promise<void> {
    return this.db.destroy();
  }

  async truncateAll(): Promise<void> {
    await this.db.transaction().execute(async (trx) => {
      await streamPositions.clearReplayIds(trx);
      await schedules.clearSchedules(trx);
      await heartbeats.clearWorkerHeartbeats(trx);
      await subscriptions.clearMailboxSubscriptions(trx);
      for (const table of TABLES_CHILDREN_FIRST) {
        await trx.deleteFrom(table).execute();
      }
    });
  }

  loadSyncState(mailboxId: string, objectKind: ObjectKind): Promise<SyncState> {
    return loadSyncState(this.db, mailboxId, objectKind);
  }

  recordIntents(intents: readonly Intent[]): Promise<void> {
    return recordIntents(this.db, intents);
  }

  recordPlannedBases(planned: readonly PlannedBase[]): Promise<void> {
    return recordPlannedBases(this.db, planned);
  }

  commitSession(commit: SessionCommit): Promise<void> {
    return commitSession(this.db, commit);
  }

  acquireSessionLease(mailboxId: string, holder: string, ttlMs: number): Promise<boolean> {
    return acquireSessionLease(this.db, mailboxId, holder, ttlMs);
  }

  releaseSessionLease(mailboxId: string, holder: string): Promise<void> {
    return releaseSessionLease(this.db, mailboxId, holder);
  }

  breakSessionLease(mailboxId: string): Promise<void> {
    return breakSessionLease(this.db, mailboxId);
  }

  beatWorker(workerId: string, at: string): Promise<void> {
    return heartbeats.beatWorker(this.db, workerId, at);
  }

  listStaleWorkers(before: string): Promise<string[]> {
    return heartbeats.listStaleWorkers(this.db, before);
  }

  forgetWorkers(workerIds: readonly string[]): Promise<void> {
    return heartbeats.forgetWorkers(this.db, workerIds);
  }

  listConflicts(mailboxId: string, objectKind: ObjectKind, limit: number): Promise<RecordedConflict[]> {
    return listConflicts(this.db, mailboxId, objectKind, limit);
  }

  upsertOrg(org: OrgRecord): Promise<void> {
    return accounts.upsertOrg(this.db, org);
  }

  upsertMailbox(mailbox: MailboxRecord): Promise<void> {
    return accounts.upsertMailbox(this.db, mailbox);
  }

  listMailboxes(orgId?: string): Promise<MailboxRecord[]> {
    return accounts.listMailboxes(this.db, orgId);
  }

  getMailbox(id: string): Promise<MailboxRecord | null> {
    return accounts.getMailbox(this.db, id);
  }

  recordSession(report: SessionReport): Promise<void> {
    return sessions.recordSession(this.db, report);
  }

  listSessions(mailboxId: string, limit: number): Promise<SessionReport[]> {
    return sessions.listSessions(this.db, mailboxId, limit);
  }

  loadSchedule(mailboxId: string): Promise<MailboxSchedule | null> {
    return schedules.loadSchedule(this.db, mailboxId);
  }

  listSchedules(orgId?: string): Promise<MailboxSchedule[]> {
    return schedules.listSchedules(this.db, orgId);
  }

  saveSchedule(schedule: MailboxSchedule): Promise<void> {
    return schedules.saveSchedule(this.db, schedule);
  }

  loadMailboxSubscription(mailboxId: string): Promise<MailboxSubscription | null> {
    return subscriptions.loadMailboxSubscription(this.db, mailboxId);
  }

  findMailboxSubscription(subscriptionId: string): Promise<MailboxSubscription | null> {
    return subscriptions.findMailboxSubscription(this.db, subscriptionId);
  }

  saveMailboxSubscription(subscription: MailboxSubscription): Promise<void> {
    return subscriptions.saveMailboxSubscription(this.db, subscription);
  }

  deleteMailboxSubscription(mailboxId: string): Promise<void> {
    return subscriptions.deleteMailboxSubscription(this.db, mailboxId);
  }

  mailboxesOfCrmRecords(recordIds: readonly string[]): Promise<Map<string, string[]>> {
    return subscriptions.mailboxesOfCrmRecords(this.db, recordIds);
  }

  loadReplayId(orgId: string, channel: string): Promise<number | null> {
    return streamPositions.loadReplayId(this.db, orgId, channel);
  }

  saveReplayId(orgId: string, channel: string, replayId: number): Promise<void> {
    return streamPositions.saveReplayId(this.db, orgId, channel, replayId);
  }
}
