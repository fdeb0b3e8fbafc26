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
    fake.failTokens(401, { error: 'invalid_client', error_description: 'AADSTS7000215: Invalid client secret provided.' });

    const error = await tokens.getToken().catch((caught: unknown) => caught);

    expect(isConnectorError(error, 'suspend')).toBe(true);
    expect((error as Error).message).toBe('Graph sign-in failed: the client id or client secret was rejected. Update the app credentials');
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
