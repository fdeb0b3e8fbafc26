import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';

import type { CommandEnvironment } from '../src/cli/command-environment.ts';
import { main } from '../src/cli/main.ts';
import type { CalendarEvent } from '../src/domain/calendar-event.ts';
import type { Change, SyncWindow } from '../src/domain/connector.ts';
import { FULL_READ_CHUNK_ENV } from '../src/sync/chunked-full-read.ts';
import { defaultEventMapping } from '../src/mapping/index.ts';
import { createLogger } from '../src/observability/logger.ts';
import { defaultSyncPolicy, runEventSession, type SyncPolicy } from '../src/sync/index.ts';
import { failingOnThirdPage, withExtraPage } from './support/chunked-listing-pages.ts';
import { E2eHarness } from './support/e2e-harness.ts';
import { timedSeed } from './support/graph-seeds.ts';

/**
 * Cases of the chunked first read against the Graph and Salesforce emulators. Seven meetings read two at a time make
 * four chunks and a last step.
 */
const WINDOW: SyncWindow = { start: '2026-11-01T00:00:00Z', end: '2027-05-01T00:00:00Z' };
const MEETINGS = 7;

const previousChunk = process.env[FULL_READ_CHUNK_ENV];
const open: E2eHarness[] = [];
const folders: string[] = [];

afterEach(async () => {
  for (const harness of open.splice(0)) {
    await harness.close();
  }
  for (const folder of folders.splice(0)) {
    rmSync(folder, { recursive: true, force: true });
  }
  if (previousChunk === undefined) {
    delete process.env[FULL_READ_CHUNK_ENV];
  } else {
    process.env[FULL_READ_CHUNK_ENV] = previousChunk;
  }
});

function meetingSeeds() {
  return Array.from({ length: MEETINGS }, (_, n) => timedSeed(`Meeting ${n}`, `2026-12-${String(n + 1).padStart(2, '0')}`, '10:00', '11:00'));
}

async function harnessWithChunks(chunk: string): Promise<E2eHarness> {
  process.env[FULL_READ_CHUNK_ENV] = chunk;
  const harness = await E2eHarness.start({ window: WINDOW });
  open.push(harness);
  await harness.seedMailbox(meetingSeeds());
  return harness;
}

const subjectOf = (change: Change<CalendarEvent>) => (change.kind === 'upsert' ? change.item.subject : '');

describe('chunked first read', { timeout: 60_000 }, () => {
  it('failed session reports chunk writes', async () => {
    const harness = await harnessWithChunks('2');

    const lines: { level: number; msg: string; committedChunks?: number }[] = [];
    const { mailboxSource, crmSource } = harness.createSources();
    const failed = await runEventSession({
      mailbox: harness.mailbox,
      mailboxSource: failingOnThirdPage(mailboxSource),
      crmSource,
      crmRecordUrl: (id) => crmSource.recordUrl(id),
      store: harness.store,
      mapping: defaultEventMapping,
      policy: defaultSyncPolicy,
      window: WINDOW,
      logger: createLogger({ level: 'info', destination: { write: (line: string) => void lines.push(JSON.parse(line) as (typeof lines)[number]) } }),
    });
    const inSalesforce = await harness.crmEvents();
    const next = await harness.runSession();

    expect(failed.status).toBe('failed');
    expect(failed.failure?.code).toBe('ServiceUnavailable');
    // The first two pages made two chunks, each committed with its Events before the third page failed.
    expect(inSalesforce).toHaveLength(4);
    expect(failed.writes.crm).toEqual({ created: 4, updated: 0, deleted: 0 });
    expect(failed.writes.byObject.Event?.crm.created).toBe(4);
    expect(failed.notes).toEqual([
      'retryLater: Graph returned 503 Service Unavailable (ServiceUnavailable). 2 chunks of the full listing were committed before, and the next session goes on from them',
    ]);
    expect(lines.filter((line) => line.level >= 50)).toEqual([
      expect.objectContaining({ committedChunks: 2, msg: 'Kind failed after chunks of its full listing were committed; their writes stay and the next session goes on from them' }),
    ]);
    // The next session finds the committed pairs by their links and creates only the rest.
    expect(next.status).toBe('ok');
    expect(next.writes.crm.created).toBe(MEETINGS - 4);
    expect(await harness.crmEvents()).toHaveLength(MEETINGS);
  });

  it('un-sync note counts repeat once', async () => {
    const harness = await harnessWithChunks('2');
    const policy: Partial<SyncPolicy> = { unsync: [{ name: 'private', subjectMatches: '^Meeting 0$' }] };
    const repeated = withExtraPage((listed) => listed.filter((change) => subjectOf(change) === 'Meeting 0'));

    const report = await harness.runSession({ policy, wrapMailbox: repeated });

    expect(report.status).toBe('ok');
    expect(report.notes).toEqual(['Un-sync rules kept 1 mailbox events out of Salesforce and 0 Salesforce Events out of the mailbox']);
    expect((await harness.crmEvents()).map((record) => record.Subject)).not.toContain('Meeting 0');
    expect(await harness.crmEvents()).toHaveLength(MEETINGS - 1);
  });

  it.each(['2k', '-1'])('delta session ignores invalid value (%s)', async (value) => {
    const harness = await harnessWithChunks('0');
    expect((await harness.runSession()).status).toBe('ok');

    // A typo in the environment of a running deployment. The next sessions read a delta only.
    process.env[FULL_READ_CHUNK_ENV] = value;
    await harness.seedMailbox([timedSeed('Added later', '2026-12-20', '10:00', '11:00')]);
    const delta = await harness.runSession();

    expect(delta.status).toBe('ok');
    expect(delta.notes).toEqual([]);
    expect(delta.writes.crm.created).toBe(1);
  });
});

describe(`${FULL_READ_CHUNK_ENV} checked at start`, () => {
  function captured(env: Record<string, string>): CommandEnvironment & { out: string[]; err: string[] } {
    const cwd = mkdtempSync(path.join(tmpdir(), 'syncline-chunk-env-'));
    folders.push(cwd);
    const out: string[] = [];
    const err: string[] = [];
    return { env, cwd, out, err, stdout: (text) => out.push(text), stderr: (text) => err.push(text) };
  }

  it.each([
    ['sync', '--once'],
    ['start'],
    ['worker'],
  ])('%s rejects invalid value at start', async (...command) => {
    const io = captured({ [FULL_READ_CHUNK_ENV]: 'abc' });

    // The configuration file does not exist, so only a check made before the command reads it names the variable.
    const code = await main(['node', 'syncline', ...command, '--config', path.join(io.cwd, 'missing.json')], io);

    expect(code).toBe(2);
    expect(io.err.join('\n')).toContain('Invalid configuration in the environment');
    expect(io.err.join('\n')).toContain(`${FULL_READ_CHUNK_ENV}=abc is invalid: set it to a whole number of items per chunk (such as 1000), to 0 to read listings whole, or unset it`);
    expect(io.out).toEqual([]);
  });
});
