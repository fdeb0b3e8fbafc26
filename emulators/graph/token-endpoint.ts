import type { FastifyInstance, FastifyReply } from 'fastify';
import { APPLICATION_ROLES, issueAccessToken } from './access-tokens.ts';
import { aadError, checkClient, type ClientRegistration } from './app-registrations.ts';
import { graphScopes, type AuthGrants, type GrantError, type UserGrant } from './auth-grants.ts';
import type { MailboxStore } from './mailbox-store.ts';
import type { RequestStats } from './request-stats.ts';

export interface TokenEndpointOptions {
  /** Accepted app registrations; null accepts any tenant, client and secret (the sandbox default). */
  readonly clients: readonly ClientRegistration[] | null;
  readonly lifetimeSeconds: number;
  readonly store: MailboxStore;
  readonly stats: RequestStats;
  readonly grants: AuthGrants;
}

const APP_ONLY_SCOPES = new Set(['https://graph.microsoft.com/.default', '00000003-0000-0000-c000-000000000000/.default']);
const GRANT_TYPES = ['client_credentials', 'authorization_code', 'refresh_token'];

type Field = (name: string) => string | null;

/**
 * The Microsoft identity platform v2.0 token endpoint (`POST /{tenant}/oauth2/v2.0/token`, form-encoded) for the
 * client credentials grant (app-only tokens) and for the authorization code and refresh token grants (delegated
 * tokens of one user). Failures use AAD's error JSON: an OAuth `error`, an `error_description` that starts with the
 * AADSTS code, and `error_codes`, trace and correlation ids.
 */
export function registerTokenEndpoint(app: FastifyInstance, options: TokenEndpointOptions): void {
  app.post<{ Params: { tenant: string } }>('/:tenant/oauth2/v2.0/token', async (request, reply) => {
    options.stats.countToken();
    const form = (typeof request.body === 'object' && request.body !== null ? request.body : {}) as Record<string, unknown>;
    const field: Field = (name) => (typeof form[name] === 'string' && form[name] !== '' ? (form[name] as string) : null);
    const tenant = request.params.tenant;

    const grantType = field('grant_type');
    if (grantType === null) {
      return aadError(reply, 400, 'invalid_request', 900144, "The request body must contain the parameter 'grant_type'.");
    }
    if (!GRANT_TYPES.includes(grantType)) {
      return aadError(reply, 400, 'unsupported_grant_type', 70003, `The app requested the unsupported grant type '${grantType}'; this endpoint serves ${GRANT_TYPES.map((type) => `'${type}'`).join(', ')}.`);
    }

    const clientId = field('client_id');
    if (clientId === null) {
      return aadError(reply, 400, 'invalid_request', 900144, "The request body must contain the parameter 'client_id'.");
    }

    const clientSecret = field('client_secret');
    if (clientSecret === null) {
      return aadError(reply, 401, 'invalid_client', 7000218, "The request body must contain the parameter 'client_assertion' or 'client_secret'.");
    }

    const failure = checkClient(options.clients, tenant, clientId, clientSecret);
    if (failure) {
      return aadError(reply, failure.status, failure.error, failure.code, failure.description);
    }

    if (grantType === 'client_credentials') {
      return clientCredentials(reply, options, tenant, clientId, field('scope'));
    }

    const grant = grantType === 'authorization_code' ? redeemCode(options.grants, field, clientId) : redeemRefreshToken(options.grants, field, clientId);
    if ('error' in grant) {
      return aadError(reply, grant.status, grant.error, grant.code, grant.description);
    }
    return delegatedTokens(reply, options, tenant, grant);
  });
}

function clientCredentials(reply: FastifyReply, options: TokenEndpointOptions, tenant: string, clientId: string, scope: string | null): FastifyReply {
  if (scope === null || !APP_ONLY_SCOPES.has(scope)) {
    return aadError(reply, 400, 'invalid_scope', 1002012, `The scope '${scope ?? ''}' is not valid; the client credentials flow needs the resource id with '/.default', e.g. 'https://graph.microsoft.com/.default'.`);
  }

  // As Entra ID does, a token is issued without admin consent too; it carries no application permissions then.
  const roles = options.grants.hasApplicationConsent(clientId) ? APPLICATION_ROLES : [];
  const accessToken = issueAccessToken(options.store.tokenSecret, { tenantId: tenant, clientId, lifetimeSeconds: options.lifetimeSeconds, roles }, options.store.tokensNotBefore);
  return reply.code(200).header('cache-control', 'no-store, no-cache').send({
    token_type: 'Bearer',
    expires_in: options.lifetimeSeconds,
    ext_expires_in: options.lifetimeSeconds,
    access_token: accessToken,
  });
}

function redeemCode(grants: AuthGrants, field: Field, clientId: string): UserGrant | GrantError {
  const code = field('code');
  if (code === null) {
    return missing('code');
  }
  return grants.redeemCode(code, clientId, field('redirect_uri'), field('code_verifier'));
}

function redeemRefreshToken(grants: AuthGrants, field: Field, clientId: string): UserGrant | GrantError {
  const token = field('refresh_token');
  if (token === null) {
    return missing('refresh_token');
  }
  const scopes = (field('scope') ?? '').split(' ').filter(Boolean);
  return grants.redeemRefreshToken(token, clientId, scopes);
}

function delegatedTokens(reply: FastifyReply, options: TokenEndpointOptions, tenant: string, grant: UserGrant): FastifyReply {
  const user = options.store.findUser(grant.userId);
  if (!user) {
    return aadError(reply, 400, 'invalid_grant', 50034, 'The user account does not exist in this directory.');
  }

  const accessToken = issueAccessToken(
    options.store.tokenSecret,
    {
      tenantId: tenant,
      clientId: grant.clientId,
      lifetimeSeconds: options.lifetimeSeconds,
      user: { userId: user.id, userPrincipalName: user.userPrincipalName, scopes: graphScopes(grant.scopes), grantId: grant.grantId },
    },
    options.store.tokensNotBefore,
  );
  const body: Record<string, unknown> = {
    token_type: 'Bearer',
    scope: graphScopes(grant.scopes).join(' '),
    expires_in: options.lifetimeSeconds,
    ext_expires_in: options.lifetimeSeconds,
    access_token: accessToken,
  };
  if (grant.offline) {
    body.refresh_token = options.grants.issueRefreshToken(grant);
  }
  return reply.code(200).header('cache-control', 'no-store, no-cache').send(body);
}

function missing(name: string): GrantError {
  return { status: 400, error: 'invalid_request', code: 900144, description: `The request body must contain the parameter '${name}'.` };
}
