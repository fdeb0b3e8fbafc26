import fastifyCookie from '@fastify/cookie';
import fastifySwagger from '@fastify/swagger';
import Fastify, { type FastifyInstance } from 'fastify';
import { jsonSchemaTransform, jsonSchemaTransformObject, serializerCompiler, validatorCompiler } from 'fastify-type-provider-zod';
import type { Logger } from '../observability/logger.ts';
import { handleServerError, sendError } from './api-errors.ts';

/**
 * The engine's HTTP server: the webhooks, the HTTP API under `/api/v1`, health and metrics. Each part registers
 * its routes through a `ServerRoutes` function passed in `routes`, so this module stays small.
 *
 * Route schemas are zod schemas (fastify-type-provider-zod validates requests and serializes responses with
 * them), and the OpenAPI 3.1 document at `GET /openapi.json` is generated from them. Routes under `/api/` need
 * a signed-in caller unless their route config sets `public: true`: see authentication.ts, which `apiRoutes`
 * installs. Every error response has the shape `{"error":{"code","message","field"?}}` (api-errors.ts).
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

/** Webhook bodies are small JSON collections; a larger body is not from Graph. API routes set lower limits. */
const BODY_LIMIT_BYTES = 1024 * 1024;

export const OPENAPI_PATH = '/openapi.json';

export function createServer(options: ServerOptions): HttpServer {
  // Closing ends every connection, kept-alive ones included: a webhook caller whose request is cut retries it, and
  // waiting for callers' idle connections would hold a shutdown for the 72 s keep-alive timeout.
  const app = Fastify({ logger: false, bodyLimit: BODY_LIMIT_BYTES, forceCloseConnections: true });
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);

  // Both plugins must load before any route: swagger records routes as they are added, and the cookie parser's
  // hook must run before the sign-in check reads the cookie.
  void app.register(fastifySwagger, {
    openapi: {
      openapi: '3.1.0',
      info: { title: 'Syncline API', version: '1', description: 'Sync state, sessions and controls of the mailboxes a signed-in user may see.' },
      components: {
        securitySchemes: {
          sessionCookie: { type: 'apiKey', in: 'cookie', name: 'syncline_session', description: 'Set by sign-in; named __Host-syncline_session when the server is reached over HTTPS.' },
          csrfToken: { type: 'apiKey', in: 'header', name: 'x-csrf-token', description: 'Returned by sign-in and GET /api/v1/me; required on every state-changing request.' },
        },
      },
    },
    transform: jsonSchemaTransform,
    transformObject: jsonSchemaTransformObject,
  });
  void app.register(fastifyCookie);

  app.after(() => {
    for (const register of options.routes) {
      register(app);
    }
    app.get(OPENAPI_PATH, { schema: { hide: true } }, async () => app.swagger());
  });

  // No stored id contains a NUL character, and PostgreSQL rejects one in a text parameter (a 500 before this hook), so
  // such a path id is not found on any route. Fastify has matched the route and its parameters before onRequest runs.
  app.addHook('onRequest', async (request, reply) => {
    const params = request.params as Record<string, unknown> | undefined;
    const name = Object.keys(params ?? {}).find((key) => typeof params?.[key] === 'string' && params[key].includes('\u0000'));
    if (name !== undefined) {
      return sendError(reply, 404, { error: { code: 'not_found', message: `invalid path parameter ${name}: it contains a NUL character, which no id contains; remove it`, field: name } });
    }
    return undefined;
  });

  app.setErrorHandler((error, request, reply) => handleServerError(error, request, reply, options.logger));
  app.setNotFoundHandler((request, reply) =>
    sendError(reply, 404, { error: { code: 'not_found', message: `no route ${request.method} ${request.url.split('?')[0] ?? ''}; ${OPENAPI_PATH} lists the routes` } }),
  );

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
