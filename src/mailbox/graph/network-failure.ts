import type { Failure } from '../../domain/errors.ts';

/** A request that got no HTTP response (connection refused, reset, timeout) is a temporary failure. */
export function networkFailure(error: unknown): Failure {
  const isTimeout = error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError');
  const code = isTimeout ? 'Timeout' : 'NetworkError';
  const detail = error instanceof Error ? error.name : 'unknown error';
  return { kind: 'retryLater', code, message: `no response from the server (${detail}), so the request is repeated later` };
}
