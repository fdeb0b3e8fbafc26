import { describe, expect, it } from 'vitest';
import { classifyBayeuxError, classifyBayeuxStatus } from './bayeux-failure.ts';

describe('bayeux failures', () => {
  it('401 on connect asks for a new token', () => {
    const reply = { channel: '/meta/connect', successful: false, error: '401::Authentication invalid', advice: { reconnect: 'none', interval: 0 } };
    expect(classifyBayeuxError(reply)).toMatchObject({ kind: 'reauthenticate', code: 'STREAMING_AUTH_INVALID' });
  });

  it('a denied handshake is read from its failure reason', () => {
    const reply = { channel: '/meta/handshake', successful: false, error: '403::Handshake denied', ext: { sfdc: { failureReason: '401::Authentication invalid' } } };
    expect(classifyBayeuxError(reply)).toMatchObject({ kind: 'reauthenticate' });
  });

  it('unknown client, invalid replay id and missing channel get their own codes', () => {
    expect(classifyBayeuxError({ error: '403::Unknown client' })).toMatchObject({ kind: 'retryLater', code: 'UNKNOWN_CLIENT' });
    expect(classifyBayeuxError({ error: '400::The replayId 42 you provided was invalid.  Please provide a valid ID, -2 to replay all events, or -1 to replay only new events.' }))
      .toMatchObject({ kind: 'cursorExpired', code: 'INVALID_REPLAY_ID' });
    expect(classifyBayeuxError({ error: '400::The channel you requested to subscribe to does not exist /data/FooChangeEvent' }))
      .toMatchObject({ kind: 'suspend', code: 'CHANNEL_NOT_FOUND' });
  });

  it('other 400s are bugs and other statuses temporary', () => {
    expect(classifyBayeuxError({ error: "400::Channel subscriptions must start with a leading '/'" })).toMatchObject({ kind: 'bug' });
    expect(classifyBayeuxError({})).toMatchObject({ kind: 'bug' });
    expect(classifyBayeuxError({ error: '503::Server busy' })).toMatchObject({ kind: 'retryLater', code: 'STREAMING_503' });
  });

  it('HTTP statuses map to reauthenticate, retry or bug', () => {
    expect(classifyBayeuxStatus(401).kind).toBe('reauthenticate');
    expect(classifyBayeuxStatus(503).kind).toBe('retryLater');
    expect(classifyBayeuxStatus(429).kind).toBe('retryLater');
    expect(classifyBayeuxStatus(404).kind).toBe('bug');
  });
});
