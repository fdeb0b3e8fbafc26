import type { Kysely } from 'kysely';
import type { MailboxRecord, OrgRecord } from '../domain/accounts.ts';
import type { CredentialRow } from '../domain/credentials.ts';
import type { EmailSaveCommit, EmailSaveState, SavedEmailEntry, SavedThreads } from '../domain/email-saves.ts';
import type { Intent, ObjectKind, PlannedBase } from '../domain/link.ts';
import type { MailboxSchedule } from '../domain/mailbox-state.ts';
import type { SessionReport } from '../domain/session-report.ts';
import type { ConflictUndo, HeldDeletion, QuarantineEntry, ReviewState, SessionCommit, SyncState } from '../domain/sync-store.ts';
import type { SignInSession, UserRecord } from '../domain/users.ts';
import type { Logger } from '../observability/logger.ts';
import * as accounts from './account-queries.ts';
import { commitSession } from './commit-session.ts';
import { findUndoOf, getConflict, listConflicts, loadConflictUndos, requestConflictUndo, type RecordedConflict } from './conflict-ledger.ts';
import * as quarantine from './quarantine.ts';
import * as linkingRecords from './linking-records.ts';
import * as sharedMeetings from './shared-meetings.ts';
import * as seriesRegistry from './series-registry.ts';
import type { SeriesRecord } from '../sync/series-mode-types.ts';
import type { MeetingCopyResponse, MeetingHolderState, MeetingOwner } from '../sync/shared-meetings.ts';
import type { LinkExplanationRow, LinkingClaimOutcome, LinkingRecords } from './linking-records.ts';
import * as credentials from './credential-queries.ts';
import * as settingsEdits from './settings-edits.ts';
import type { SettingsEdit } from './settings-edits.ts';
import * as emailSaves from './email-saves.ts';
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
import * as users from './user-queries.ts';
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
      await linkingRecords.clearLinkingRecords(trx);
      await sharedMeetings.clearSharedMeetings(trx);
      await seriesRegistry.clearSeriesRegistry(trx);
      await subscriptions.clearMailboxSubscriptions(trx);
      await users.clearUsers(trx);
      await credentials.clearCredentials(trx);
      await settingsEdits.clearSettingsEdits(trx);
      await emailSaves.clearEmailSaves(trx);
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

  async loadReviewState(mailboxId: string, objectKind: ObjectKind): Promise<ReviewState> {
    const [held, restores, undos] = await Promise.all([
      quarantine.listHeldDeletions(this.db, mailboxId, objectKind),
      quarantine.loadRequestedRestores(this.db, mailboxId, objectKind),
      loadConflictUndos(this.db, mailboxId, objectKind),
    ]);
    return { held, restores, undos };
  }

  listQuarantine(mailboxId: string): Promise<QuarantineEntry[]> {
    return quarantine.listQuarantine(this.db, mailboxId);
  }

  getQuarantineEntry(id: string): Promise<QuarantineEntry | null> {
    return quarantine.getQuarantineEntry(this.db, id);
  }

  requestQuarantineRestore(id: string, at: string): Promise<boolean> {
    return quarantine.requestQuarantineRestore(this.db, id, at);
  }

  listHeldDeletions(mailboxId: string): Promise<HeldDeletion[]> {
    return quarantine.listHeldDeletions(this.db, mailboxId);
  }

  decideHeldDeletions(mailboxId: string, decision: 'confirm' | 'reject'): Promise<number> {
    return quarantine.decideHeldDeletions(this.db, mailboxId, decision);
  }

  decideSeenHeldDeletions(mailboxId: string, decision: 'confirm' | 'reject', version: string): Promise<quarantine.SeenHeldDecision> {
    return quarantine.decideSeenHeldDeletions(this.db, mailboxId, decision, version);
  }

  getConflict(mailboxId: string, objectKind: ObjectKind, seq: number): Promise<RecordedConflict | null> {
    return getConflict(this.db, mailboxId, objectKind, seq);
  }

  findUndoOf(mailboxId: string, objectKind: ObjectKind, seq: number): Promise<number | null> {
    return findUndoOf(this.db, mailboxId, objectKind, seq);
  }

  requestConflictUndo(undo: ConflictUndo): Promise<boolean> {
    return requestConflictUndo(this.db, undo);
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

  listLiveWorkers(since: string): Promise<string[]> {
    return heartbeats.listLiveWorkers(this.db, since);
  }

  forgetWorkers(workerIds: readonly string[]): Promise<void> {
    return heartbeats.forgetWorkers(this.db, workerIds);
  }

  recordLinkExplanations(explanations: Parameters<LinkingRecords['recordLinkExplanations']>[0]): Promise<void> {
    return linkingRecords.recordLinkExplanations(this.db, explanations);
  }

  listLinkExplanations(orgId: string | null, recordId: string): Promise<LinkExplanationRow[]> {
    return linkingRecords.listLinkExplanations(this.db, orgId, recordId);
  }

  claimLinkingKey(orgId: string, key: string, holder: string, ttlMs: number): Promise<LinkingClaimOutcome> {
    return linkingRecords.claimLinkingKey(this.db, orgId, key, holder, ttlMs);
  }

  settleLinkingClaim(orgId: string, key: string, holder: string, recordId: string | null): Promise<void> {
    return linkingRecords.settleLinkingClaim(this.db, orgId, key, holder, recordId);
  }

  claimSharedMeetings(orgId: string, mailboxId: string, meetingKeys: readonly string[], at: string): Promise<Map<string, MeetingOwner>> {
    return sharedMeetings.claimSharedMeetings(this.db, orgId, mailboxId, meetingKeys, at);
  }

  findSharedMeetings(orgId: string, meetingKeys: readonly string[]): Promise<Map<string, MeetingOwner>> {
    return sharedMeetings.findSharedMeetings(this.db, orgId, meetingKeys);
  }

  settleSharedMeetings(orgId: string, mailboxId: string, settled: readonly { meetingKey: string; crmRecordId: string }[]): Promise<void> {
    return sharedMeetings.settleSharedMeetings(this.db, orgId, mailboxId, settled);
  }

  recordSharedMeetingCopies(orgId: string, copies: readonly MeetingCopyResponse[], at: string): Promise<void> {
    return sharedMeetings.recordSharedMeetingCopies(this.db, orgId, copies, at);
  }

  listSharedMeetingCopies(orgId: string, meetingKeys: readonly string[]): Promise<MeetingCopyResponse[]> {
    return sharedMeetings.listSharedMeetingCopies(this.db, orgId, meetingKeys);
  }

  listUnownedMeetingCopies(orgId: string, mailboxId: string): Promise<{ meetingKey: string; mailboxItemId: string }[]> {
    return sharedMeetings.listUnownedMeetingCopies(this.db, orgId, mailboxId);
  }

  forgetMeetingCopyItems(orgId: string, mailboxId: string, mailboxItemIds: readonly string[]): Promise<void> {
    return sharedMeetings.forgetMeetingCopyItems(this.db, orgId, mailboxId, mailboxItemIds);
  }

  releaseSharedMeetings(orgId: string, mailboxId: string, crmRecordIds: readonly string[]): Promise<number> {
    return sharedMeetings.releaseSharedMeetings(this.db, orgId, mailboxId, crmRecordIds);
  }

  recordSharedMeetingSession(orgId: string, mailboxId: string, startedAt: string, endedAt: string): Promise<void> {
    return sharedMeetings.recordSharedMeetingSession(this.db, orgId, mailboxId, startedAt, endedAt);
  }

  sharedMeetingHolderStates(orgId: string, mailboxIds: readonly string[]): Promise<Map<string, MeetingHolderState>> {
    return sharedMeetings.sharedMeetingHolderStates(this.db, orgId, mailboxIds);
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

  listDueSchedules(now: string, limit: number): Promise<MailboxSchedule[]> {
    return schedules.listDueSchedules(this.db, now, limit);
  }

  addMissingSchedules(added: readonly MailboxSchedule[]): Promise<string[]> {
    return schedules.addMissingSchedules(this.db, added);
  }

  loadMailboxSubscription(mailboxId: string, resource: string): Promise<MailboxSubscription | null> {
    return subscriptions.loadMailboxSubscription(this.db, mailboxId, resource);
  }

  listMailboxSubscriptions(mailboxId: string): Promise<MailboxSubscription[]> {
    return subscriptions.listMailboxSubscriptions(this.db, mailboxId);
  }

  findMailboxSubscription(subscriptionId: string): Promise<MailboxSubscription | null> {
    return subscriptions.findMailboxSubscription(this.db, subscriptionId);
  }

  saveMailboxSubscription(subscription: MailboxSubscription): Promise<void> {
    return subscriptions.saveMailboxSubscription(this.db, subscription);
  }

  deleteMailboxSubscription(mailboxId: string, resource: string): Promise<void> {
    return subscriptions.deleteMailboxSubscription(this.db, mailboxId, resource);
  }

  recordSeriesIntent(record: Omit<SeriesRecord, 'crmSeriesId' | 'memberIds'>): Promise<void> {
    return seriesRegistry.recordSeriesIntent(this.db, record);
  }

  settleSeries(mailboxId: string, mailboxSeriesId: string, crmSeriesId: string): Promise<void> {
    return seriesRegistry.settleSeries(this.db, mailboxId, mailboxSeriesId, crmSeriesId);
  }

  recordSeriesMembers(mailboxId: string, mailboxSeriesId: string, memberIds: readonly string[]): Promise<void> {
    return seriesRegistry.recordSeriesMembers(this.db, mailboxId, mailboxSeriesId, memberIds);
  }

  forgetSeries(mailboxId: string, mailboxSeriesIds: readonly string[]): Promise<void> {
    return seriesRegistry.forgetSeries(this.db, mailboxId, mailboxSeriesIds);
  }

  listSeries(mailboxId: string): Promise<SeriesRecord[]> {
    return seriesRegistry.listSeries(this.db, mailboxId);
  }

  linkedEventItems(mailboxId: string, mailboxItemIds: readonly string[]): Promise<Set<string>> {
    return seriesRegistry.linkedEventItems(this.db, mailboxId, mailboxItemIds);
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

  createUser(user: UserRecord): Promise<void> {
    return users.createUser(this.db, user);
  }

  getUser(userId: string): Promise<UserRecord | null> {
    return users.getUser(this.db, userId);
  }

  findUsersByEmail(email: string): Promise<UserRecord[]> {
    return users.findUsersByEmail(this.db, email);
  }

  updatePasswordHash(userId: string, passwordHash: string): Promise<void> {
    return users.updatePasswordHash(this.db, userId, passwordHash);
  }

  createSignInSession(session: SignInSession): Promise<void> {
    return users.createSignInSession(this.db, session);
  }

  loadSignInSession(tokenHash: string): Promise<SignInSession | null> {
    return users.loadSignInSession(this.db, tokenHash);
  }

  deleteSignInSession(tokenHash: string): Promise<void> {
    return users.deleteSignInSession(this.db, tokenHash);
  }

  deleteExpiredSignInSessions(now: string): Promise<number> {
    return users.deleteExpiredSignInSessions(this.db, now);
  }

  loadSettingsEdit(orgId: string, mailboxId: string | null): Promise<SettingsEdit | null> {
    return settingsEdits.loadSettingsEdit(this.db, orgId, mailboxId);
  }

  listSettingsEdits(orgId: string): Promise<SettingsEdit[]> {
    return settingsEdits.listSettingsEdits(this.db, orgId);
  }

  saveSettingsEdit(edit: SettingsEdit): Promise<void> {
    return settingsEdits.saveSettingsEdit(this.db, edit);
  }

  saveCredentialRow(row: CredentialRow): Promise<void> {
    return credentials.saveCredentialRow(this.db, row);
  }

  loadCredentialRow(owner: string, kind: string): Promise<CredentialRow | null> {
    return credentials.loadCredentialRow(this.db, owner, kind);
  }

  deleteCredentialRow(owner: string, kind: string): Promise<void> {
    return credentials.deleteCredentialRow(this.db, owner, kind);
  }

  listCredentialRowsNotUnder(keyId: string, limit: number): Promise<CredentialRow[]> {
    return credentials.listCredentialRowsNotUnder(this.db, keyId, limit);
  }

  replaceCredentialRow(expectedCiphertext: string, row: CredentialRow): Promise<boolean> {
    return credentials.replaceCredentialRow(this.db, expectedCiphertext, row);
  }

  loadEmailSaveState(mailboxId: string): Promise<EmailSaveState> {
    return emailSaves.loadEmailSaveState(this.db, mailboxId);
  }

  findSavedEmails(orgId: string, messageKeys: readonly string[]): Promise<Map<string, SavedEmailEntry>> {
    return emailSaves.findSavedEmails(this.db, orgId, messageKeys);
  }

  findSavedEmailByRecordId(orgId: string, recordId: string): Promise<SavedEmailEntry | null> {
    return emailSaves.findSavedEmailByRecordId(this.db, orgId, recordId);
  }

  findSavedThreads(orgId: string, query: { readonly messageIdHashes: readonly string[]; readonly conversationIds: readonly string[] }): Promise<SavedThreads> {
    return emailSaves.findSavedThreads(this.db, orgId, query);
  }

  findComposeMarks(mailboxId: string, messageIdHashes: readonly string[]): Promise<Set<string>> {
    return emailSaves.findComposeMarks(this.db, mailboxId, messageIdHashes);
  }

  claimEmailKeys(orgId: string, holder: string, messageKeys: readonly string[], ttlMs: number): Promise<string[]> {
    return emailSaves.claimEmailKeys(this.db, orgId, holder, messageKeys, ttlMs);
  }

  releaseEmailKeys(orgId: string, holder: string, messageKeys: readonly string[]): Promise<void> {
    return emailSaves.releaseEmailKeys(this.db, orgId, holder, messageKeys);
  }

  commitEmailSaves(commit: EmailSaveCommit): Promise<void> {
    return emailSaves.commitEmailSaves(this.db, commit);
  }
}
