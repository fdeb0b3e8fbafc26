import type { ItemErrorReport, SessionReport } from '../domain/session-report.ts';

/**
 * Fields of the line logged after each session is recorded: counts, status and ids only. The mailbox address, item
 * subjects and bodies stay out of it, because logs travel further than the store.
 */
export function sessionLogFields(report: SessionReport): Record<string, unknown> {
  const durationMs = Date.parse(report.endedAt) - Date.parse(report.startedAt);
  return {
    sessionId: report.sessionId,
    kind: report.kind,
    status: report.status,
    durationMs: Number.isFinite(durationMs) ? durationMs : null,
    fullRead: report.fullRead,
    reads: report.reads,
    writes: report.writes,
    apiCalls: report.apiCalls,
    conflicts: report.conflicts,
    itemErrors: report.itemErrors.length,
    notes: report.notes,
  };
}

/** One session as `syncline sync --once --json` prints it. */
export interface SessionSummary {
  readonly sessionId: string;
  readonly mailboxId: string;
  readonly mailbox: string;
  readonly kind: string;
  readonly status: SessionReport['status'];
  readonly startedAt: string;
  readonly endedAt: string;
  readonly reads: SessionReport['reads'];
  readonly writes: SessionReport['writes'];
  readonly apiCalls: SessionReport['apiCalls'];
  readonly conflicts: number;
  readonly itemErrors: readonly ItemErrorReport[];
  readonly notes: readonly string[];
  /** Present when the mailbox's org saves emails. */
  readonly emailsSaved?: number;
  readonly emailSaving?: SessionReport['emailSaving'];
  readonly linked?: number;
  readonly autoCreated?: SessionReport['autoCreated'];
}

export function toSessionSummary(report: SessionReport): SessionSummary {
  return {
    sessionId: report.sessionId,
    mailboxId: report.mailboxId,
    mailbox: report.mailbox,
    kind: report.kind,
    status: report.status,
    startedAt: report.startedAt,
    endedAt: report.endedAt,
    reads: report.reads,
    writes: report.writes,
    apiCalls: report.apiCalls,
    conflicts: report.conflicts,
    itemErrors: report.itemErrors,
    notes: report.notes,
    ...(report.emailsSaved === undefined ? {} : { emailsSaved: report.emailsSaved }),
    ...(report.emailSaving === undefined ? {} : { emailSaving: report.emailSaving }),
    ...(report.linked === undefined ? {} : { linked: report.linked }),
    ...(report.autoCreated === undefined ? {} : { autoCreated: report.autoCreated }),
  };
}

/** Format a one-line summary for the terminal, e.g. `ok: Salesforce +3 ~1 -0, mailbox +2 ~0 -0, 7 API calls`. */
export function describeSession(report: SessionReport): string {
  const side = (counts: SessionReport['writes']['crm']) => `+${counts.created} ~${counts.updated} -${counts.deleted}`;
  const calls = report.apiCalls.crm + report.apiCalls.mailbox;
  const errors = report.itemErrors.length === 0 ? '' : `, ${report.itemErrors.length} item errors`;
  return `${report.status}: Salesforce ${side(report.writes.crm)}, mailbox ${side(report.writes.mailbox)}${emailPart(report)}, ${calls} API calls${errors}`;
}

/** `, 5 emails saved (7 records linked, 1 Lead created)` when the org saves emails, else empty. */
function emailPart(report: SessionReport): string {
  if (report.emailsSaved === undefined) {
    return '';
  }
  const created = Object.entries(report.autoCreated ?? {}).filter(([, count]) => count > 0).map(([object, count]) => `${count} ${object}${count === 1 ? '' : 's'} created`);
  const details = [`${report.linked ?? 0} records linked`, ...created].join(', ');
  return `, ${report.emailsSaved} emails saved (${details})`;
}
