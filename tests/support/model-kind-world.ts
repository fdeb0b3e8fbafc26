import fc from 'fast-check';

import type { CrmRecord } from '../../src/domain/connector.ts';
import type { Link, MappedValue, MappedValues } from '../../src/domain/link.ts';
import type { MailboxItem } from '../../src/domain/mailbox-items.ts';
import type { SessionReport } from '../../src/domain/session-report.ts';
import { stableStringify } from '../../src/sync/values.ts';
import type { FaultSide, SessionInjector, SourceFault } from './model-faults.ts';
import type { KindSpec } from './model-kind-specs.ts';

export type ModelSide = FaultSide;

/** A line of `SessionInjector.fired` that starts with this is a broken rule a backend found during the session. */
export const PROBLEM_PREFIX = 'PROBLEM: ';

/**
 * One step of a task or contact model run. `pick` chooses among the items live on a side, modulo their count and in
 * token order. `field` and `value` index the kind's editable fields and their values. `crash` dies before the
 * session's `before`-th durable write (see `SessionInjector`), and `faultySync` runs a session that meets the faults.
 */
export type KindCommand =
  | { readonly kind: 'create'; readonly side: ModelSide; readonly variant: number }
  | { readonly kind: 'edit'; readonly side: ModelSide; readonly pick: number; readonly field: number; readonly value: number }
  | { readonly kind: 'delete'; readonly side: ModelSide; readonly pick: number }
  | { readonly kind: 'sync' }
  | { readonly kind: 'crash'; readonly before: number }
  | { readonly kind: 'faultySync'; readonly faults: readonly SourceFault[] };

/** The system under test for one kind: both sides as their users see them, the store's links, and sessions. */
export interface KindBackend {
  readonly spec: KindSpec;
  /** Start an empty world for the next run. */
  reset(): Promise<void>;
  create(side: ModelSide, item: MailboxItem | CrmRecord): Promise<string>;
  edit(side: ModelSide, id: string, patch: Partial<MailboxItem> | CrmRecord): Promise<void>;
  remove(side: ModelSide, id: string): Promise<void>;
  /** The live mailbox item of an id, for patches that keep the rest of an object field. */
  mailboxItem(id: string): Promise<MailboxItem>;
  /** Each live item of a side with its mapped values. */
  list(side: ModelSide): Promise<{ readonly id: string; readonly values: MappedValues }[]>;
  links(): Promise<readonly Link[]>;
  /** The faults the backend raises in the real service, for the real connector to absorb; the injector gets the rest. */
  wireFaults(faults: readonly SourceFault[]): readonly SourceFault[];
  /** Run one session with its sources and store wrapped in the injector, raising `wire` in the real service. */
  runSession(injector: SessionInjector, wire: readonly SourceFault[]): Promise<SessionReport>;
}

const side = fc.constantFrom<ModelSide>('mailbox', 'crm');
const pick = fc.nat({ max: 7 });

const sourceFault: fc.Arbitrary<SourceFault> = fc.oneof(
  fc.record({ type: fc.constant('throttle' as const), side, nth: fc.integer({ min: 1, max: 4 }) }),
  fc.record({ type: fc.constant('lostResponse' as const), side }),
  fc.record({ type: fc.constant('lockedItem' as const), side }),
  fc.record({ type: fc.constant('tokenExpiry' as const), side, nth: fc.integer({ min: 1, max: 4 }), refreshFailsOnce: fc.boolean() }),
  fc.record({ type: fc.constant('expireCursor' as const), side }),
);

function kindCommand(spec: KindSpec): fc.Arbitrary<KindCommand> {
  const create = fc.record({ kind: fc.constant('create' as const), side, variant: fc.nat({ max: spec.variants - 1 }) });
  return fc.oneof(
    { arbitrary: create, weight: 3 },
    { arbitrary: fc.record({ kind: fc.constant('edit' as const), side, pick, field: fc.nat({ max: spec.fields.length - 1 }), value: fc.nat({ max: 5 }) }), weight: 8 },
    { arbitrary: fc.record({ kind: fc.constant('delete' as const), side, pick }), weight: 3 },
    { arbitrary: fc.constant({ kind: 'sync' as const }), weight: 4 },
    { arbitrary: fc.record({ kind: fc.constant('crash' as const), before: fc.integer({ min: 1, max: 9 }) }), weight: 3 },
    { arbitrary: fc.record({ kind: fc.constant('faultySync' as const), faults: fc.array(sourceFault, { minLength: 1, maxLength: 2 }) }), weight: 3 },
  );
}

/** Generate one to three creates, so later steps find items, then up to `maxLength` - 3 steps of any kind. */
export function kindCommands(spec: KindSpec, maxLength: number): fc.Arbitrary<KindCommand[]> {
  const first = fc.array(fc.record({ kind: fc.constant('create' as const), side, variant: fc.nat({ max: spec.variants - 1 }) }), { minLength: 1, maxLength: 3 });
  const rest = fc.array(kindCommand(spec), { minLength: 1, maxLength: maxLength - 3, size: 'max' });
  return fc.tuple(first, rest).map(([creates, steps]) => [...creates, ...steps]);
}

interface FieldState {
  /** JSON of the values the field may hold after the last successful session (two after a conflict). */
  settled: string[];
  readonly edits: Partial<Record<ModelSide, string>>;
}

interface ModelItem {
  readonly token: string;
  readonly origin: ModelSide;
  readonly fields: Record<string, FieldState>;
  readonly deletedOn: Set<ModelSide>;
  /** The latest deletion hit a copy no link named yet (its session crashed), which the engine may create again. */
  deletedUnlinkedCopy: boolean;
}

interface SideItem {
  readonly id: string;
  readonly token: string | null;
  readonly values: MappedValues;
}

export interface KindRunOutcome {
  readonly problems: readonly string[];
  readonly trace: readonly string[];
}

/**
 * Run one command sequence against a backend, then two clean sessions, and check what must hold. Both sides agree with
 * each other and with the links, nothing is doubled, nothing deleted comes back and no accepted edit is lost. The
 * second clean session writes nothing.
 */
export async function runKindModel(backend: KindBackend, commands: readonly KindCommand[], makeInjector: (faults: readonly SourceFault[], crashBefore: number | null) => SessionInjector): Promise<KindRunOutcome> {
  await backend.reset();
  const world = new KindModelWorld(backend, makeInjector);
  for (const command of commands) {
    await world.apply(command);
  }
  await world.session('clean session 1', [], null, true);
  const last = await world.session('clean session 2', [], null, true);
  const problems = [...world.problems, ...(await world.finalProblems()), ...quietProblems(last)];
  return { problems, trace: world.trace };
}

class KindModelWorld {
  readonly items = new Map<string, ModelItem>();
  readonly trace: string[] = [];
  readonly problems: string[] = [];
  private created = 0;

  constructor(
    private readonly backend: KindBackend,
    private readonly makeInjector: (faults: readonly SourceFault[], crashBefore: number | null) => SessionInjector,
  ) {}

  private get spec(): KindSpec {
    return this.backend.spec;
  }

  async apply(command: KindCommand): Promise<void> {
    switch (command.kind) {
      case 'create':
        return this.create(command.side, command.variant);
      case 'edit':
        return this.edit(command);
      case 'delete':
        return this.remove(command.side, command.pick);
      case 'sync':
        await this.session('sync', [], null, true);
        return;
      case 'crash':
        await this.session(`crash before durable write ${command.before}`, [], command.before, false);
        return;
      case 'faultySync':
        await this.session(`sync under ${JSON.stringify(command.faults)}`, command.faults, null, false);
        return;
    }
  }

  /** Run a session; `mustSucceed` sessions, and those whose faults the real connector absorbed, must end `ok`. */
  async session(label: string, faults: readonly SourceFault[], crashBefore: number | null, mustSucceed: boolean): Promise<SessionReport> {
    const wire = this.backend.wireFaults(faults);
    const injector = this.makeInjector(
      faults.filter((fault) => !wire.includes(fault)),
      crashBefore,
    );
    const report = await this.backend.runSession(injector, wire);
    // A token refresh that works is absorbed by any connector; the wire faults by the real one.
    const absorbed = faults.filter((fault) => wire.includes(fault) || (fault.type === 'tokenExpiry' && !fault.refreshFailsOnce));
    const fired = injector.fired.length > 0 ? ` [${injector.fired.join('; ')}]` : '';
    this.trace.push(`${label}: ${describeReport(report)}${fired}`);
    for (const line of injector.fired.filter((entry) => entry.startsWith(PROBLEM_PREFIX))) {
      this.problems.push(`${label}: ${line.slice(PROBLEM_PREFIX.length)}`);
    }
    const allAbsorbed = crashBefore === null && faults.length > 0 && absorbed.length === faults.length;
    if ((mustSucceed || allAbsorbed) && report.status !== 'ok') {
      this.problems.push(`${label} ended ${report.status}${allAbsorbed ? ' although the connector absorbed every fault' : ''}: ${report.notes.join('; ')} ${JSON.stringify(report.itemErrors)}`);
    }
    if (report.status === 'ok') {
      this.settle();
    }
    return report;
  }

  private async create(side: ModelSide, variant: number): Promise<void> {
    this.created += 1;
    const token = `T${String(this.created).padStart(2, '0')}`;
    const id = await this.backend.create(side, side === 'mailbox' ? this.spec.mailboxItem(token, variant) : this.spec.crmRecord(token, variant));
    const created = await this.readItem(side, id);
    const fields = Object.fromEntries(this.spec.fields.map((field) => [field.key, { settled: [json(created.values[field.key])], edits: {} }]));
    this.items.set(token, { token, origin: side, fields, deletedOn: new Set(), deletedUnlinkedCopy: false });
    this.trace.push(`create ${token} on ${side}`);
  }

  private async edit(command: Extract<KindCommand, { kind: 'edit' }>): Promise<void> {
    const target = await this.pickLive(command.side, command.pick);
    const field = this.spec.fields[command.field % this.spec.fields.length];
    if (!target || !field) {
      this.trace.push(`edit on ${command.side}: no live item`);
      return;
    }
    const value = command.value % field.values;
    const patch = command.side === 'mailbox' ? field.mailboxPatch(value, await this.backend.mailboxItem(target.id), target.token) : field.crmValues(value, target.token);
    await this.backend.edit(command.side, target.id, patch);
    const edited = json((await this.readItem(command.side, target.id)).values[field.key]);
    const item = this.items.get(target.token);
    const state = item?.fields[field.key];
    if (state) {
      state.edits[command.side] = edited;
    }
    this.trace.push(`edit ${target.token} ${field.key} on ${command.side}: ${edited}`);
  }

  private async remove(side: ModelSide, pickIndex: number): Promise<void> {
    const target = await this.pickLive(side, pickIndex);
    const item = target ? this.items.get(target.token) : undefined;
    if (!target || !item) {
      this.trace.push(`delete on ${side}: no live item`);
      return;
    }
    const links = await this.backend.links();
    const linked = links.some((link) => (side === 'mailbox' ? link.mailboxItemId : link.crmRecordId) === target.id);
    await this.backend.remove(side, target.id);
    item.deletedOn.add(side);
    item.deletedUnlinkedCopy = !linked && item.origin !== side;
    this.trace.push(`delete ${item.token} on ${side}${linked ? '' : ' (not linked yet)'}`);
  }

  /** Settle the edits: after a successful session each edited field has the edit, or one of two when both sides changed it. */
  private settle(): void {
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

  private async sideItems(side: ModelSide): Promise<SideItem[]> {
    return (await this.backend.list(side)).map((entry) => ({ ...entry, token: this.spec.tokenOf(entry.values) }));
  }

  private async readItem(side: ModelSide, id: string): Promise<SideItem> {
    const found = (await this.sideItems(side)).find((entry) => entry.id === id);
    if (!found) {
      throw new Error(`The ${this.spec.kind} the model just wrote (${id}) is missing on the ${side} side`);
    }
    return found;
  }

  private async pickLive(side: ModelSide, pickIndex: number): Promise<(SideItem & { token: string }) | undefined> {
    const byToken = new Map<string, SideItem & { token: string }>();
    for (const entry of await this.sideItems(side)) {
      if (entry.token !== null && !byToken.has(entry.token)) {
        byToken.set(entry.token, { ...entry, token: entry.token });
      }
    }
    const live = [...byToken.values()].sort((left, right) => left.token.localeCompare(right.token));
    return live.length === 0 ? undefined : live[pickIndex % live.length];
  }

  async finalProblems(): Promise<string[]> {
    const mailbox = await this.sideItems('mailbox');
    const crm = await this.sideItems('crm');
    const links = await this.backend.links();
    return [
      ...doubled('mailbox', mailbox),
      ...doubled('crm', crm),
      ...strangers(this.items, mailbox, crm),
      ...presenceProblems([...this.items.values()], mailbox, crm),
      ...disagreements(mailbox, crm),
      ...linkProblems(mailbox, crm, links),
      ...lostEdits([...this.items.values()], mailbox, crm),
    ];
  }
}

function json(value: MappedValue | MappedValues | undefined): string {
  return stableStringify(value ?? null);
}

type Presence = 'both' | 'none' | 'mailboxOnly';

/**
 * Deleted in the mailbox: gone from both sides (the default policy deletes the Salesforce record). Deleted in
 * Salesforce: gone from both when it started there, else kept in the mailbox only (a tombstone). A deleted copy that
 * no link named yet may come back on both sides.
 */
function allowedPresence(item: ModelItem): readonly Presence[] {
  let expected: Presence = 'both';
  if (item.deletedOn.has('mailbox')) {
    expected = 'none';
  } else if (item.deletedOn.has('crm')) {
    expected = item.origin === 'crm' ? 'none' : 'mailboxOnly';
  }
  return item.deletedUnlinkedCopy ? [expected, 'both'] : [expected];
}

function presenceOf(actual: Record<ModelSide, boolean>): Presence | 'crmOnly' {
  if (actual.mailbox) {
    return actual.crm ? 'both' : 'mailboxOnly';
  }
  return actual.crm ? 'crmOnly' : 'none';
}

function doubled(side: ModelSide, entries: readonly SideItem[]): string[] {
  const counts = new Map<string, number>();
  for (const entry of entries) {
    if (entry.token !== null) {
      counts.set(entry.token, (counts.get(entry.token) ?? 0) + 1);
    }
  }
  return [...counts].filter(([, count]) => count > 1).map(([token, count]) => `doubled: ${token} is ${count} times on the ${side} side`);
}

function strangers(items: ReadonlyMap<string, ModelItem>, mailbox: readonly SideItem[], crm: readonly SideItem[]): string[] {
  return [...mailbox.map((entry) => ['mailbox', entry] as const), ...crm.map((entry) => ['crm', entry] as const)]
    .filter(([, entry]) => entry.token === null || !items.has(entry.token))
    .map(([where, entry]) => `unknown item on the ${where} side: ${json(entry.values)} (${entry.id})`);
}

function presenceProblems(items: readonly ModelItem[], mailbox: readonly SideItem[], crm: readonly SideItem[]): string[] {
  const inMailbox = new Set(mailbox.map((entry) => entry.token));
  const inCrm = new Set(crm.map((entry) => entry.token));
  const problems: string[] = [];
  for (const item of items) {
    const actual = { mailbox: inMailbox.has(item.token), crm: inCrm.has(item.token) };
    const allowed = allowedPresence(item);
    const found = presenceOf(actual);
    if (allowed.some((presence) => presence === found)) {
      continue;
    }
    const history = `${item.token} (created on ${item.origin}, deleted on [${[...item.deletedOn].join(', ')}])`;
    const expected = allowed[0] ?? 'both';
    for (const where of ['mailbox', 'crm'] as const) {
      const should = where === 'mailbox' ? expected !== 'none' : expected === 'both';
      if (should && !actual[where]) {
        problems.push(`lost: ${history} is missing on the ${where} side`);
      }
      if (!should && actual[where]) {
        problems.push(`not deleted or resurrected: ${history} is still on the ${where} side, expected ${allowed.join(' or ')}`);
      }
    }
  }
  return problems;
}

/** Every token on both sides must have equal mapped values there. */
function disagreements(mailbox: readonly SideItem[], crm: readonly SideItem[]): string[] {
  const problems: string[] = [];
  for (const entry of mailbox) {
    const other = crm.find((candidate) => candidate.token !== null && candidate.token === entry.token);
    if (other && json(entry.values) !== json(other.values)) {
      problems.push(`diverged: ${entry.token} is ${json(entry.values)} in the mailbox and ${json(other.values)} in Salesforce`);
    }
  }
  return problems;
}

/**
 * The links must describe the sides: each item on both sides is one live link's pair, each live link names two live
 * items of one token, and a tombstone names a live survivor.
 */
function linkProblems(mailbox: readonly SideItem[], crm: readonly SideItem[], links: readonly Link[]): string[] {
  const problems: string[] = [];
  const mailboxById = new Map(mailbox.map((entry) => [entry.id, entry]));
  const crmById = new Map(crm.map((entry) => [entry.id, entry]));
  for (const link of links) {
    const left = mailboxById.get(link.mailboxItemId);
    const right = crmById.get(link.crmRecordId);
    if (link.tombstone === null) {
      if (!left || !right) {
        problems.push(`dangling link ${link.syncId}: mailbox ${link.mailboxItemId} ${left ? 'live' : 'gone'}, Salesforce ${link.crmRecordId} ${right ? 'live' : 'gone'}`);
      } else if (left.token !== right.token) {
        problems.push(`link ${link.syncId} pairs ${left.token ?? '?'} in the mailbox with ${right.token ?? '?'} in Salesforce`);
      }
    } else if ((link.tombstone === 'crm' ? left : right) === undefined) {
      problems.push(`tombstone ${link.syncId} (deleted on ${link.tombstone}) names a survivor that is gone`);
    }
  }
  for (const entry of mailbox) {
    const other = crm.find((candidate) => candidate.token === entry.token);
    if (!other) {
      continue;
    }
    const pairs = links.filter((link) => link.tombstone === null && link.mailboxItemId === entry.id && link.crmRecordId === other.id);
    if (pairs.length !== 1) {
      problems.push(`${entry.token ?? entry.id} is on both sides but ${pairs.length} live links pair its items`);
    }
  }
  return problems;
}

function lostEdits(items: readonly ModelItem[], mailbox: readonly SideItem[], crm: readonly SideItem[]): string[] {
  const problems: string[] = [];
  for (const item of items) {
    const onMailbox = mailbox.find((entry) => entry.token === item.token);
    const onCrm = crm.find((entry) => entry.token === item.token);
    if (!onMailbox || !onCrm || item.deletedUnlinkedCopy || !allowedPresence(item).includes('both')) {
      continue;
    }
    for (const [key, field] of Object.entries(item.fields)) {
      const actual = json(onMailbox.values[key]);
      if (!field.settled.includes(actual)) {
        problems.push(`lost edit: ${item.token} ${key} is ${actual}, expected ${field.settled.join(' or ')}`);
      }
    }
  }
  return problems;
}

function quietProblems(report: SessionReport): string[] {
  const { mailbox, crm } = report.writes;
  const total = mailbox.created + mailbox.updated + mailbox.deleted + crm.created + crm.updated + crm.deleted;
  return total === 0 ? [] : [`the second clean session still wrote: ${JSON.stringify(report.writes)}`];
}

function describeReport(report: SessionReport): string {
  const counts = (where: 'mailbox' | 'crm') => {
    const writes = report.writes[where];
    return `${where} +${writes.created} ~${writes.updated} -${writes.deleted}`;
  };
  const notes = report.notes.length > 0 ? ` (${report.notes.join('; ')})` : '';
  const errors = report.itemErrors.length > 0 ? ` itemErrors ${JSON.stringify(report.itemErrors.map((error) => error.code))}` : '';
  return `${report.status}, ${counts('mailbox')}, ${counts('crm')}${errors}${notes}`;
}

export function describeOutcome(outcome: KindRunOutcome): string {
  return ['Trace:', ...outcome.trace.map((line) => `  ${line}`), 'Problems:', ...outcome.problems.map((line) => `  ${line}`)].join('\n');
}

export function readIntegerEnv(name: string, fallback: number): number {
  const text = process.env[name];
  if (text === undefined || text === '') {
    return fallback;
  }
  const value = Number(text);
  if (!Number.isSafeInteger(value) || value < 0) {
    throw new Error(`${name}=${text} is invalid: set it to a whole number of at least 0, or unset it`);
  }
  return value;
}
