import { describe, expect, it } from 'vitest';
import { networkFailure } from './network-failure.ts';

const target = { url: 'https://graph.example.test/v1.0/users/dana%40acme.example.com/calendarView/delta?$deltatoken=abc123', service: 'Microsoft Graph', configKey: 'graph.graphBaseUrl' };

function fetchFailed(cause: unknown): TypeError {
  return Object.assign(new TypeError('fetch failed'), { cause });
}

describe('networkFailure', () => {
  it('names URL, cause and setting', () => {
    const failure = networkFailure(fetchFailed(Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' })), target);

    expect(failure).toEqual({
      kind: 'retryLater',
      code: 'NetworkError',
      message:
        "no response from Microsoft Graph at https://graph.example.test/v1.0/users/{mailbox}/calendarView/delta (ECONNREFUSED, connection refused: nothing listens on that host and port); check the org's graph.graphBaseUrl and that this server can reach that host. The request is repeated later",
    });
  });

  it('hides query and mailbox address', () => {
    const { message } = networkFailure(fetchFailed(Object.assign(new Error('x'), { code: 'ETIMEDOUT' })), target);

    expect(message).not.toContain('deltatoken');
    expect(message).not.toContain('abc123');
    expect(message).not.toContain('dana');
    expect(message).toContain('ETIMEDOUT, connection timed out');
  });

  it('reads an AggregateError code', () => {
    const aggregate = new AggregateError([Object.assign(new Error('a'), { code: 'EHOSTUNREACH' })], 'all attempts failed');

    expect(networkFailure(fetchFailed(aggregate), target).message).toContain('(EHOSTUNREACH, host unreachable)');
  });

  it('reports a timeout', () => {
    const timeout = new DOMException('The operation was aborted due to timeout', 'TimeoutError');
    const failure = networkFailure(timeout, target);

    expect(failure.code).toBe('Timeout');
    expect(failure.message).toContain('(no answer before the timeout)');
  });

  it('names unknown and missing codes', () => {
    expect(networkFailure(fetchFailed(Object.assign(new Error('x'), { code: 'EWEIRD' })), target).message).toContain('(EWEIRD)');
    expect(networkFailure(new TypeError('fetch failed'), target).message).toContain('(TypeError)');
  });
});
