import Fastify, { type FastifyInstance } from 'fastify';
import type { Logger } from '../observability/logger.ts';

/**
 * The engine's HTTP server. Today it carries the webhooks; the product's HTTP API and the dashboard join it as more
 * routes. Each part registers its routes through a `ServerRoutes` function, so this module stays small.
 */
export type ServerRoutes = (app: FastifyInstance) => void;

export interface ServerOptions {
  readonly routes: readonly ServerRoutes[];
  readonly logger: Logger;
}

export interface RunningServer {
  /** `http://host:port` the server listens on (the real port when 0 was asked for). */
  readonly url: string;
  close(): Promise<void>;
}

export interface HttpServer {
  listen(port: number, host: string): Promise<RunningServer>;
}

/** Webhook bodies are small JSON collections; a larger body is not from Graph. */
const BODY_LIMIT_BYTES = 1024 * 1024;

export function createServer(options: ServerOptions): HttpServer {
  // Closing ends every connection, kept-alive ones included: a webhook caller whose request is cut retries it, and
  // waiting for callers' idle connections would hold a shutdown for the 72 s keep-alive timeout.
  const app = Fastify({ logger: false, bodyLimit: BODY_LIMIT_BYTES, forceCloseConnections: true });
  for (const register of options.routes) {
    register(app);
  }
  app.setErrorHandler((error, request, reply) => {
    const status = typeof (error as { statusCode?: unknown }).statusCode === 'number' ? (error as { statusCode: number }).statusCode : 500;
    // The URL path only: a query string may carry a token, and bodies never reach the log.
    options.logger.warn({ method: request.method, path: request.routeOptions.url ?? 'unmatched', status, code: (error as { code?: unknown }).code }, 'HTTP request failed');
    void reply.code(status).send({ error: status >= 500 ? 'internal error' : (error as Error).message });
  });

  return {
    async listen(port, host) {
      await app.listen({ port, host });
      const address = app.server.address();
      const actualPort = typeof address === 'object' && address !== null ? address.port : port;
      const url = `http://${host.includes(':') ? `[${host}]` : host}:${actualPort}`;
      options.logger.info({ url }, 'HTTP server listening');
      return { url, close: () => app.close() };
    },
  };
}
