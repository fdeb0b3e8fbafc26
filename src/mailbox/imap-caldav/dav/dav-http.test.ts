import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isConnectorError } from '../../../domain/errors.ts';
import { createSilentLogger } from '../../../observability/logger.ts';
import { DavHttp } from './dav-http.ts';

describe('DavHttp.send', () => {
  let server: Server;
  let url: string;

  beforeAll(async () => {
    // Sends the status line and the first bytes of a 207 body, then stalls without ending the response.
    server = createServer((request, response) => {
      request.resume();
      response.writeHead(207, { 'content-type': 'application/xml' });
      response.write('<?xml version="1.0"?><d:multistatus xmlns:d="DAV:">');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/calendars/`;
  });

  afterAll(async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  it('stalled body is a network failure', async () => {
    // The timeout leaves room for the headers to arrive first, so it expires while the body is being read.
    const http = new DavHttp({ username: 'user', password: 'secret' }, createSilentLogger(), 2_000);

    const error: unknown = await http.send({ method: 'REPORT', url, body: '<x/>', label: 'sync-collection report' }).catch((caught: unknown) => caught);

    expect(isConnectorError(error)).toBe(true);
    if (!isConnectorError(error)) {
      return;
    }
    expect(error.failure.kind).toBe('retryLater');
    expect(error.failure.code).toBe('NetworkError');
    expect(error.failure.message).toContain('sync-collection report');
  });
});
