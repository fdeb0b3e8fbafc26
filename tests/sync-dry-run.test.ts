import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runSyncline as runSynclineBinary, type SynclineRunResult } from './support/e2e-harness.ts';

interface PlannedAction {
  side: 'mailbox' | 'crm';
  op: 'create' | 'update' | 'delete' | 'conflict';
  object: string;
  id: string | null;
  fields: Record<string, unknown>;
}

interface PlanJson {
  mailbox: string;
  actions: PlannedAction[];
  notes: string[];
  failures: string[];
}

type Counts = Record<'created' | 'updated' | 'deleted', number>;

interface SessionJson {
  status: string;
  writes: { byObject: Record<string, Counts & Record<'mailbox' | 'crm', Counts>> };
}

function runSyncline(args: readonly string[], cwd: string): Promise<SynclineRunResult> {
  return runSynclineBinary(args, cwd, 'warn');
}

/** Count planned writes per object and side, in the shape of a session report's `byObject`. */
function plannedCounts(plan: PlanJson): Record<string, Record<'mailbox' | 'crm', Counts>> {
  const counts: Record<string, Record<'mailbox' | 'crm', Counts>> = {};
  const zero = (): Counts => ({ created: 0, updated: 0, deleted: 0 });
  const field = { create: 'created', update: 'updated', delete: 'deleted' } as const;
  for (const action of plan.actions) {
    if (action.op === 'conflict') {
      continue;
    }
    const perSide = (counts[action.object] ??= { mailbox: zero(), crm: zero() });
    perSide[action.side][field[action.op]] += 1;
  }
  return counts;
}

function reportedCounts(session: SessionJson): Record<string, Record<'mailbox' | 'crm', Counts>> {
  return Object.fromEntries(Object.entries(session.writes.byObject).map(([object, counts]) => [object, { mailbox: counts.mailbox, crm: counts.crm }]));
}

// Each test launches the sandbox in a fresh process, which takes 20 to 35 s on a loaded two-core machine.
describe('sync --dry-run against the sandbox', { timeout: 120_000 }, () => {
  let work: string;
  let dataDir: string;

  beforeAll(() => {
    work = mkdtempSync(path.join(tmpdir(), 'syncline-dry-run-'));
    dataDir = path.join(work, 'data');
  });

  afterAll(() => {
    rmSync(work, { recursive: true, force: true });
  });

  let firstPlan: PlanJson;

  it('prints the plan of the first session as one JSON document', async () => {
    const result = await runSyncline(['sync', '--dry-run', '--json', '--data-dir', dataDir], work);

    expect(result.code, result.stderr).toBe(0);
    const document = JSON.parse(result.stdout) as { plans: PlanJson[] };
    // The Graph mailbox comes first; the sandbox's EWS, Google and IMAP/CalDAV mailboxes follow.
    expect(document.plans.length).toBeGreaterThanOrEqual(3);
    firstPlan = document.plans[0]!;
    expect(firstPlan.mailbox).toBe('alex.morgan@sandbox.example.com');
    expect(firstPlan.failures).toEqual([]);
    const creates = firstPlan.actions.filter((action) => action.op === 'create');
    expect(creates.filter((action) => action.side === 'crm').length).toBeGreaterThan(10);
    expect(creates.filter((action) => action.side === 'mailbox' && action.object === 'Event')).toHaveLength(3);
    for (const create of creates) {
      expect(create.id).toBeNull();
      expect(Object.keys(create.fields).length).toBeGreaterThan(0);
    }
    expect(new Set(firstPlan.actions.map((action) => action.object))).toEqual(new Set(['Event', 'Task', 'Contact']));
  });

  it('writes nothing, so a second dry run plans the same session', async () => {
    const result = await runSyncline(['sync', '--dry-run', '--json', '--data-dir', dataDir], work);

    expect(result.code, result.stderr).toBe(0);
    const [plan] = (JSON.parse(result.stdout) as { plans: PlanJson[] }).plans;
    expect(plannedCounts(plan!)).toEqual(plannedCounts(firstPlan));
  });

  it('a real session then does everything the plan showed', async () => {
    const result = await runSyncline(['sync', '--once', '--json', '--data-dir', dataDir], work);

    expect(result.code, result.stderr).toBe(0);
    const [session] = (JSON.parse(result.stdout) as { sessions: SessionJson[] }).sessions;
    expect(['ok', 'partial']).toContain(session?.status);
    expect(reportedCounts(session!)).toEqual(plannedCounts(firstPlan));
  });

  it('after the session the plan is empty, and the text form says so', async () => {
    const result = await runSyncline(['sync', '--dry-run', '--data-dir', dataDir], work);

    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain('alex.morgan@sandbox.example.com: nothing to do (dry run, nothing written)');
  });
});
