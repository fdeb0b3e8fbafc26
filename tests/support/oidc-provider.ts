import { createHash, randomBytes } from 'node:crypto';
import formbody from '@fastify/formbody';
import Fastify, { type FastifyInstance } from 'fastify';
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey, type JWK } from 'jose';

/**
 * A small OpenID Connect provider on loopback for tests. It serves discovery, an authorization endpoint that signs
 * in `nextUser` without a prompt, a token endpoint for the authorization code grant with PKCE (S256 only) and client
 * secrets, and the JWKS that verifies its RS256 ID tokens. It checks what a real provider checks: the client, the
 * redirect URI, single use of a code, and the PKCE verifier.
 */
export interface OidcUser {
  readonly subject: string;
  readonly email?: string;
  readonly emailVerified?: boolean;
}

interface IssuedCode {
  readonly redirectUri: string;
  readonly codeChallenge: string;
  readonly nonce: string | undefined;
  readonly user: OidcUser;
}

export class TestOidcProvider {
  /** Who the next authorization request signs in. */
  nextUser: OidcUser = { subject: 'user-1', email: 'dana@acme.example', emailVerified: true };
  /** Sign the next ID tokens with a key the JWKS does not publish, as a forger would. */
  forgeSignatures = false;
  /** Token requests received, successful or not. */
  tokenRequests = 0;
  private readonly codes = new Map<string, IssuedCode>();

  private constructor(
    readonly issuer: string,
    readonly clientId: string,
    readonly clientSecret: string,
    private readonly app: FastifyInstance,
  ) {}

  static async start(options: { clientId: string; clientSecret: string; redirectUris: () => readonly string[] }): Promise<TestOidcProvider> {
    const { publicKey, privateKey } = await generateKeyPair('RS256');
    const forgerKey = (await generateKeyPair('RS256')).privateKey;
    const jwk: JWK = { ...(await exportJWK(publicKey)), kid: 'test-key-1', alg: 'RS256', use: 'sig' };
    const app = Fastify({ logger: false, forceCloseConnections: true });
    await app.register(formbody);

    let provider: TestOidcProvider | null = null;
    app.get('/.well-known/openid-configuration', async () => {
      const issuer = provider?.issuer ?? '';
      return {
        issuer,
        authorization_endpoint: `${issuer}/authorize`,
        token_endpoint: `${issuer}/token`,
        jwks_uri: `${issuer}/jwks`,
        response_types_supported: ['code'],
        subject_types_supported: ['public'],
        id_token_signing_alg_values_supported: ['RS256'],
        code_challenge_methods_supported: ['S256'],
        token_endpoint_auth_methods_supported: ['client_secret_post', 'client_secret_basic'],
        scopes_supported: ['openid', 'email'],
      };
    });
    app.get('/jwks', async () => ({ keys: [jwk] }));
    app.get('/authorize', async (request, reply) => {
      const query = request.query as Record<string, string | undefined>;
      const self = provider as TestOidcProvider;
      if (query.client_id !== self.clientId || query.response_type !== 'code' || !(query.scope ?? '').split(' ').includes('openid')) {
        return reply.code(400).send({ error: 'invalid_request' });
      }
      if (query.redirect_uri === undefined || !options.redirectUris().includes(query.redirect_uri)) {
        return reply.code(400).send({ error: 'invalid_request', error_description: 'redirect_uri is not registered' });
      }
      if (query.code_challenge_method !== 'S256' || query.code_challenge === undefined) {
        return reply.code(400).send({ error: 'invalid_request', error_description: 'PKCE with S256 is required' });
      }

      const code = randomBytes(16).toString('base64url');
      self.codes.set(code, { redirectUri: query.redirect_uri, codeChallenge: query.code_challenge, nonce: query.nonce, user: self.nextUser });
      const target = new URL(query.redirect_uri);
      target.searchParams.set('code', code);
      if (query.state !== undefined) {
        target.searchParams.set('state', query.state);
      }
      return reply.redirect(target.href, 302);
    });
    app.post('/token', async (request, reply) => {
      const self = provider as TestOidcProvider;
      self.tokenRequests += 1;
      const body = request.body as Record<string, string | undefined>;
      const client = clientOf(request.headers.authorization, body);
      if (client.id !== self.clientId || client.secret !== self.clientSecret) {
        return reply.code(401).send({ error: 'invalid_client' });
      }

      const issued = body.code === undefined ? undefined : self.codes.get(body.code);
      if (body.code !== undefined) {
        self.codes.delete(body.code);
      }
      if (body.grant_type !== 'authorization_code' || issued === undefined || issued.redirectUri !== body.redirect_uri) {
        return reply.code(400).send({ error: 'invalid_grant' });
      }
      const challenge = createHash('sha256').update(body.code_verifier ?? '').digest('base64url');
      if (challenge !== issued.codeChallenge) {
        return reply.code(400).send({ error: 'invalid_grant', error_description: 'PKCE verification failed' });
      }

      const idToken = await signIdToken(self.forgeSignatures ? forgerKey : privateKey, self.issuer, self.clientId, issued);
      return { access_token: randomBytes(16).toString('base64url'), token_type: 'Bearer', expires_in: 300, id_token: idToken };
    });

    await app.listen({ port: 0, host: '127.0.0.1' });
    const address = app.server.address();
    const port = typeof address === 'object' && address !== null ? address.port : 0;
    provider = new TestOidcProvider(`http://127.0.0.1:${port}`, options.clientId, options.clientSecret, app);
    return provider;
  }

  close(): Promise<void> {
    return this.app.close();
  }
}

function clientOf(authorization: string | undefined, body: Record<string, string | undefined>): { id: string | undefined; secret: string | undefined } {
  if (authorization?.startsWith('Basic ')) {
    const [id, secret] = Buffer.from(authorization.slice(6), 'base64').toString('utf8').split(':').map((part) => decodeURIComponent(part));
    return { id, secret };
  }
  return { id: body.client_id, secret: body.client_secret };
}

async function signIdToken(key: CryptoKey, issuer: string, audience: string, issued: IssuedCode): Promise<string> {
  const claims: Record<string, unknown> = {};
  if (issued.user.email !== undefined) {
    claims.email = issued.user.email;
  }
  if (issued.user.emailVerified !== undefined) {
    claims.email_verified = issued.user.emailVerified;
  }
  if (issued.nonce !== undefined) {
    claims.nonce = issued.nonce;
  }
  return new SignJWT(claims)
    .setProtectedHeader({ alg: 'RS256', kid: 'test-key-1' })
    .setIssuer(issuer)
    .setAudience(audience)
    .setSubject(issued.user.subject)
    .setIssuedAt()
    .setExpirationTime('5m')
    .sign(key);
}
