import { describe, expect, it } from 'vitest';
import { decodeBatch, encodeBatch } from './google-batch.ts';
import { QuotaMeter } from './quota-meter.ts';
import { decideRetry } from './retry-policy.ts';

describe('Google batch wire format', () => {
  it('encodes parts as application/http requests', () => {
    const text = encodeBatch('b1', [
      { id: '0', method: 'GET', path: '/calendar/v3/calendars/primary/events/e1', idempotent: true },
      { id: '1', method: 'PATCH', path: '/calendar/v3/calendars/primary/events/e2?sendUpdates=none', body: { summary: 'S' }, headers: { 'If-Match': '"12"' }, idempotent: true },
    ]);
    expect(text).toBe(
      '--b1\r\nContent-Type: application/http\r\nContent-ID: <0>\r\n\r\nGET /calendar/v3/calendars/primary/events/e1 HTTP/1.1\r\n\r\n\r\n' +
        '--b1\r\nContent-Type: application/http\r\nContent-ID: <1>\r\n\r\nPATCH /calendar/v3/calendars/primary/events/e2?sendUpdates=none HTTP/1.1\r\nIf-Match: "12"\r\nContent-Type: application/json; charset=UTF-8\r\n\r\n{"summary":"S"}\r\n' +
        '--b1--\r\n',
    );
  });

  it('decodes parts by their response Content-ID', () => {
    const body = [
      '--batch_x',
      'Content-Type: application/http',
      'Content-ID: <response-1>',
      '',
      'HTTP/1.1 412 Precondition Failed',
      'Content-Type: application/json; charset=UTF-8',
      '',
      '{"error":{"code":412,"errors":[{"reason":"conditionNotMet"}]}}',
      '--batch_x',
      'Content-Type: application/http',
      'Content-ID: <response-0>',
      '',
      'HTTP/1.1 200 OK',
      'Content-Type: application/json; charset=UTF-8',
      '',
      '{"id":"e1"}',
      '--batch_x--',
    ].join('\r\n');
    const parts = decodeBatch('multipart/mixed; boundary=batch_x', body);
    expect(parts.get('0')).toEqual({ ok: true, status: 200, body: { id: 'e1' } });
    const failed = parts.get('1');
    expect(failed?.status).toBe(412);
    expect(failed?.ok === false ? failed.failure.kind : null).toBe('conflict');
  });
});

describe('QuotaMeter', () => {
  it('holds a request back until the minute has room', async () => {
    let now = 0;
    const meter = new QuotaMeter(10, () => now);
    const waits: number[] = [];
    const sleep = async (ms: number) => {
      waits.push(ms);
      now += ms;
    };
    await meter.charge(5, sleep);
    now += 20_000;
    await meter.charge(5, sleep);
    await meter.charge(5, sleep);
    expect(waits).toEqual([40_001]);
    expect(meter.units).toBe(15);
  });
});

describe('decideRetry', () => {
  const rateLimit = { kind: 'retryLater', code: 'rateLimitExceeded', message: 'm' } as const;

  it('backs off exponentially with jitter', () => {
    const waits = [1, 2, 3].map((attempt) => decideRetry({ failure: rateLimit, attempt, idempotent: true, notProcessed: false }, undefined, () => 0).waitMs);
    expect(waits).toEqual([1000, 2000, 4000]);
  });

  it('repeats a create only when Google did not act on it', () => {
    expect(decideRetry({ failure: rateLimit, attempt: 1, idempotent: false, notProcessed: true }).retry).toBe(true);
    expect(decideRetry({ failure: { ...rateLimit, code: 'backendError' }, attempt: 1, idempotent: false, notProcessed: false }).retry).toBe(false);
  });

  it('gives up after the last attempt', () => {
    expect(decideRetry({ failure: rateLimit, attempt: 6, idempotent: true, notProcessed: false }).retry).toBe(false);
  });
});
