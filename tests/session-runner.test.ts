import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Failure } from '../src/domain/errors.ts';
import type { MailboxSchedule } from '../src/domain/mailbox-state.ts';
import type { SessionReport, SessionStatus } from '../src/domain/session-report.ts';
import { createSilentLogger } from '../src/observability/logger.ts';
import { suspendMailbox } from '../src/scheduler/mailbox-control.ts';
import { createSessionRunner, type SessionRunner } from '../src/scheduler/session-runner.ts';
import type { SynclineStore } from '../src/store/index.ts';
import { outcomeReport, scheduleStore } from './support/schedule-fixtures.ts';

const MINUTE = 60_000;
const NOW = new Date('2026-05-04T08:00:00.000Z');
const later = (ms: number) => new Date(NOW.getTime() + ms).toISOString();
const REVOKED: Failure = { kind: 'suspend', code: 'invalid_grant', message: 'Salesforce refused the refresh token: reconnect Salesforce for this org' };

describe('session runner', () => {
  let store: SynclineStore;
  let outcomes: { status: SessionStatus; failure?: Failure }[];
  let calls: number;
  let duringSession: (() => Promise<void>) | null;
  let runner: SessionRunner;

  beforeEach(async () => {
    store = await scheduleStore(['m1']);
    outcomes = [];
    calls = 0;
    duringSession = null;
    runner = createSessionRunner({
      store,
      runSession: async (mailboxId): Promise<SessionReport> => {
        calls += 1;
        expect((await store.loadSchedule(mailboxId))?.state).toBe('syncing');
        await duringSession?.();
        const next = outcomes.shift() ?? { status: 'ok' };
        return outcomeReport(mailboxId, next.status, NOW, next.failure);
      },
      intervalMs: () => 30 * MINUTE,
      jitter: 0.1,
      logger: createSilentLogger(),
      now: () => NOW,
      random: () => 0.5,
    });
  });

  afterEach(async () => {
    await store.close();
  });

  const schedule = async (): Promise<MailboxSchedule | null> => store.loadSchedule('m1');

  it.each(['ok', 'partial', 'needsReview'] as const)('%s keeps the mailbox active', async (status) => {
    await store.saveSchedule({ mailboxId: 'm1', state: 'active', reason: null, resumeAt: null, nextSessionAt: null, lastSessionAt: null, lastStatus: null, failureCount: 2 });
    outcomes.push({ status });

    const report = await runner.runSession('m1', 'schedule');

    expect(report?.status).toBe(status);
    expect(await schedule()).toEqual({ mailboxId: 'm1', state: 'active', reason: null, resumeAt: null, nextSessionAt: later(30 * MINUTE), lastSessionAt: NOW.toISOString(), lastStatus: status, failureCount: 0 });
  });

  it('suspend failure suspends with the reason', async () => {
    outcomes.push({ status: 'failed', failure: REVOKED });

    await runner.runSession('m1', 'schedule');

    expect(await schedule()).toMatchObject({ state: 'suspendedByError', reason: REVOKED.message, resumeAt: later(5 * MINUTE), nextSessionAt: null, lastStatus: 'failed', failureCount: 1 });
  });

  it('suspend failure keeps the resume time it names', async () => {
    outcomes.push({ status: 'failed', failure: { kind: 'suspend', code: 'REQUEST_LIMIT_EXCEEDED', message: 'The org used its daily API calls', resumeAt: '2026-05-05T00:00:00.000Z' } });

    await runner.runSession('m1', 'schedule');

    expect(await schedule()).toMatchObject({ state: 'suspendedByError', resumeAt: '2026-05-05T00:00:00.000Z' });
  });

  it('other failures stay active with a growing backoff', async () => {
    const unavailable: Failure = { kind: 'retryLater', code: '503', message: 'Graph is unavailable' };
    outcomes.push({ status: 'failed', failure: unavailable }, { status: 'failed', failure: unavailable }, { status: 'failed' });

    await runner.runSession('m1', 'schedule');
    expect(await schedule()).toMatchObject({ state: 'active', reason: null, nextSessionAt: later(5 * MINUTE), failureCount: 1 });
    await runner.runSession('m1', 'schedule');
    expect(await schedule()).toMatchObject({ state: 'active', nextSessionAt: later(15 * MINUTE), failureCount: 2 });
    await runner.runSession('m1', 'schedule');
    expect(await schedule()).toMatchObject({ state: 'active', nextSessionAt: later(60 * MINUTE), failureCount: 3 });
  });

  it('skipped changes no state', async () => {
    await store.saveSchedule({ mailboxId: 'm1', state: 'active', reason: null, resumeAt: null, nextSessionAt: NOW.toISOString(), lastSessionAt: '2026-05-04T07:30:00.000Z', lastStatus: 'ok', failureCount: 0 });
    outcomes.push({ status: 'skipped' });

    await runner.runSession('m1', 'schedule');

    expect(await schedule()).toMatchObject({ state: 'active', lastSessionAt: '2026-05-04T07:30:00.000Z', lastStatus: 'ok', nextSessionAt: later(MINUTE) });
  });

  it('user suspension forbids sessions', async () => {
    await suspendMailbox(store, 'm1', 'holiday');

    expect(await runner.runSession('m1', 'force')).toBeNull();
    expect(await runner.runSession('m1', 'schedule')).toBeNull();
    expect(calls).toBe(0);
    expect(await schedule()).toMatchObject({ state: 'suspendedByUser', reason: 'holiday' });
  });

  it('error suspension waits for its resume', async () => {
    outcomes.push({ status: 'failed', failure: REVOKED });
    await runner.runSession('m1', 'schedule');

    expect(await runner.runSession('m1', 'schedule')).toBeNull();
    expect(await runner.runSession('m1', 'notification')).toBeNull();
    expect(calls).toBe(1);
  });

  it('failed resume extends the backoff', async () => {
    outcomes.push({ status: 'failed', failure: REVOKED }, { status: 'failed', failure: REVOKED }, { status: 'failed', failure: { kind: 'retryLater', code: '503', message: 'down' } });
    await runner.runSession('m1', 'schedule');
    await runner.runSession('m1', 'resume');
    expect(await schedule()).toMatchObject({ state: 'suspendedByError', resumeAt: later(15 * MINUTE), failureCount: 2 });

    await runner.runSession('m1', 'resume');
    expect(await schedule()).toMatchObject({ state: 'suspendedByError', reason: REVOKED.message, resumeAt: later(60 * MINUTE), failureCount: 3 });
  });

  it('successful resume clears the suspension', async () => {
    outcomes.push({ status: 'failed', failure: REVOKED }, { status: 'ok' });
    await runner.runSession('m1', 'schedule');

    await runner.runSession('m1', 'resume');

    expect(await schedule()).toMatchObject({ state: 'active', reason: null, resumeAt: null, nextSessionAt: later(30 * MINUTE), failureCount: 0, lastStatus: 'ok' });
  });

  it('suspension during a session stands', async () => {
    duringSession = async () => {
      await suspendMailbox(store, 'm1', 'holiday');
    };

    await runner.runSession('m1', 'schedule');

    expect(await schedule()).toMatchObject({ state: 'suspendedByUser', reason: 'holiday', lastStatus: 'ok', lastSessionAt: NOW.toISOString() });
  });

  it('crash leftover syncing runs again', async () => {
    await store.saveSchedule({ mailboxId: 'm1', state: 'syncing', reason: null, resumeAt: null, nextSessionAt: '2026-05-04T07:59:00.000Z', lastSessionAt: null, lastStatus: null, failureCount: 0 });

    await runner.runSession('m1', 'schedule');

    expect(calls).toBe(1);
    expect(await schedule()).toMatchObject({ state: 'active', nextSessionAt: later(30 * MINUTE) });
  });
});
