import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startHarness, type Harness } from '../test-support.ts';
import { formatCsv, parseCsv } from './csv-codec.ts';

let h: Harness;

beforeAll(async () => {
  h = await startHarness({ syncIdField: 'Sync__c' });
});
afterAll(async () => h.close());
beforeEach(async () => {
  await h.admin('POST', 'reset');
  await h.admin('POST', 'bulk', { processingDelayMs: 5, recordsPerTick: 2 });
});

async function csvCall(method: string, path: string, csv?: string): Promise<{ status: number; text: string; type: string | null }> {
  const response = await fetch(`${h.emulator.url}${h.base}/${path}`, {
    method,
    headers: { authorization: `Bearer ${h.token}`, ...(csv === undefined ? {} : { 'content-type': 'text/csv' }) },
    ...(csv === undefined ? {} : { body: csv }),
  });
  return { status: response.status, text: await response.text(), type: response.headers.get('content-type') };
}

async function createJob(body: Record<string, unknown>): Promise<string> {
  const created = await h.api('POST', 'jobs/ingest', { object: 'Event', contentType: 'CSV', lineEnding: 'LF', ...body });
  expect(created.status).toBe(200);
  return String((created.body as { id: string }).id);
}

async function waitForEnd(jobId: string): Promise<Record<string, unknown>> {
  for (let attempt = 0; attempt < 200; attempt += 1) {
    const info = (await h.api('GET', `jobs/ingest/${jobId}`)).body as Record<string, unknown>;
    if (['JobComplete', 'Failed', 'Aborted'].includes(String(info.state))) return info;
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  throw new Error(`job ${jobId} did not end`);
}

async function runJob(body: Record<string, unknown>, rows: string[][]): Promise<{ id: string; info: Record<string, unknown> }> {
  const id = await createJob(body);
  expect((await csvCall('PUT', `jobs/ingest/${id}/batches`, formatCsv(rows))).status).toBe(201);
  const closed = await h.api('PATCH', `jobs/ingest/${id}`, { state: 'UploadComplete' });
  expect((closed.body as { state: string }).state).toBe('UploadComplete');
  return { id, info: await waitForEnd(id) };
}

async function results(jobId: string, kind: string): Promise<string[][]> {
  const answer = await csvCall('GET', `jobs/ingest/${jobId}/${kind}/`);
  expect(answer.status).toBe(200);
  expect(answer.type).toContain('text/csv');
  return parseCsv(answer.text);
}

const timed = (syncId: string, extra: string[] = []): string[] =>
  [syncId, `Subject ${syncId}`, '2027-03-01T10:00:00.000Z', '2027-03-01T11:00:00.000Z', ...extra];

describe('Bulk API 2.0 ingest jobs', () => {
  it('upsert job completes in background', async () => {
    const id = await createJob({ operation: 'upsert', externalIdFieldName: 'Sync__c' });
    const open = (await h.api('GET', `jobs/ingest/${id}`)).body as Record<string, unknown>;
    expect(open).toMatchObject({ state: 'Open', operation: 'upsert', jobType: 'V2Ingest', apiVersion: 62, contentType: 'CSV' });
    expect(open.contentUrl).toBe(`services/data/v62.0/jobs/ingest/${id}/batches`);
    expect(id.startsWith('750')).toBe(true);

    const header = ['Sync__c', 'Subject', 'StartDateTime', 'EndDateTime'];
    await csvCall('PUT', `jobs/ingest/${id}/batches`, formatCsv([header, timed('S-1'), timed('S-2'), timed('S-3')]));
    await h.api('PATCH', `jobs/ingest/${id}`, { state: 'UploadComplete' });
    const done = await waitForEnd(id);

    expect(done).toMatchObject({ state: 'JobComplete', numberRecordsProcessed: 3, numberRecordsFailed: 0 });
    const success = await results(id, 'successfulResults');
    expect(success[0]).toEqual(['sf__Id', 'sf__Created', ...header]);
    expect(success.slice(1).map((row) => [row[1], row[2]])).toEqual([['true', 'S-1'], ['true', 'S-2'], ['true', 'S-3']]);
    const stored = (await h.admin('GET', 'records/Event')).body as { records: Record<string, unknown>[] };
    expect(stored.records.map((record) => record.Sync__c).sort()).toEqual(['S-1', 'S-2', 'S-3']);
    expect(success.slice(1).map((row) => row[0]).sort()).toEqual(stored.records.map((record) => String(record.Id)).sort());
  });

  it('failed rows carry code and fields', async () => {
    await h.admin('POST', 'faults', { faults: [{ type: 'validationRule', sobject: 'Event', field: 'Subject', pattern: 'blocked', message: 'Subject is blocked' }] });
    const header = ['Sync__c', 'Subject', 'StartDateTime', 'EndDateTime', 'ShowAs'];
    const rows = [header, timed('S-1', ['Busy']), ['S-2', 'blocked', '2027-03-01T10:00:00Z', '2027-03-01T11:00:00Z', 'Busy'], timed('S-3', ['Sleeping'])];
    const { id, info } = await runJob({ operation: 'upsert', externalIdFieldName: 'Sync__c' }, rows);

    expect(info).toMatchObject({ state: 'JobComplete', numberRecordsProcessed: 3, numberRecordsFailed: 2 });
    const failed = await results(id, 'failedResults');
    expect(failed[0]).toEqual(['sf__Id', 'sf__Error', ...header]);
    const byKey = new Map(failed.slice(1).map((row) => [row[2], row[1]]));
    expect(byKey.get('S-2')).toBe('FIELD_CUSTOM_VALIDATION_EXCEPTION:Subject is blocked:Subject --');
    expect(byKey.get('S-3')).toMatch(/^INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST:.*:ShowAs --$/);
    expect((await results(id, 'successfulResults')).length).toBe(2);
  });

  it('update handles empty, #N/A, quotes', async () => {
    const first = await runJob({ operation: 'upsert', externalIdFieldName: 'Sync__c' },
      [['Sync__c', 'Subject', 'Location', 'StartDateTime', 'EndDateTime'], ['S-1', 'Plan', 'Room 1', '2027-03-01T10:00:00Z', '2027-03-01T11:00:00Z']]);
    const recordId = (await results(first.id, 'successfulResults'))[1]![0]!;
    const description = 'Line one, "quoted"\nline two';

    const second = await runJob({ operation: 'update' }, [['Id', 'Subject', 'Location', 'Description'], [recordId, '', '#N/A', description]]);
    expect(second.info).toMatchObject({ state: 'JobComplete', numberRecordsFailed: 0 });
    const stored = ((await h.admin('GET', 'records/Event')).body as { records: Record<string, unknown>[] }).records[0]!;
    expect(stored).toMatchObject({ Subject: 'Plan', Location: null, Description: description });
    const success = await results(second.id, 'successfulResults');
    expect(success[1]).toEqual([recordId, 'false', recordId, '', '#N/A', description]);
  });

  it('failed job leaves rows unprocessed', async () => {
    await h.admin('POST', 'bulk', { failJobs: 1, failAfterRecords: 3 });
    const header = ['Sync__c', 'Subject', 'StartDateTime', 'EndDateTime'];
    const { id, info } = await runJob({ operation: 'upsert', externalIdFieldName: 'Sync__c' },
      [header, ...['S-1', 'S-2', 'S-3', 'S-4', 'S-5'].map((key) => timed(key))]);

    expect(info).toMatchObject({ state: 'Failed', numberRecordsProcessed: 3 });
    expect(String(info.errorMessage)).not.toBe('');
    expect((await results(id, 'successfulResults')).slice(1).map((row) => row[2])).toEqual(['S-1', 'S-2', 'S-3']);
    expect(await results(id, 'unprocessedrecords')).toEqual([header, timed('S-4'), timed('S-5')]);
  });

  it('unknown column fails the job', async () => {
    const { info } = await runJob({ operation: 'insert' }, [['Subject', 'Bogus__c'], ['A', 'B']]);
    expect(info).toMatchObject({ state: 'Failed', numberRecordsProcessed: 0, errorMessage: 'InvalidBatch : Field name not found : Bogus__c' });
  });

  it('rejects invalid job requests', async () => {
    const id = await createJob({ operation: 'insert' });
    expect((await h.api('PATCH', `jobs/ingest/${id}`, { state: 'UploadComplete' })).status).toBe(400);
    expect((await csvCall('PUT', `jobs/ingest/${id}/batches`, 'Subject\nA\n')).status).toBe(201);
    const again = await csvCall('PUT', `jobs/ingest/${id}/batches`, 'Subject\nB\n');
    expect(again.status).toBe(400);
    expect(JSON.parse(again.text)[0].errorCode).toBe('BULK_API_ERROR');
    expect((await csvCall('GET', `jobs/ingest/${id}/successfulResults/`)).status).toBe(409);
    expect((await h.api('POST', 'jobs/ingest', { object: 'Event', operation: 'upsert' })).status).toBe(400);
    expect((await h.api('GET', 'jobs/ingest/750000000000000AAA')).status).toBe(404);
  });

  it('aborted job writes nothing', async () => {
    await h.admin('POST', 'bulk', { processingDelayMs: 10_000 });
    const id = await createJob({ operation: 'insert' });
    await csvCall('PUT', `jobs/ingest/${id}/batches`, formatCsv([['Subject', 'StartDateTime', 'EndDateTime'], ['A', '2027-03-01T10:00:00Z', '2027-03-01T11:00:00Z']]));
    await h.api('PATCH', `jobs/ingest/${id}`, { state: 'UploadComplete' });
    const aborted = await h.api('PATCH', `jobs/ingest/${id}`, { state: 'Aborted' });

    expect((aborted.body as { state: string }).state).toBe('Aborted');
    expect((await results(id, 'unprocessedrecords')).length).toBe(2);
    expect((await h.api('DELETE', `jobs/ingest/${id}`)).status).toBe(204);
    expect((await h.api('GET', `jobs/ingest/${id}`)).status).toBe(404);
    expect(((await h.admin('GET', 'records/Event')).body as { records: unknown[] }).records).toEqual([]);
  });

  it('counts each job request', async () => {
    await h.admin('POST', 'stats/reset');
    const { id } = await runJob({ operation: 'insert' }, [['Subject', 'StartDateTime', 'EndDateTime'], ['A', '2027-03-01T10:00:00Z', '2027-03-01T11:00:00Z']]);
    await results(id, 'successfulResults');
    const stats = (await h.admin('GET', 'stats')).body as { apiCalls: number; byRoute: Record<string, number> };
    expect(stats.byRoute['POST /jobs/ingest']).toBe(1);
    expect(stats.byRoute['PUT /jobs/ingest/{jobId}/batches']).toBe(1);
    expect(stats.byRoute['PATCH /jobs/ingest/{jobId}']).toBe(1);
    expect(stats.byRoute['GET /jobs/ingest/{jobId}/{resultKind}']).toBe(1);
    const polls = stats.byRoute['GET /jobs/ingest/{jobId}'] ?? 0;
    expect(polls).toBeGreaterThan(0);
    expect(stats.apiCalls).toBe(4 + polls);
  });
});

describe('Bulk CSV codec', () => {
  it('parses quoted fields, doubled quotes and CRLF', () => {
    expect(parseCsv('a,"b,c","say ""hi"""\r\n"x\ny",,z\r\n')).toEqual([['a', 'b,c', 'say "hi"'], ['x\ny', '', 'z']]);
    expect(parseCsv('a|b\n', 'PIPE')).toEqual([['a', 'b']]);
    expect(() => parseCsv('"open')).toThrow(/unclosed quote/);
  });

  it('formats what it parses back', () => {
    const rows = [['Id', 'Text'], ['1', 'comma, "quote"\nbreak'], ['2', '']];
    expect(parseCsv(formatCsv(rows, 'TAB', 'CRLF'), 'TAB')).toEqual(rows);
  });
});
