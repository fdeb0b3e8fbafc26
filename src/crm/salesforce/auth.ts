import { ConnectorError, type Failure } from '../../domain/errors.ts';
import { classifyNetworkError, classifySalesforceError, readErrorItems } from './classify-error.ts';
import { jwtAudience, readPrivateKey, signJwtAssertion } from './jwt-assertion.ts';

export type SalesforceAuth =
  | { kind: 'refreshToken'; clientId: string; clientSecret: string; refreshToken: string }
  | { kind: 'clientCredentials'; clientId: string; clientSecret: string }
  | {
      kind: 'jwtBearer';
      clientId: string;
      /** Username of the integration user, pre-authorized on the connected app. */
      username: string;
      /** PEM private key whose certificate is uploaded to the connected app. */
      privateKeyPem: string;
      /** `aud` claim; derived from the login URL when absent. */
      audience?: string;
    };

export interface SalesforceToken {
  readonly accessToken: string;
  /** Origin of the org's REST API; every REST call goes here, never to the login URL. */
  readonly instanceUrl: string;
}

/** OAuth error codes that no retry can fix: the connection must be made again by a person. */
const REJECTED_GRANT_CODES = new Set(['invalid_grant', 'invalid_client', 'invalid_client_id', 'unauthorized_client']);

/** The token endpoint answers in well under a second when healthy; a hung connection must not hold a session. */
const TOKEN_TIMEOUT_MS = 60_000;

/** Get an access token from `{loginUrl}/services/oauth2/token` with the flow `auth` names. */
export async function requestToken(fetchFn: typeof fetch, loginUrl: string, auth: SalesforceAuth): Promise<SalesforceToken> {
  const form = tokenForm(loginUrl, auth);
  const url = `${loginUrl.replace(/\/+$/, '')}/services/oauth2/token`;
  let response: Response;
  try {
    response = await fetchFn(url, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
      body: form.toString(),
      signal: AbortSignal.timeout(TOKEN_TIMEOUT_MS),
    });
  } catch (error) {
    throw new ConnectorError(classifyNetworkError(error, 'The Salesforce token endpoint'), { cause: error });
  }

  const body = await readJson(response);
  if (!response.ok) {
    throw new ConnectorError(tokenFailure(auth, response, body));
  }
  return parseToken(body);
}

/** Build the token request body of the flow. The JWT bearer flow has no refresh token, so it signs a fresh assertion. */
function tokenForm(loginUrl: string, auth: SalesforceAuth): URLSearchParams {
  if (auth.kind === 'jwtBearer') {
    const claims = { clientId: auth.clientId, username: auth.username, audience: auth.audience ?? jwtAudience(loginUrl) };
    const assertion = signJwtAssertion(claims, readPrivateKey(auth.privateKeyPem));
    return new URLSearchParams({ grant_type: 'urn:ietf:params:oauth:grant-type:jwt-bearer', assertion });
  }
  if (auth.kind === 'refreshToken') {
    return new URLSearchParams({ grant_type: 'refresh_token', client_id: auth.clientId, client_secret: auth.clientSecret, refresh_token: auth.refreshToken });
  }
  return new URLSearchParams({ grant_type: 'client_credentials', client_id: auth.clientId, client_secret: auth.clientSecret });
}

function tokenFailure(auth: SalesforceAuth, response: Response, body: unknown): Failure {
  const first = readErrorItems(body)[0];
  const code = first?.code;
  if (code === undefined || !REJECTED_GRANT_CODES.has(code)) {
    const failure = classifySalesforceError(response.status, body, response.headers);
    // A token request that fails for another reason cannot be fixed by asking for a token again.
    return failure.kind === 'reauthenticate' ? { ...failure, kind: 'suspend' } : failure;
  }

  if (code !== 'invalid_grant') {
    return {
      kind: 'suspend',
      code,
      message:
        auth.kind === 'jwtBearer'
          ? 'Salesforce does not know the connected app: check the consumer key (clientId) in the configuration'
          : 'Salesforce rejected the connected app credentials: check the consumer key and secret in the configuration',
    };
  }
  if (auth.kind === 'jwtBearer') {
    // Salesforce's description (such as "user hasn't approved this consumer") names the cause and contains no secret.
    const reason = first?.message ? ` (${first.message.slice(0, 120)})` : '';
    return {
      kind: 'suspend',
      code,
      message: `Salesforce refused the JWT assertion${reason}: pre-authorize the integration user on the connected app, and check the username, the uploaded certificate and this server's clock`,
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
