import { isConnectorError } from '../domain/errors.ts';
import type { Side } from '../domain/glossary.ts';
import type { MappedValue, ObjectKind } from '../domain/link.ts';
import { planKind } from './kind-session.ts';
import type { MailboxSessionOptions } from './mailbox-session.ts';
import type { PairAction, PlannedWrite } from './plan.ts';
import { fullReadNotes } from './pull-with-recovery.ts';

/** One change a session would make: a write to one side, or a field conflict it would settle. */
export interface PlannedChange {
  readonly side: Side;
  /** `unsync`: an admin's un-sync rule removes the mailbox item and the Salesforce record stays (docs/unsync.md). */
  readonly op: 'create' | 'update' | 'delete' | 'conflict' | 'unsync';
  /** The Salesforce object of the kind's table (`Event`, `Task`, `Contact`). */
  readonly object: string;
  readonly objectKind: ObjectKind;
  /** The item written on `side`; null for a create. For a conflict, the item of the winning side. */
  readonly id: string | null;
  readonly syncId: string;
  /**
   * The mapped values written (for a delete, none). For a conflict, per field: the base, both sides' values and
   * why the winner won.
   */
  readonly fields: Readonly<Record<string, MappedValue>>;
  /** For `unsync`, the name of the rule that matched. */
  readonly rule?: string;
}

/** The planned changes of one mailbox's session. */
export interface SessionPlan {
  readonly mailbox: string;
  readonly mailboxId: string;
  readonly actions: readonly PlannedChange[];
  /** Deletions the breaker would hold back, kinds a session skips, sides read in full. */
  readonly notes: readonly string[];
  /** Kinds whose pull or planning failed, each with the reason: a session would fail for them. */
  readonly failures: readonly string[];
}

/**
 * Plans a session of a mailbox without running it: pull and plan each kind, then stop. Nothing is written to either
 * side or to the store, not even the session lease, the intents or the cursors. The next real session therefore
 * reads the same changes and makes the changes this plan shows, unless someone edits a side in between.
 */
export async function planMailboxSession(options: MailboxSessionOptions): Promise<SessionPlan> {
  const actions: PlannedChange[] = [];
  const notes: string[] = [];
  const failures: string[] = [];
  for (const kind of options.kinds.filter((candidate) => candidate.mapping.direction !== 'off')) {
    const { mapping } = kind;
    const mailboxSource = kind.mailboxSource;
    if (mailboxSource === null) {
      notes.push(`${mapping.crmObject}: the ${options.mailbox.kind} mailbox connector cannot read this kind yet, so a session skips it`);
      continue;
    }
    try {
      const planned = await planKind(kind, mailboxSource, {
        mailboxId: options.mailbox.id,
        mailboxAddress: options.mailbox.address,
        mailboxTimeZone: options.mailbox.timeZone,
        store: options.store,
        policy: options.policy,
        window: options.window,
        logger: options.logger.child({ objectKind: mapping.kind, dryRun: true }),
      });
      // Screening without claiming shows which copies another synced mailbox's Event stands for, and writes nothing.
      const screened = kind.sharedMeetings === undefined ? planned.valve.actions : (await kind.sharedMeetings.screen(planned.valve.actions, options.logger, false)).actions;
      for (const action of screened) {
        actions.push(...changesOf(action, mapping.crmObject, mapping.kind));
      }
      notes.push(...[...planned.valve.notes, ...planned.reviewed.notes, ...planned.plan.notes].map((note) => `${mapping.crmObject}: ${note}`));
      notes.push(...fullReadNotes({ mailbox: planned.mailboxReason, crm: planned.crmReason }).map((note) => `${mapping.crmObject}: ${note}`));
    } catch (error) {
      failures.push(`${mapping.crmObject}: ${failureReason(error)}`);
    }
  }
  return { mailbox: options.mailbox.address, mailboxId: options.mailbox.id, actions, notes, failures };
}

function failureReason(error: unknown): string {
  if (isConnectorError(error)) {
    return `${error.failure.kind}: ${error.failure.message} (${error.failure.code})`;
  }
  return error instanceof Error ? error.message : String(error);
}

function changesOf(action: PairAction, object: string, objectKind: ObjectKind): PlannedChange[] {
  const changes: PlannedChange[] = [];
  const write = (side: Side, planned: PlannedWrite | null, id: string | null) => {
    if (planned === null) {
      return;
    }
    if (side === 'mailbox' && planned.op === 'delete' && action.unsyncRule !== undefined) {
      changes.push({ side, op: 'unsync', object, objectKind, id, syncId: action.syncId, fields: removedEventFields(action), rule: action.unsyncRule });
      return;
    }
    changes.push({
      side,
      op: planned.op,
      object,
      objectKind,
      id: planned.op === 'create' ? null : id,
      syncId: action.syncId,
      fields: planned.op === 'delete' ? {} : planned.op === 'update' && planned.marker !== undefined ? { ...planned.values, [planned.marker.field]: planned.marker.value } : planned.values,
    });
  };
  write('mailbox', action.mailboxWrite, action.mailboxItemId);
  write('crm', action.crmWrite, action.crmRecordId);

  for (const conflict of action.conflicts) {
    changes.push({
      side: conflict.winner,
      op: 'conflict',
      object,
      objectKind,
      id: conflict.winner === 'crm' ? action.crmRecordId : action.mailboxItemId,
      syncId: action.syncId,
      fields: {
        [conflict.field]: { base: conflict.baseValue, mailbox: conflict.mailboxValue, crm: conflict.crmValue, reason: conflict.reason },
      },
    });
  }
  return changes;
}

/** Return the subject and time of a calendar item an un-sync rule removes, so a person can tell which one it is. */
function removedEventFields(action: PairAction): Record<string, MappedValue> {
  const values = action.deletedValues ?? {};
  return Object.fromEntries(['subject', 'span'].filter((key) => values[key] !== undefined).map((key) => [key, values[key] as MappedValue]));
}
