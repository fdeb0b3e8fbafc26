import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { TestEmulator } from './test-client.ts';
import { USER, startTestEmulator, timedEvent } from './test-client.ts';

const EVENTS = `/users/${USER.userPrincipalName}/events`;
const JSON_HEADERS = { 'Content-Type': 'application/json' };

function createRequest(id: string): Record<string, unknown> {
  return { id, method: 'POST', url: EVENTS, headers: JSON_HEADERS, body: timedEvent(`Batch ${id}`, '2026-09-01T09:00:00', '2026-09-01T10:00:00') };
}

describe('graph emulator $batch and throttling', () => {
  let test: TestEmulator;

  beforeAll(async () => {
    test = await startTestEmulator();
  });

  afterEach(async () => {
    await test.admin('DELETE', '/faults');
  });

  afterAll(async () => {
    await test.emulator.close();
  });

  it('runs 20 requests and counts one HTTP request', async () => {
    await test.admin('POST', '/stats/reset');
    const requests = Array.from({ length: 20 }, (_, index) => createRequest(String(index + 1)));
    const batch = await test.graph('POST', '/$batch', { body: { requests } });
    const stats = await test.admin('GET', '/stats');

    expect(batch.status).toBe(200);
    expect(batch.json.responses).toHaveLength(20);
    expect(batch.json.responses.map((entry: { id: string }) => entry.id).sort()).toEqual(requests.map((request) => request.id).sort());
    expect(batch.json.responses.every((entry: { status: number; body: { subject: string } }) => entry.status === 201 && entry.body.subject.startsWith('Batch'))).toBe(true);
    expect(stats.json.requests).toBe(1);
    expect(stats.json.byRoute['POST /$batch']).toBe(1);
    expect(stats.json.innerRequests).toBe(20);
    expect(stats.json.innerByRoute['POST /users/{user}/events']).toBe(20);
  });

  it('rejects 21 requests with 400', async () => {
    const requests = Array.from({ length: 21 }, (_, index) => createRequest(String(index + 1)));
    const batch = await test.graph('POST', '/$batch', { body: { requests } });

    expect(batch.status).toBe(400);
    expect(batch.json.error.code).toBe('BadRequest');
  });

  it('rejects a write without Content-Type and an absolute URL', async () => {
    const noContentType = await test.graph('POST', '/$batch', { body: { requests: [{ id: '1', method: 'POST', url: EVENTS, body: { subject: 'x' } }] } });
    const absolute = await test.graph('POST', '/$batch', { body: { requests: [{ id: '1', method: 'GET', url: `https://graph.microsoft.com/v1.0${EVENTS}` }] } });

    expect(noContentType.status).toBe(400);
    expect(absolute.status).toBe(400);
  });

  it('runs dependsOn in order and fails dependents of a failed request with 424', async () => {
    const batch = await test.graph('POST', '/$batch', {
      body: {
        requests: [
          { id: 'read', method: 'GET', url: `${EVENTS}?$top=1`, dependsOn: ['create'] },
          createRequest('create'),
          { id: 'missing', method: 'GET', url: `${EVENTS}/AAMkAdoesnotexist0000=` },
          { id: 'after-missing', method: 'DELETE', url: `${EVENTS}/AAMkAdoesnotexist0000=`, dependsOn: ['missing'] },
        ],
      },
    });
    const byId = new Map(batch.json.responses.map((entry: { id: string }) => [entry.id, entry]));

    expect(byId.get('create')).toMatchObject({ status: 201 });
    expect(byId.get('read')).toMatchObject({ status: 200 });
    expect(byId.get('missing')).toMatchObject({ status: 404, body: { error: { code: 'ErrorItemNotFound' } } });
    expect(byId.get('after-missing')).toMatchObject({ status: 424 });
  });

  it('throttle fault answers matching inner requests 429 with Retry-After', async () => {
    await test.admin('POST', '/faults', { faults: [{ type: 'throttle', count: 2, retryAfterSeconds: 3, pathPattern: '/events$' }] });
    const requests = ['1', '2', '3'].map((id) => ({ id, method: 'GET', url: EVENTS }));
    const batch = await test.graph('POST', '/$batch', { body: { requests } });
    const statuses = batch.json.responses.map((entry: { status: number }) => entry.status).sort();
    const throttled = batch.json.responses.find((entry: { status: number }) => entry.status === 429);

    expect(batch.status).toBe(200);
    expect(statuses).toEqual([200, 429, 429]);
    expect(throttled.headers['Retry-After']).toBe('3');
    expect(throttled.body.error.code).toBe('TooManyRequests');
  });

  it('a fifth concurrent request to one mailbox gets 429 ApplicationThrottled', async () => {
    await test.admin('POST', '/faults', { faults: [{ type: 'latency', ms: 300 }] });
    const responses = await Promise.all(Array.from({ length: 5 }, () => test.graph('GET', `${EVENTS}?$top=1`)));
    const throttled = responses.filter((response) => response.status === 429);

    expect(responses.filter((response) => response.status === 200)).toHaveLength(4);
    expect(throttled).toHaveLength(1);
    expect(throttled[0]?.json.error.code).toBe('ApplicationThrottled');
    expect(throttled[0]?.headers.get('retry-after')).toBe('1');
  });

  it('failNth fails exactly the n-th request', async () => {
    await test.admin('POST', '/faults', { faults: [{ type: 'failNth', n: 2, status: 503, code: 'ServiceUnavailable' }] });
    const statuses: number[] = [];
    const codes: string[] = [];
    for (let index = 0; index < 3; index += 1) {
      const response = await test.graph('GET', `${EVENTS}?$top=1`);
      statuses.push(response.status);
      codes.push(response.json.error?.code ?? '');
    }

    expect(statuses).toEqual([200, 503, 200]);
    expect(codes[1]).toBe('ServiceUnavailable');
  });
});
