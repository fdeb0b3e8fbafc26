import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import Fastify, { type FastifyInstance } from 'fastify';
import formbody from '@fastify/formbody';
import { createSilentLogger } from '../../observability/logger.ts';
import { createGraphEventSource, type GraphConnectorOptions } from './create-graph-event-source.ts';
import type { MailboxEventSource } from '../../domain/connector.ts';

/** Test support: a tiny Graph stand-in on loopback that serves what each test registers, plus a token endpoint. */
const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const corpusRoot = path.resolve(repoRoot, '..', 'shared', 'corpus');

/** Read and parse a documented Graph payload from the shared corpus. */
export function corpusJson<T = Record<string, unknown>>(name: string): T {
  return JSON.parse(readFileSync(path.join(corpusRoot, 'api', name), 'utf8')) as T;
}

export interface FakeGraph {
  readonly app: FastifyInstance;
  readonly origin: string;
  readonly baseUrl: string;
  readonly tokenUrl: string;
  /** Form bodies the token endpoint received. */
  readonly tokenRequests: Record<string, string>[];
  /** Make the next token requests fail with this status and body. */
  failTokens(status: number, body: unknown): void;
  source(overrides?: Partial<GraphConnectorOptions>): MailboxEventSource;
  close(): Promise<void>;
}

export async function startFakeGraph(register: (app: FastifyInstance) => void): Promise<FakeGraph> {
  const app = Fastify();
  await app.register(formbody);
  const tokenRequests: Record<string, string>[] = [];
  let tokenFailure: { status: number; body: unknown } | null = null;

  app.post('/tenant/oauth2/v2.0/token', async (request, reply) => {
    tokenRequests.push(request.body as Record<string, string>);
    if (tokenFailure) {
      return reply.code(tokenFailure.status).send(tokenFailure.body);
    }
    return { token_type: 'Bearer', expires_in: 3599, access_token: `token-${tokenRequests.length}` };
  });
  register(app);

  const address = await app.listen({ host: '127.0.0.1', port: 0 });
  const baseUrl = `${address}/v1.0`;
  const tokenUrl = `${address}/tenant/oauth2/v2.0/token`;

  return {
    app,
    origin: address,
    baseUrl,
    tokenUrl,
    tokenRequests,
    failTokens: (status, body) => {
      tokenFailure = { status, body };
    },
    source: (overrides = {}) =>
      createGraphEventSource({
        graphBaseUrl: baseUrl,
        tokenUrl,
        clientId: 'client-1',
        clientSecret: 'secret-1',
        userId: 'rosalindt@contoso.onmicrosoft.com',
        mailboxTimeZone: 'America/Los_Angeles',
        logger: createSilentLogger(),
        sleep: () => Promise.resolve(),
        ...overrides,
      }),
    close: () => app.close(),
  };
}

/** Rewrite the `https://graph.microsoft.com/v1.0` links of a documented payload to point at the fake server. */
export function relink<T>(payload: T, baseUrl: string): T {
  return JSON.parse(JSON.stringify(payload).replaceAll('https://graph.microsoft.com/v1.0', baseUrl)) as T;
}
