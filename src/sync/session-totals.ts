import type { Failure } from '../domain/errors.ts';
import type { Side } from '../domain/glossary.ts';
import type { ObjectKind } from '../domain/link.ts';
import type { SessionReport, SessionStatus, WriteCounts } from '../domain/session-report.ts';
import type { KindOutcome } from './kind-types.ts';
import { objectTypeOf } from './object-types/index.ts';

/** The report fields a session computes; the session adds its ids and times. */
export type ReportFields = Omit<SessionReport, 'sessionId' | 'mailboxId' | 'mailbox' | 'kind' | 'startedAt' | 'endedAt'>;

interface KindIdentity {
  readonly kind: ObjectKind;
  readonly crmObject: string;
}

/** The end of one kind of a session: synced, failed, or skipped because its mailbox source is missing. */
export type KindResult =
  | (KindIdentity & { readonly outcome: KindOutcome; readonly apiCalls: Readonly<Record<Side, number>> })
  | (KindIdentity & {
      /** `committed`: the writes of the chunks of a full listing committed before the kind failed. They stay. */
      readonly failed: { readonly note: string; readonly failure?: Failure; readonly committed?: Readonly<Record<Side, WriteCounts>> };
      readonly apiCalls: Readonly<Record<Side, number>>;
    })
  | (KindIdentity & { readonly skipped: string });

export function emptyReportFields(): ReportFields {
  return {
    status: 'ok',
    fullRead: { mailbox: false, crm: false },
    reads: { mailbox: 0, crm: 0 },
    writes: { mailbox: zeroCounts(), crm: zeroCounts(), byObject: {} },
    apiCalls: { mailbox: 0, crm: 0 },
    conflicts: 0,
    itemErrors: [],
    notes: [],
  };
}

/**
 * Add up the kinds of a session. The status is `failed` only when every kind that ran failed, and then the report
 * carries the first failure so the scheduler can suspend on it. A failed kind beside one that committed makes the
 * session `partial`. With more than one kind, each note names its kind.
 */
export function sessionFields(results: readonly KindResult[], nameKinds: boolean): ReportFields {
  const fields = mutableFields();
  const ran = results.filter((result) => !('skipped' in result));
  const failures = ran.flatMap((result) => ('failed' in result ? [result.failed] : []));
  const label = (result: KindResult, note: string) => (nameKinds ? `${capitalize(objectTypeOf(result.kind).label)}s: ${note}` : note);

  for (const result of results) {
    if ('skipped' in result) {
      fields.notes.push(label(result, result.skipped));
      continue;
    }
    addSides(fields.apiCalls, result.apiCalls);
    if ('failed' in result) {
      fields.notes.push(label(result, result.failed.note));
      addWrites(fields, result.crmObject, result.failed.committed);
      continue;
    }

    const outcome = result.outcome;
    for (const side of ['mailbox', 'crm'] as const) {
      fields.fullRead[side] ||= outcome.fullRead[side];
      fields.reads[side] += outcome.reads[side];
    }
    addWrites(fields, result.crmObject, outcome.writes);
    fields.conflicts += outcome.conflicts;
    fields.itemErrors.push(...outcome.itemErrors);
    fields.notes.push(...outcome.notes.map((note) => label(result, note)));
  }

  const statuses = ran.flatMap((result) => ('outcome' in result ? [result.outcome.status] : []));
  const firstFailure = failures.find((failed) => failed.failure !== undefined)?.failure;
  const allFailed = ran.length > 0 && failures.length === ran.length;
  return {
    status: allFailed ? 'failed' : combinedStatus(statuses, failures.length > 0),
    fullRead: fields.fullRead,
    reads: fields.reads,
    writes: { mailbox: fields.writes.mailbox, crm: fields.writes.crm, byObject: fields.byObject },
    apiCalls: fields.apiCalls,
    conflicts: fields.conflicts,
    itemErrors: fields.itemErrors,
    notes: fields.notes,
    ...(allFailed && firstFailure !== undefined ? { failure: firstFailure } : {}),
  };
}

function combinedStatus(statuses: readonly KindOutcome['status'][], someFailed: boolean): SessionStatus {
  if (statuses.includes('needsReview')) {
    return 'needsReview';
  }
  return someFailed || statuses.includes('partial') ? 'partial' : 'ok';
}

/** Build the fields of a kind's debug line: counts only. */
export function kindSummary(outcome: KindOutcome): Record<string, unknown> {
  return { status: outcome.status, reads: outcome.reads, writes: outcome.writes, conflicts: outcome.conflicts, itemErrors: outcome.itemErrors.length };
}

type MutableCounts = { created: number; updated: number; deleted: number };
type MutableObjectCounts = MutableCounts & { mailbox: MutableCounts; crm: MutableCounts };

function mutableFields() {
  return {
    fullRead: { mailbox: false, crm: false },
    reads: { mailbox: 0, crm: 0 },
    writes: { mailbox: zeroCounts(), crm: zeroCounts() },
    byObject: {} as Record<string, MutableObjectCounts>,
    apiCalls: { mailbox: 0, crm: 0 },
    conflicts: 0,
    itemErrors: [] as ReportFields['itemErrors'][number][],
    notes: [] as string[],
  };
}

/** Add a kind's writes to the session's, per side and per Salesforce object. */
function addWrites(fields: ReturnType<typeof mutableFields>, crmObject: string, writes: Readonly<Record<Side, WriteCounts>> | undefined): void {
  if (writes === undefined) {
    return;
  }
  addCounts(fields.writes.mailbox, writes.mailbox);
  addCounts(fields.writes.crm, writes.crm);
  addObjectCounts(fields.byObject, crmObject, writes);
}

/** Counts per Salesforce object; kinds that share one object (calendar items kept as Tasks) add up. */
function addObjectCounts(byObject: Record<string, MutableObjectCounts>, crmObject: string, writes: Readonly<Record<Side, WriteCounts>>): void {
  const entry = (byObject[crmObject] ??= { ...zeroCounts(), mailbox: zeroCounts(), crm: zeroCounts() });
  for (const side of ['mailbox', 'crm'] as const) {
    addCounts(entry[side], writes[side]);
    addCounts(entry, writes[side]);
  }
}

function addCounts(target: MutableCounts, counts: WriteCounts): void {
  target.created += counts.created;
  target.updated += counts.updated;
  target.deleted += counts.deleted;
}

function addSides(target: Record<Side, number>, values: Readonly<Record<Side, number>>): void {
  target.mailbox += values.mailbox;
  target.crm += values.crm;
}

function zeroCounts(): MutableCounts {
  return { created: 0, updated: 0, deleted: 0 };
}

function capitalize(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}
