import { createServer } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { createSilentLogger } from '../../observability/logger.ts';
import { isConnectorError } from '../../domain/errors.ts';
import { TokenProvider } from './token-provider.ts';
import { startFakeGraph, type FakeGraph } from './fake-graph.test-support.ts';

let fake: FakeGraph | undefined;
afterEach(async () => {
  await fake?.close();
  fake = undefined;
});

async function provider(now: () => number = Date.now): Promise<{ fake: FakeGraph; tokens: TokenProvider }> {
  fake = await startFakeGraph(() => undefined);
  const tokens = new TokenProvider({
    tokenUrl: fake.tokenUrl,
    clientId: 'client-1',
    clientSecret: 'secret-1',
    fetch,
    logger: createSilentLogger(),
    sleep: () => Promise.resolve(),
    now,
  });
  return { fake, tokens };
}

describe('TokenProvider', () => {
  it('reuses a token until shortly before it expires', async () => {
    let clock = 1_000_000;
    const { fake, tokens } = await provider(() => clock);

    const first = await tokens.getToken();
    clock += 3_000_000;
    const second = await tokens.getToken();
    clock += 300_000;
    const third = await tokens.getToken();

    expect([first, second, third]).toEqual(['token-1', 'token-1', 'token-2']);
    expect(fake.tokenRequests).toHaveLength(2);
  });

  it('shares one request among concurrent callers', async () => {
    const { fake, tokens } = await provider();

    const values = await Promise.all([tokens.getToken(), tokens.getToken(), tokens.getToken()]);

    expect(values).toEqual(['token-1', 'token-1', 'token-1']);
    expect(fake.tokenRequests).toHaveLength(1);
  });

  it('requests again after invalidate', async () => {
    const { tokens } = await provider();
    const first = await tokens.getToken();

    tokens.invalidate(first);

    expect(await tokens.getToken()).toBe('token-2');
  });

  it('suspends on invalid_client with a plain reason', async () => {
    const { fake, tokens } = await provider();
    fake.failTokens(401, { error: 'invalid_client', error_description: 'AADSTS7000218: The request body must contain client_secret.' });

    const error = await tokens.getToken().catch((caught: unknown) => caught);

    expect(isConnectorError(error, 'suspend')).toBe(true);
    expect((error as Error).message).toBe(
      "Graph sign-in failed: the client id or client secret was rejected. Check the org's graph.clientSecret (or the SYNCLINE_<ORG>_GRAPH_CLIENT_SECRET environment variable, which overrides it) and graph.clientId",
    );
  });

  it('names graph.clientSecret for a wrong secret', async () => {
    const { fake, tokens } = await provider();
    fake.failTokens(401, { error: 'invalid_client', error_description: 'AADSTS7000215: Invalid client secret provided.', error_codes: [7000215] });

    const error = await tokens.getToken().catch((caught: unknown) => caught);
    const message = (error as Error).message;

    expect(isConnectorError(error, 'suspend')).toBe(true);
    expect(message).toContain('the client secret was rejected (AADSTS7000215)');
    expect(message).toContain("the org's graph.clientSecret");
    expect(message).toContain('SYNCLINE_<ORG>_GRAPH_CLIENT_SECRET');
    expect(message).not.toContain('tokenUrl');
  });

  it('names URL, cause and authorityUrl when unreachable', async () => {
    const port = await closedPort();
    const tokens = new TokenProvider({
      tokenUrl: `http://127.0.0.1:${port}/contoso/oauth2/v2.0/token?client_secret=never-shown`,
      clientId: 'client-1',
      clientSecret: 'secret-1',
      fetch,
      logger: createSilentLogger(),
      sleep: () => Promise.resolve(),
    });

    const error = await tokens.getToken().catch((caught: unknown) => caught);
    const message = (error as Error).message;

    expect(isConnectorError(error, 'retryLater')).toBe(true);
    expect(message).toContain(`no response from the Microsoft Entra token endpoint at http://127.0.0.1:${port}/contoso/oauth2/v2.0/token (ECONNREFUSED,`);
    expect(message).toContain("check the org's graph.authorityUrl");
    expect(message).not.toContain('never-shown');
    expect(message).not.toContain('secret-1');
  });

  it('suspends when the tenant refuses consent', async () => {
    const { fake, tokens } = await provider();
    fake.failTokens(400, { error: 'unauthorized_client' });

    await expect(tokens.getToken()).rejects.toMatchObject({ failure: { kind: 'suspend', code: 'unauthorized_client' } });
  });

  it('retries a busy token endpoint and then gives up with retryLater', async () => {
    const { fake, tokens } = await provider();
    fake.failTokens(503, { error: 'temporarily_unavailable' });

    await expect(tokens.getToken()).rejects.toMatchObject({ failure: { kind: 'retryLater' } });
    expect(fake.tokenRequests).toHaveLength(4);
  });
});

/** Find a loopback port nothing listens on: bind port 0 to get a free number, then close it. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (address === null || typeof address === 'string') {
    throw new Error('the probe server has no port');
  }
  return address.port;
}
