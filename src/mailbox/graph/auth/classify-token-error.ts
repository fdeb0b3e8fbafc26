import type { Failure } from '../../../domain/errors.ts';
import { parseRetryAfter } from '../classify-graph-error.ts';

/**
 * Turns a refusal of the Microsoft identity platform token endpoint into a failure kind. The OAuth `error` decides
 * the kind; the numeric AADSTS codes in `error_codes` only sharpen the advice, because Microsoft documents that
 * their numbers may change.
 */

/** The grant a token request used; the advice differs between the app's own sign-in and a user's. */
export type TokenGrant = 'client_credentials' | 'refresh_token' | 'authorization_code';

export interface TokenErrorContext {
  readonly grant: TokenGrant;
  /** URL of the page where the mailbox owner signs in again, for delegated grants; named in the advice when known. */
  readonly signInUrl?: string;
}

/** The settings of the client secret. The connector does not know the org id, so the variable is named as a pattern. */
const SECRET_SETTING = "the org's graph.clientSecret (or the SYNCLINE_<ORG>_GRAPH_CLIENT_SECRET environment variable, which overrides it)";

/** OAuth errors of the app's own credentials or registration, the same for every grant. */
const APP_REASONS: Record<string, string> = {
  invalid_client: `the client id or client secret was rejected. Check ${SECRET_SETTING} and graph.clientId`,
  unauthorized_client: "the app is not registered or not enabled in this tenant; check the org's graph.clientId and graph.tenantId",
  invalid_scope: 'the tenant rejected the Graph scope. Check the app permissions',
};

/** Entra ID's AADSTS codes (the `error_codes` field) for the app's registration and secret. */
const APP_AADSTS_REASONS: Record<number, string> = {
  7000215: `the client secret was rejected (AADSTS7000215). Check ${SECRET_SETTING}: it must hold the secret's value, not its id`,
  7000222: `the client secret has expired (AADSTS7000222). Create a new secret in the app registration and put it in ${SECRET_SETTING}`,
  700016: "the app was not found in the tenant (AADSTS700016). Check the org's graph.clientId and graph.tenantId",
  90002: "the tenant was not found (AADSTS90002). Check the org's graph.tenantId",
};

/** AADSTS codes of a user's grant: what happened to it. The advice that follows names who acts. */
const USER_GRANT_CAUSES: Record<number, string> = {
  70008: 'the refresh token expired or was revoked (AADSTS70008)',
  700082: 'the refresh token expired after 90 days without use (AADSTS700082)',
  50173: 'the grant was revoked, for example after a password change (AADSTS50173)',
  65001: 'the user or an administrator has not consented to the app, or withdrew the consent (AADSTS65001)',
  65004: 'the user declined to consent to the app (AADSTS65004)',
  50076: 'the tenant now requires multi-factor authentication (AADSTS50076)',
  50079: 'the tenant now requires the user to register for multi-factor authentication (AADSTS50079)',
  53003: 'a Conditional Access policy blocked the sign-in (AADSTS53003)',
  50057: 'the user account is disabled (AADSTS50057)',
  50034: 'the user account does not exist in this tenant (AADSTS50034)',
  54005: 'the authorization code was already redeemed (AADSTS54005)',
};

/** OAuth errors that mean the user's grant itself is gone or needs the user. */
const USER_GRANT_ERRORS = new Set(['invalid_grant', 'interaction_required', 'consent_required', 'access_denied']);

export function classifyTokenError(status: number, body: unknown, headers: Headers, context: TokenErrorContext): Failure {
  const record = isRecord(body) ? body : {};
  const code = typeof record.error === 'string' && record.error !== '' ? record.error : `HTTP${status}`;
  if (status === 429 || status >= 500) {
    const retryAfterMs = parseRetryAfter(headers.get('retry-after'));
    const failure: Failure = { kind: 'retryLater', code, message: `the token endpoint returned ${status}, so the request is repeated` };
    return retryAfterMs === undefined ? failure : { ...failure, retryAfterMs };
  }

  // Any other refusal means the mailbox cannot sign in until someone changes the setup or signs in again.
  const reason = context.grant === 'client_credentials' ? appReason(code, status, record) : userReason(code, status, record, context);
  return { kind: 'suspend', code, message: `Graph sign-in failed: ${reason}` };
}

function appReason(code: string, status: number, body: Record<string, unknown>): string {
  const known = aadstsCodes(body).map((value) => APP_AADSTS_REASONS[value]).find((reason) => reason !== undefined);
  if (known !== undefined) {
    return known;
  }

  const appReasonText = APP_REASONS[code];
  if (appReasonText !== undefined) {
    return appReasonText;
  }
  if (USER_GRANT_ERRORS.has(code)) {
    return 'the app lacks admin consent in this tenant. An administrator must grant admin consent to its application permissions (see docs/connect-office365.md)';
  }
  return `the token endpoint rejected the app (${status} ${code}). Check the org's graph.authorityUrl, graph.tenantId, graph.clientId and graph.clientSecret`;
}

function userReason(code: string, status: number, body: Record<string, unknown>, context: TokenErrorContext): string {
  const codes = aadstsCodes(body);
  const appProblem = codes.map((value) => APP_AADSTS_REASONS[value]).find((reason) => reason !== undefined) ?? APP_REASONS[code];
  if (appProblem !== undefined) {
    return appProblem;
  }

  const cause =
    codes.map((value) => USER_GRANT_CAUSES[value]).find((reason) => reason !== undefined) ??
    (USER_GRANT_ERRORS.has(code) ? `the token endpoint rejected the user's grant (${code})` : `the token endpoint refused the request (${status} ${code})`);
  const where = context.signInUrl === undefined ? 'through Syncline\'s Office 365 sign-in' : `at ${context.signInUrl}`;
  const consent = codes.includes(65001) ? ', or an administrator grants consent for the tenant' : '';
  return `${cause}. The mailbox owner must sign in again ${where}${consent}`;
}

function aadstsCodes(body: Record<string, unknown>): number[] {
  return Array.isArray(body.error_codes) ? body.error_codes.filter((value): value is number => typeof value === 'number') : [];
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
