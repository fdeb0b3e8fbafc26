import formbody from '@fastify/formbody';
import Fastify, { type FastifyInstance } from 'fastify';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { CrmRecord, Write } from '../../domain/connector.ts';
import { isConnectorError } from '../../domain/errors.ts';
import { createSilentLogger } from '../../observability/logger.ts';
import { createSalesforceEventSource, type SalesforceConnectorOptions } from './event-source.ts';

// A tiny stand-in for Salesforce serving documented payloads, for the HTTP behaviour of the connector.
const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const corpus = (name: string): unknown =>
  JSON.parse(readFileSync(path.resolve(repoRoot, '..', 'shared', 'corpus', 'api', name), 'utf8')) as unknown;

interface Reply {
  status?: number;
  body: unknown;
  headers?: Record<string, string>;
}
type Handler = (method: string, url: string, body: unknown) => Reply | undefined;

const DATA = '/services/data/v62.0';
const describeBody = {
  fields: ['Id', 'SystemModstamp', 'LastModifiedDate', 'Sync__c', 'Subject', 'OwnerId'].map((name) => ({ name, type: 'string', length: 255, externalId: name === 'Sync__c' })),
};

let login: FastifyInstance;
let instance: FastifyInstance;
let loginUrl = '';
let instanceUrl = '';
let validToken = '';
let tokensIssued = 0;
let requests: { method: string; url: string; body: unknown }[] = [];
let handler: Handler = () => undefined;

beforeAll(async () => {
  login = Fastify();
  await login.register(formbody);
  login.post('/services/oauth2/token', async (request, reply) => {
    const form = request.body as Record<string, string>;
    if (form.refresh_token === 'revoked') {
      return reply.code(400).send(corpus('sf-oauth-refresh-invalid-grant.json'));
    }
    tokensIssued += 1;
    validToken = `token-${tokensIssued}`;
    return { access_token: validToken, instance_url: instanceUrl, token_type: 'Bearer', issued_at: String(Date.now()) };
  });
  loginUrl = await login.listen({ host: '127.0.0.1', port: 0 });

  instance = Fastify();
  instance.all('/*', async (request, reply) => {
    requests.push({ method: request.method, url: request.url, body: request.body });
    if (request.headers.authorization !== `Bearer ${validToken}`) {
      return reply.code(401).send(corpus('sf-error-invalid-session-id.json'));
    }
    const answer = handler(request.method, request.url, request.body) ?? defaultAnswer(request.url);
    return reply
      .code(answer.status ?? 200)
      .headers(answer.headers ?? {})
      .send(answer.body);
  });
  instanceUrl = await instance.listen({ host: '127.0.0.1', port: 0 });
});

afterAll(async () => {
  await login.close();
  await instance.close();
});

beforeEach(() => {
  requests = [];
  handler = () => undefined;
});

function defaultAnswer(url: string): Reply {
  if (url === `${DATA}/sobjects/Event/describe`) {
    return { body: describeBody };
  }
  if (url.startsWith(`${DATA}/query?q=`) && decodeURIComponent(url).includes('FROM User')) {
    return { body: { totalSize: 1, done: true, records: [{ attributes: { type: 'User' }, Id: '005000000000001AAA' }] } };
  }
  return { status: 404, body: [{ errorCode: 'NOT_FOUND', message: 'The requested resource does not exist' }] };
}

function source(overrides: Partial<SalesforceConnectorOptions> = {}) {
  return createSalesforceEventSource({
    loginUrl,
    auth: { kind: 'refreshToken', clientId: 'id', clientSecret: 'secret', refreshToken: 'good' },
    apiVersion: '62.0',
    owner: { email: "o'neil@example.com" },
    syncIdField: 'Sync__c',
    fields: ['Subject'],
    logger: createSilentLogger(),
    sleep: async () => {},
    ...overrides,
  });
}

const event = (id: string, stamp: string) => ({
  attributes: { type: 'Event' },
  Id: id,
  SystemModstamp: stamp,
  LastModifiedDate: stamp,
  Sync__c: null,
  Subject: `Event ${id}`,
});

describe('Salesforce event source over HTTP', () => {
  it('full pull follows nextRecordsUrl on the instance URL', async () => {
    const page1 = corpus('sf-query-page1-nextRecordsUrl.json') as Record<string, unknown>;
    const page2 = corpus('sf-query-page2-done.json') as Record<string, unknown>;
    handler = (_method, url) => {
      if (url.startsWith(`${DATA}/query?q=`) && decodeURIComponent(url).includes('FROM Event')) {
        return { body: { ...page1, records: [event('00U1', '2026-05-04T12:00:00.000+0000')] } };
      }
      if (url === page1.nextRecordsUrl) {
        return { body: { ...page2, records: [event('00U2', '2026-05-04T12:05:00.000+0000')] } };
      }
      return undefined;
    };

    const result = await source().pullChanges(null, { start: '2026-05-01T00:00:00Z', end: '2026-06-01T00:00:00Z' });
    expect(result.isFullListing).toBe(true);
    expect(result.changes.map((change) => change.id)).toEqual(['00U1', '00U2']);
    const userQuery = requests.find((request) => decodeURIComponent(request.url).includes('FROM User'));
    expect(decodeURIComponent(userQuery!.url)).toContain("Email = 'o\\'neil@example.com' AND IsActive = true");
    expect(JSON.parse(result.nextCursor).watermark >= '2026-05-04T12:05:00.000Z').toBe(true);
  });

  it('incremental pull sends query and queryAll in one composite call', async () => {
    handler = (method, url, body) => {
      if (method !== 'POST' || url !== `${DATA}/composite`) {
        return undefined;
      }
      const subrequests = (body as { compositeRequest: { url: string; referenceId: string }[] }).compositeRequest;
      expect(subrequests.map((subrequest) => subrequest.url.split('?')[0])).toEqual([`${DATA}/query`, `${DATA}/queryAll`]);
      return {
        body: {
          compositeResponse: [
            { referenceId: subrequests[0]!.referenceId, httpStatusCode: 200, httpHeaders: {}, body: { totalSize: 2, done: true, records: [event('00U1', '2026-05-04T12:10:00.000+0000'), event('00U2', '2026-05-04T12:11:00.000+0000')] } },
            { referenceId: subrequests[1]!.referenceId, httpStatusCode: 200, httpHeaders: {}, body: { totalSize: 1, done: true, records: [{ attributes: { type: 'Event' }, Id: '00U2', SystemModstamp: '2026-05-04T12:12:00.000+0000' }] } },
          ],
        },
      };
    };

    const connector = source({ owner: { id: '005000000000001AAA' } });
    const result = await connector.pullChanges(JSON.stringify({ watermark: new Date(Date.now() - 60_000).toISOString() }), {
      start: '2026-05-01T00:00:00Z',
      end: '2026-06-01T00:00:00Z',
    });
    expect(result.changes).toEqual([
      expect.objectContaining({ kind: 'upsert', id: '00U1', version: '2026-05-04T12:10:00.000+0000' }),
      { kind: 'delete', id: '00U2', mayStillExist: false },
    ]);
    expect(requests.map((request) => request.url)).toEqual([`${DATA}/sobjects/Event/describe`, `${DATA}/composite`]);
    expect(connector.calls).toBe(2);
  });

  it('gets a new token once on an expired session', async () => {
    const connector = source({ owner: { id: '005000000000001AAA' } });
    await connector.readItems([]);
    handler = (_method, url) => (url.includes('FROM Event') || decodeURIComponent(url).includes('FROM Event') ? { body: { totalSize: 0, done: true, records: [] } } : undefined);
    await connector.findBySyncIds(['S-1']);
    const before = tokensIssued;
    validToken = 'rotated-by-server';

    const found = await connector.findBySyncIds(['S-1']);
    expect(found.size).toBe(0);
    expect(tokensIssued).toBe(before + 1);
  });

  it('suspends when the refresh token is refused', async () => {
    const connector = source({ auth: { kind: 'refreshToken', clientId: 'id', clientSecret: 'secret', refreshToken: 'revoked' } });
    const error = await connector.readItems(['00U000000000001']).catch((caught: unknown) => caught);
    expect(isConnectorError(error, 'suspend')).toBe(true);
    expect((error as Error).message).toBe('Salesforce refused the refresh token: reconnect Salesforce for this org');
  });

  it('retries a 503 and counts every request', async () => {
    let failures = 1;
    handler = (_method, url) => {
      if (!decodeURIComponent(url).includes('FROM Event')) {
        return undefined;
      }
      if (failures > 0) {
        failures -= 1;
        return { status: 503, body: [{ errorCode: 'SERVER_UNAVAILABLE', message: 'down' }], headers: { 'retry-after': '0' } };
      }
      return { body: { totalSize: 1, done: true, records: [event('00U000000000007', '2026-05-04T12:00:00.000+0000')] } };
    };

    const connector = source({ owner: { id: '005000000000001AAA' } });
    const items = await connector.readItems(['00U000000000007']);
    expect([...items.keys()]).toEqual(['00U000000000007']);
    expect(connector.calls).toBe(3);
  });

  it('repeats only the records that hit a locked row', async () => {
    const sent: string[][] = [];
    handler = (method, url, body) => {
      if (method !== 'POST' || url !== `${DATA}/composite`) {
        return undefined;
      }
      const [subrequest] = (body as { compositeRequest: { referenceId: string; body: { records: Record<string, unknown>[] } }[] }).compositeRequest;
      const syncIds = subrequest!.body.records.map((record) => String(record.Sync__c));
      sent.push(syncIds);
      const results = syncIds.map((syncId, index) =>
        syncId === 'S-1' && sent.length === 1
          ? { success: false, errors: [{ statusCode: 'UNABLE_TO_LOCK_ROW', message: 'unable to obtain exclusive access', fields: [] }] }
          : { id: `00U${index}${sent.length}`, success: true, errors: [], created: true },
      );
      return { body: { compositeResponse: [{ referenceId: subrequest!.referenceId, httpStatusCode: 200, httpHeaders: {}, body: results }] } };
    };

    const writes: Write<CrmRecord>[] = [
      { op: 'create', ref: 'a', syncId: 'S-0', item: { Subject: 'A' } },
      { op: 'create', ref: 'b', syncId: 'S-1', item: { Subject: 'B' } },
    ];
    const results = await source({ owner: { id: '005000000000001AAA' } }).applyWrites(writes);
    expect(sent).toEqual([['S-0', 'S-1'], ['S-1']]);
    expect(results.map((result) => result.ok)).toEqual([true, true]);
  });

  it('links a record to Lightning on the instance URL', async () => {
    const connector = source({ owner: { id: '005000000000001AAA' } });
    await connector.findBySyncIds(['S-1']).catch(() => undefined);
    expect(connector.recordUrl('00U1')).toBe(`${instanceUrl}/lightning/r/Event/00U1/view`);
  });
});
