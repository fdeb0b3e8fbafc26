import type { Side } from '../domain/glossary.ts';
import { OBJECT_KINDS, type MappedValues, type ObjectKind } from '../domain/link.ts';
import type { QuarantineEntry } from '../domain/sync-store.ts';
import { parseConflictId, type RecordedConflict, type SynclineStore } from '../store/index.ts';

/**
 * The admins' review requests, shared by the CLI (`syncline conflicts undo`, `syncline quarantine restore`) and the
 * dashboard's API. Each only records the request in the store, and the next session of the mailbox carries it out.
 * So both callers report that to the user, and the API requests a session at once.
 */

type ReviewStore = Pick<SynclineStore, 'getConflict' | 'findUndoOf' | 'requestConflictUndo' | 'getQuarantineEntry' | 'requestQuarantineRestore'>;

/** Outcome of a request: recorded by this call, or an identical request was already pending. */
type RequestStatus = 'requested' | 'alreadyRequested';

type ConflictUndoResult =
  | { readonly kind: 'malformedId' }
  | { readonly kind: 'notFound' }
  | { readonly kind: 'alreadyUndone'; readonly decision: RecordedConflict; readonly undoneBy: string }
  | { readonly kind: 'recorded'; readonly decision: RecordedConflict; readonly side: Side; readonly status: RequestStatus };

/**
 * Ask the next session of the decision's mailbox to write the value that lost back to both sides. `mailboxId`, when
 * given, must be the decision's mailbox, so an id of another mailbox reads as unknown.
 */
export async function requestUndo(store: ReviewStore, id: string, now: Date, mailboxId?: string): Promise<ConflictUndoResult> {
  const key = parseConflictId(id);
  if (key === null || !(OBJECT_KINDS as readonly string[]).includes(key.objectKind) || !isLedgerNumber(key.seq)) {
    return { kind: 'malformedId' };
  }
  if (mailboxId !== undefined && key.mailboxId !== mailboxId) {
    return { kind: 'notFound' };
  }
  const objectKind = key.objectKind as ObjectKind;
  const decision = await store.getConflict(key.mailboxId, objectKind, key.seq);
  if (decision === null) {
    return { kind: 'notFound' };
  }
  const undoneBy = await store.findUndoOf(key.mailboxId, objectKind, key.seq);
  if (undoneBy !== null) {
    return { kind: 'alreadyUndone', decision, undoneBy: `${key.mailboxId}/${objectKind}/${undoneBy}` };
  }

  const side: Side = decision.winner === 'mailbox' ? 'crm' : 'mailbox';
  const recorded = await store.requestConflictUndo({
    mailboxId: decision.mailboxId,
    objectKind,
    seq: decision.seq,
    syncId: decision.syncId,
    field: decision.field,
    value: side === 'mailbox' ? decision.mailboxValue : decision.crmValue,
    side,
    requestedAt: now.toISOString(),
  });
  return { kind: 'recorded', decision, side, status: recorded ? 'requested' : 'alreadyRequested' };
}

/** Ledger numbers are stored as 32-bit integers. A larger number names no decision, and PostgreSQL rejects comparing it. */
const MAX_LEDGER_NUMBER = 2_147_483_647;

function isLedgerNumber(seq: number): boolean {
  return Number.isSafeInteger(seq) && seq >= 1 && seq <= MAX_LEDGER_NUMBER;
}

type RestoreResult =
  | { readonly kind: 'notFound' }
  | { readonly kind: 'expired'; readonly entry: QuarantineEntry; readonly expiredAt: string }
  | { readonly kind: 'alreadyRestored'; readonly entry: QuarantineEntry; readonly restoredAt: string }
  | { readonly kind: 'recorded'; readonly entry: QuarantineEntry; readonly status: RequestStatus };

/**
 * Ask the next session of the entry's mailbox to make the item again on the side it was deleted from. `mailboxId`,
 * when given, must be the entry's mailbox, so an entry of another mailbox reads as unknown. With `quarantineDays`, an
 * entry past its time is rejected even before a session purged it, so the result matches the list's "expired". A
 * request recorded earlier stays valid: sessions never purge an entry whose restore is pending.
 */
export async function requestRestore(store: ReviewStore, id: string, now: Date, mailboxId?: string, quarantineDays?: number): Promise<RestoreResult> {
  const entry = await store.getQuarantineEntry(id.trim());
  if (entry === null || (mailboxId !== undefined && entry.mailboxId !== mailboxId)) {
    return { kind: 'notFound' };
  }
  if (entry.restoredAt !== null) {
    return { kind: 'alreadyRestored', entry, restoredAt: entry.restoredAt };
  }
  if (quarantineDays !== undefined && entry.restoreRequestedAt === null && isQuarantineExpired(entry, quarantineDays, now)) {
    return { kind: 'expired', entry, expiredAt: quarantineExpiry(entry, quarantineDays).toISOString() };
  }
  const recorded = await store.requestQuarantineRestore(entry.id, now.toISOString());
  return { kind: 'recorded', entry, status: recorded ? 'requested' : 'alreadyRequested' };
}

/** Return a short name for an item from its mapped values: the subject, the person's name, the email address, or `fallback`. */
export function itemTitle(values: MappedValues, fallback: string): string {
  const text = (key: string): string => {
    const value = values[key];
    return typeof value === 'string' ? value.trim() : '';
  };
  const name = [text('firstName'), text('lastName')].filter((part) => part !== '').join(' ');
  return text('subject') || name || text('email') || fallback;
}

const DAY_MS = 24 * 60 * 60 * 1000;

/** Compute the instant the quarantine time of the entry ends. Sessions purge it from then on (see purgeQuarantine). */
export function quarantineExpiry(entry: QuarantineEntry, quarantineDays: number): Date {
  return new Date(Date.parse(entry.deletedAt) + quarantineDays * DAY_MS);
}

/** Return true when the entry's time is up, so the next session of its kind purges it unless a restore is pending. */
export function isQuarantineExpired(entry: QuarantineEntry, quarantineDays: number, now: Date): boolean {
  return quarantineExpiry(entry, quarantineDays).getTime() < now.getTime();
}

/** Count the whole days until the quarantine purges the entry, 0 once its time is up. */
export function quarantineDaysLeft(entry: QuarantineEntry, quarantineDays: number, now: Date): number {
  return Math.max(0, Math.ceil((quarantineExpiry(entry, quarantineDays).getTime() - now.getTime()) / DAY_MS));
}
