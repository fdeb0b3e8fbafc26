import type { CrmEventSource, MailboxEventSource } from '../../src/domain/connector.ts';
import type { SessionReport } from '../../src/domain/session-report.ts';
import type { E2eHarness, SessionOverrides } from './e2e-harness.ts';
import { BODIES, LOCATIONS, SUBJECT_WORDS, type ModelCommand, type ModelSide, type SessionFault } from './model-commands.ts';
import { crashOverrides } from './model-crashes.ts';
import { readCrmSide, readMailboxSide, type SideEvent } from './model-sides.ts';
import { crmPatch, crmRecord, FIRST_DAY, mailboxPatch, mailboxSeed } from './model-user-writes.ts';

/** The compared fields a user edits. A time shift changes `span`. */
export const FIELD_KEYS = ['subject', 'span', 'location', 'body'] as const;
export type FieldKey = (typeof FIELD_KEYS)[number];

/**
 * The state of one field, as normalized JSON values: the values it may hold after the last
 * successful session (two when both sides edited it before that session), and the edits made since.
 */
export interface FieldState {
  settled: string[];
  readonly edits: Partial<Record<ModelSide, string>>;
}

/** What the model remembers of one item it created: where, its fields, and where a user deleted it since. */
export interface ModelItem {
  readonly token: string;
  readonly origin: ModelSide;
  readonly fields: Record<FieldKey, FieldState>;
  readonly deletedOn: Set<ModelSide>;
  /**
   * True when the latest deletion hit a copy the engine created in a session that crashed before its commit, so
   * no link names the copy yet. The engine cannot tell that copy from a create that never arrived, so it may
   * create the copy again.
   */
  deletedUnlinkedCopy: boolean;
}

/**
 * Applies model commands to the real system: users editing the Graph and Salesforce emulators, sessions of
 * the engine (plain, crashing, under a fault). It records what it did in `trace` and sessions that failed
 * without a reason in `problems`.
 */
export class ModelWorld {
  readonly items = new Map<string, ModelItem>();
  readonly trace: string[] = [];
  readonly problems: string[] = [];
  private created = 0;

  constructor(private readonly harness: E2eHarness) {}

  async apply(command: ModelCommand): Promise<void> {
    switch (command.kind) {
      case 'create':
        return this.create(command);
      case 'edit':
        return this.edit(command);
      case 'delete':
        return this.remove(command);
      case 'sync':
        return this.session('sync', {}, false);
      case 'crash':
        return this.session(`crash ${command.at}`, crashOverrides(command.at), true);
      case 'faultySync':
        await this.armFault(command.fault, command.nth);
        return this.session(`sync under ${command.fault} #${command.nth}`, {}, true);
      case 'expireDeltaToken':
        await this.harness.graphAdmin('POST', '/_admin/faults', { faults: [{ type: 'expireDeltaTokens' }] });
        this.trace.push('expire the Graph delta token');
        return;
    }
  }

  /** Run one clean session and return its report. A session that does not succeed is recorded as a problem. */
  async cleanSession(label: string): Promise<SessionReport> {
    const report = await this.harness.runSession();
    this.settleAfter(report);
    this.trace.push(`${label}: ${describeReport(report)}`);
    if (report.status !== 'ok') {
      this.problems.push(`${label} ended ${report.status}: ${report.notes.join('; ')} ${JSON.stringify(report.itemErrors)}`);
    }
    return report;
  }

  private async create(command: Extract<ModelCommand, { kind: 'create' }>): Promise<void> {
    this.created += 1;
    const token = `T${String(this.created).padStart(2, '0')}`;
    const subject = `${token} ${SUBJECT_WORDS[command.word]}`;
    const location = LOCATIONS[command.location] ?? null;
    const body = BODIES[command.body] ?? null;
    const start = FIRST_DAY.plus({ days: command.day, minutes: command.startMinute });

    if (command.side === 'mailbox') {
      await this.harness.seedMailbox([mailboxSeed(token, subject, start, command, location, body)]);
    } else {
      await this.harness.insertCrmEvents([crmRecord(subject, start, command, location, body)]);
    }
    const event = await this.readItem(command.side, (candidate) => candidate.token === token);
    const fields = Object.fromEntries(FIELD_KEYS.map((key) => [key, { settled: [fieldValue(event, key)], edits: {} }])) as Record<FieldKey, FieldState>;
    this.items.set(token, { token, origin: command.side, fields, deletedOn: new Set(), deletedUnlinkedCopy: false });
    this.trace.push(`create ${token} on ${command.side}`);
  }

  private async edit(command: Extract<ModelCommand, { kind: 'edit' }>): Promise<void> {
    const target = await this.pickLive(command.side, command.pick);
    if (!target) {
      this.trace.push(`edit on ${command.side}: no live item`);
      return;
    }

    const { mailboxSource, crmSource } = this.harness.createSources();
    const [result] =
      command.side === 'mailbox'
        ? await mailboxSource.applyWrites([{ op: 'update', ref: 'user', id: target.id, patch: mailboxPatch(target, command), expectedVersion: null }])
        : await crmSource.applyWrites([{ op: 'update', ref: 'user', id: target.id, patch: crmPatch(target, command), expectedVersion: null }]);
    if (!result?.ok) {
      throw new Error(`User edit of ${target.token} on ${command.side} was rejected: ${JSON.stringify(result)}`);
    }

    const key: FieldKey = command.field === 'time' ? 'span' : command.field;
    const edited = await this.readItem(command.side, (candidate) => candidate.id === target.id);
    const item = this.items.get(target.token);
    if (item) {
      item.fields[key].edits[command.side] = fieldValue(edited, key);
    }
    this.trace.push(`edit ${target.token} ${command.field} on ${command.side}: ${abbreviate(fieldValue(edited, key))}`);
  }

  private async remove(command: Extract<ModelCommand, { kind: 'delete' }>): Promise<void> {
    const target = await this.pickLive(command.side, command.pick);
    const item = target?.token ? this.items.get(target.token) : undefined;
    if (!target || !item) {
      this.trace.push(`delete on ${command.side}: no live item`);
      return;
    }

    const linked = await this.isLinked(command.side, target.id);
    const cancel = command.cancel && command.side === 'mailbox';
    if (cancel) {
      await this.harness.graphAdmin('POST', `/_admin/users/${encodeURIComponent(this.harness.mailbox.address)}/events/${encodeURIComponent(target.id)}/touch`, { isCancelled: true });
    } else {
      const { mailboxSource, crmSource } = this.harness.createSources();
      const source: MailboxEventSource | CrmEventSource = command.side === 'mailbox' ? mailboxSource : crmSource;
      const [result] = await source.applyWrites([{ op: 'delete', ref: 'user', id: target.id }]);
      if (!result?.ok) {
        throw new Error(`User deletion of ${item.token} on ${command.side} was rejected: ${JSON.stringify(result)}`);
      }
    }

    item.deletedOn.add(command.side);
    item.deletedUnlinkedCopy = !linked && item.origin !== command.side;
    this.trace.push(`${cancel ? 'cancel' : 'delete'} ${item.token} on ${command.side}${linked ? '' : ' (not linked yet)'}`);
  }

  private async session(label: string, overrides: SessionOverrides, mayFail: boolean): Promise<void> {
    const report = await this.harness.runSession(overrides);
    await this.clearFaults();
    this.settleAfter(report);
    this.trace.push(`${label}: ${describeReport(report)}`);
    if (!mayFail && report.status !== 'ok') {
      this.problems.push(`${label} without a fault ended ${report.status}: ${report.notes.join('; ')} ${JSON.stringify(report.itemErrors)}`);
    }
  }

  private async armFault(fault: SessionFault, nth: number): Promise<void> {
    if (fault === 'graphThrottle') {
      await this.harness.graphAdmin('POST', '/_admin/faults', { faults: [{ type: 'throttle', count: 1, retryAfterSeconds: 1 }] });
      return;
    }
    if (fault === 'graphServerError') {
      await this.harness.graphAdmin('POST', '/_admin/faults', { faults: [{ type: 'failNth', n: nth, status: 500, code: 'generalException' }] });
      return;
    }
    await this.harness.salesforceAdmin('POST', '/_admin/faults', { faults: [{ type: 'failNth', n: nth, status: 503, errorCode: 'UNABLE_TO_LOCK_ROW' }] });
  }

  async clearFaults(): Promise<void> {
    await this.harness.graphAdmin('DELETE', '/_admin/faults');
    await this.harness.salesforceAdmin('DELETE', '/_admin/faults');
  }

  /**
   * A successful session applied every edit made before it, so each edited field now holds the edit, or one of
   * the two edits when both sides changed it. Any other outcome may have applied some edits and not others, so
   * the edits stay open until a session succeeds.
   */
  private settleAfter(report: SessionReport): void {
    if (report.status !== 'ok') {
      return;
    }
    for (const item of this.items.values()) {
      for (const field of Object.values(item.fields)) {
        const edits = [...new Set(Object.values(field.edits))];
        if (edits.length > 0) {
          field.settled = edits;
        }
        delete field.edits.mailbox;
        delete field.edits.crm;
      }
    }
  }

  private async readItem(side: ModelSide, matches: (event: SideEvent) => boolean): Promise<SideEvent> {
    const events = side === 'mailbox' ? await readMailboxSide(this.harness) : await readCrmSide(this.harness);
    const event = events.find(matches);
    if (!event) {
      throw new Error(`The item the model just wrote is missing on the ${side} side`);
    }
    return event;
  }

  /** Return the `pick`-th item (modulo, in token order) live on `side`, or its first copy when there are several. */
  private async pickLive(side: ModelSide, pick: number): Promise<(SideEvent & { token: string }) | undefined> {
    const events = side === 'mailbox' ? await readMailboxSide(this.harness) : await readCrmSide(this.harness);
    const byToken = new Map<string, SideEvent & { token: string }>();
    for (const event of events) {
      if (event.token !== null && !byToken.has(event.token)) {
        byToken.set(event.token, { ...event, token: event.token });
      }
    }
    const live = [...byToken.values()].sort((left, right) => left.token.localeCompare(right.token));
    return live.length === 0 ? undefined : live[pick % live.length];
  }

  private async isLinked(side: ModelSide, id: string): Promise<boolean> {
    const state = await this.harness.store.loadSyncState(this.harness.mailbox.id, 'event');
    return state.links.some((link) => (side === 'mailbox' ? link.mailboxItemId : link.crmRecordId) === id);
  }
}

export function fieldValue(event: SideEvent, key: FieldKey): string {
  return JSON.stringify(event[key]);
}

export function abbreviate(text: string): string {
  return text.replace(/x{20,}/g, (run) => `x…(${run.length})`);
}

function describeReport(report: SessionReport): string {
  const counts = (side: 'mailbox' | 'crm') => {
    const writes = report.writes[side];
    return `${side} +${writes.created} ~${writes.updated} -${writes.deleted}`;
  };
  const notes = report.notes.length > 0 ? ` (${report.notes.join('; ')})` : '';
  const errors = report.itemErrors.length > 0 ? ` itemErrors ${JSON.stringify(report.itemErrors.map((error) => error.code))}` : '';
  return `${report.status}, ${counts('mailbox')}, ${counts('crm')}${errors}${notes}`;
}
