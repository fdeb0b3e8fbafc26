import type { Failure } from '../../../domain/errors.ts';
import type { GoogleCredentials } from '../google-options.ts';

/** What the token endpoint answered, or the network error when it answered nothing. */
export interface TokenErrorInput {
  readonly status: number | null;
  /** The OAuth `error` code, e.g. `invalid_grant`. */
  readonly error: string | null;
  /** Node's socket error code when there was no response, e.g. `ECONNREFUSED`. */
  readonly networkCode: string | null;
  /** Node's crypto error code when the service account key could not sign the grant, e.g. `ERR_OSSL_UNSUPPORTED`. */
  readonly signingCode?: string | null;
}

/**
 * Map a failed token request to a failure kind. A refused grant stops the mailbox with a reason that says who must
 * act, because no retry can fix it; the endpoint being busy or unreachable is temporary.
 */
export function classifyTokenError(input: TokenErrorInput, credentials: GoogleCredentials['kind'], tokenUrl: string, signInUrl?: string): Failure {
  if (input.signingCode !== undefined && input.signingCode !== null) {
    return { kind: 'suspend', code: 'INVALID_PRIVATE_KEY', message: `the service account's private key cannot sign the token request (${input.signingCode}); ${INVALID_KEY_FIX}` };
  }
  if (input.status === null) {
    return {
      kind: 'retryLater',
      code: input.networkCode ?? 'NetworkError',
      message: `no response from the Google token endpoint ${tokenUrl} (${input.networkCode ?? 'network error'}); check google.tokenUrl and that this server can reach it. The request is repeated later`,
    };
  }
  if (input.status === 429 || input.status >= 500) {
    return { kind: 'retryLater', code: input.error ?? `HTTP${input.status}`, message: `the Google token endpoint answered ${input.status}, so the token is requested again later` };
  }

  const code = input.error ?? `HTTP${input.status}`;
  return { kind: code === 'invalid_scope' ? 'bug' : 'suspend', code, message: `Google refused a token (${code}): ${advice(code, credentials, signInUrl)}` };
}

/** How to fix a service account key that Node cannot read; shared with the check before the first token request. */
export const INVALID_KEY_FIX =
  'google.auth.privateKey (or the private_key of the file in google.auth.keyFile) must be the unencrypted RSA key in PEM form, with line breaks, as in the JSON key file Google Cloud gives; download a new key if it was changed';

function advice(code: string, credentials: GoogleCredentials['kind'], signInUrl: string | undefined): string {
  if (code === 'invalid_scope') {
    return 'Syncline asked for a scope Google does not know. Report this with the code';
  }
  if (credentials === 'userOAuth') {
    return code === 'invalid_client'
      ? 'the OAuth client id or secret is wrong or the client was deleted; check google.auth.clientId and google.auth.clientSecret in the configuration'
      : `the user revoked access or the refresh token expired; the mailbox owner must connect Google again by signing in ${signInUrl === undefined ? "through Syncline's Google sign-in page" : `at ${signInUrl}`}`;
  }
  switch (code) {
    case 'unauthorized_client':
      return "the service account's client id is not authorized for these scopes; a Workspace administrator must add them under Security > API controls > Domain-wide delegation (docs/connect-google.md lists them)";
    case 'invalid_client':
      return 'the service account or its key was deleted or disabled; create a new key and set it in google.auth.keyFile (or google.auth.clientEmail and google.auth.privateKey)';
    case 'invalid_grant':
      return 'Google does not accept the mailbox address as a user of the domain, or the key is not valid at this time; check the address, that the user is active, and the server clock';
    default:
      return 'access for this mailbox was refused; check the service account and domain-wide delegation in docs/connect-google.md';
  }
}
