import { ConnectorError, type Failure } from '../../domain/errors.ts';
import { classifySalesforceError, readErrorItems } from './classify-error.ts';

export type SalesforceAuth =
  | { kind: 'refreshToken'; clientId: string; clientSecret: string; refreshToken: string }
  | { kind: 'clientCredentials'; clientId: string; clientSecret: string };

export interface SalesforceToken {
  readonly accessToken: string;
  /** Origin of the org's REST API; every REST call goes here, never to the login URL. */
  readonly instanceUrl: string;
}

/** OAuth error codes that no retry can fix: the connection must be made again by a person. */
const REJECTED_GRANT_CODES = new Set(['invalid_grant', 'invalid_client', 'invalid_client_id', 'unauthorized_client']);

/** Get an access token from `{loginUrl}/services/oauth2/token` with the flow `auth` names. */
export async function requestToken(fetchFn: typeof fetch, loginUrl: string, auth: SalesforceAuth): Promise<SalesforceToken> {
  const form = new URLSearchParams({ grant_type: grantType(auth), client_id: auth.clientId, client_secret: auth.clientSecret });
  if (auth.kind === 'refreshToken') {
    form.set('refresh_token', auth.refreshToken);
  }

  const url = `${loginUrl.replace(/\/+$/, '')}/services/oauth2/token`;
  let response: Response;
  try {
    response = await fetchFn(url, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
      body: form.toString(),
    });
  } catch (error) {
    throw new ConnectorError(
      { kind: 'retryLater', code: 'NETWORK_ERROR', message: `Salesforce token endpoint unreachable: ${errorName(error)}` },
      { cause: error },
    );
  }

  const body = await readJson(response);
  if (!response.ok) {
    throw new ConnectorError(tokenFailure(auth, response, body));
  }
  return parseToken(body);
}

function grantType(auth: SalesforceAuth): string {
  return auth.kind === 'refreshToken' ? 'refresh_token' : 'client_credentials';
}

function tokenFailure(auth: SalesforceAuth, response: Response, body: unknown): Failure {
  const code = readErrorItems(body)[0]?.code;
  if (code === undefined || !REJECTED_GRANT_CODES.has(code)) {
    const failure = classifySalesforceError(response.status, body, response.headers);
    // A token request that fails for another reason cannot be fixed by asking for a token again.
    return failure.kind === 'reauthenticate' ? { ...failure, kind: 'suspend' } : failure;
  }

  if (code !== 'invalid_grant') {
    return {
      kind: 'suspend',
      code,
      message: 'Salesforce rejected the connected app credentials: check the consumer key and secret in the configuration',
    };
  }
  if (auth.kind === 'clientCredentials') {
    return {
      kind: 'suspend',
      code,
      message:
        'Salesforce rejected the client credentials grant: enable the flow with a run-as user on the connected app and use the org My Domain URL as loginUrl',
    };
  }
  return { kind: 'suspend', code, message: 'Salesforce refused the refresh token: reconnect Salesforce for this org' };
}

function parseToken(body: unknown): SalesforceToken {
  const record = body !== null && typeof body === 'object' ? (body as Record<string, unknown>) : {};
  const accessToken = record.access_token;
  const instanceUrl = record.instance_url;
  if (typeof accessToken !== 'string' || typeof instanceUrl !== 'string' || !/^https?:\/\//.test(instanceUrl)) {
    throw new ConnectorError({
      kind: 'bug',
      code: 'INVALID_TOKEN_RESPONSE',
      message: 'Salesforce token response lacks access_token or instance_url: check that loginUrl points at a Salesforce login host',
    });
  }
  return { accessToken, instanceUrl: instanceUrl.replace(/\/+$/, '') };
}

export async function readJson(response: Response): Promise<unknown> {
  const text = await response.text();
  if (text === '') {
    return null;
  }
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

export function errorName(error: unknown): string {
  if (error instanceof Error) {
    const cause = error.cause instanceof Error ? ` (${error.cause.message})` : '';
    return `${error.message}${cause}`;
  }
  return String(error);
}
