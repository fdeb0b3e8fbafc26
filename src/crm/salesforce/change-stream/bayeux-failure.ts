import type { Failure } from '../../../domain/errors.ts';

/**
 * Maps a failed Bayeux reply to a failure kind. Streaming API errors come as `NNN::text` in the message's `error`
 * (and, on a denied handshake, in `ext.sfdc.failureReason`); the status number and the documented text decide.
 */
export function classifyBayeuxError(message: Readonly<Record<string, unknown>>): Failure {
  const error = typeof message.error === 'string' ? message.error : '';
  const reason = failureReason(message) ?? error;
  const status = Number(/^(\d{3})::/.exec(reason)?.[1] ?? 0);

  if (status === 401) {
    return { kind: 'reauthenticate', code: 'STREAMING_AUTH_INVALID', message: 'The Streaming API rejected the access token: requesting a new one' };
  }
  if (reason.startsWith('403::Unknown client')) {
    return { kind: 'retryLater', code: 'UNKNOWN_CLIENT', message: 'The Streaming API no longer knows this client: handshaking again' };
  }
  if (/^400::The replayId .* you provided was invalid/.test(reason)) {
    return { kind: 'cursorExpired', code: 'INVALID_REPLAY_ID', message: 'The stored replay id is outside the 72-hour retention: re-reading the records' };
  }
  if (reason.startsWith('400::The channel you requested to subscribe to does not exist')) {
    return {
      kind: 'suspend',
      code: 'CHANNEL_NOT_FOUND',
      message: 'The change event channel does not exist: select the object under Setup → Change Data Capture, and check the integration user may view it',
    };
  }
  if (status === 400 || status === 0) {
    return { kind: 'bug', code: 'BAYEUX_REQUEST_REJECTED', message: `The Streaming API rejected a request Syncline built: ${reason.slice(0, 160)}` };
  }
  return { kind: 'retryLater', code: `STREAMING_${status}`, message: `The Streaming API failed for now (${reason.slice(0, 160)}): reconnecting after a wait` };
}

/** Maps the HTTP status of a `/cometd` response that is not 200. */
export function classifyBayeuxStatus(status: number): Failure {
  if (status === 401) {
    return { kind: 'reauthenticate', code: 'STREAMING_AUTH_INVALID', message: 'The Streaming API returned 401: requesting a new access token' };
  }
  if (status === 429 || status >= 500) {
    return { kind: 'retryLater', code: `HTTP_${status}`, message: `The Streaming API returned ${status}: reconnecting after a wait` };
  }
  return {
    kind: 'bug',
    code: `HTTP_${status}`,
    message: `The Streaming API returned ${status}: check that the API version is served by the org and that the instance URL is right`,
  };
}

function failureReason(message: Readonly<Record<string, unknown>>): string | null {
  const ext = message.ext as { sfdc?: { failureReason?: unknown } } | undefined;
  const reason = ext?.sfdc?.failureReason;
  return typeof reason === 'string' ? reason : null;
}
