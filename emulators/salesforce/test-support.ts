/**
 * Helpers for the emulator's own tests: start an emulator with one known connected app and user, get a token,
 * and call it over real HTTP.
 */
import path from 'node:path';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { startSalesforceEmulator, type RunningSalesforceEmulator, type SalesforceEmulatorOptions } from './server.ts';

export const CLIENT = { clientId: 'test-client', clientSecret: 'test-secret', refreshTokens: ['test-refresh'] };
export const VERSION = '62.0';

export interface Harness {
  emulator: RunningSalesforceEmulator;
  token: string;
  base: string;
  api(method: string, pathAndQuery: string, body?: unknown, headers?: Record<string, string>): Promise<{ status: number; body: unknown; headers: Headers }>;
  admin(method: string, pathAndQuery: string, body?: unknown): Promise<{ status: number; body: unknown }>;
  close(): Promise<void>;
}

export async function requestToken(url: string, form: Record<string, string>): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await fetch(`${url}/services/oauth2/token`, { method: 'POST', body: new URLSearchParams(form) });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

export async function refreshToken(url: string): Promise<string> {
  const { body } = await requestToken(url, {
    grant_type: 'refresh_token', client_id: CLIENT.clientId, client_secret: CLIENT.clientSecret, refresh_token: 'test-refresh',
  });
  return String(body.access_token);
}

export async function startHarness(options: SalesforceEmulatorOptions = {}): Promise<Harness> {
  const emulator = await startSalesforceEmulator({
    clients: [CLIENT],
    users: [{ Username: 'ada@example.com', Email: 'ada@example.com', Name: 'Ada Lovelace', TimeZoneSidKey: 'Europe/Berlin' }],
    ...options,
  });
  const harness: Harness = {
    emulator,
    token: await refreshToken(emulator.url),
    base: `/services/data/v${VERSION}`,
    async api(method, pathAndQuery, body, headers = {}) {
      const response = await fetch(`${emulator.url}${pathAndQuery.startsWith('/') ? '' : `${harness.base}/`}${pathAndQuery}`, {
        method,
        headers: { authorization: `Bearer ${harness.token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...headers },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      const text = await response.text();
      return { status: response.status, body: text === '' ? undefined : JSON.parse(text), headers: response.headers };
    },
    async admin(method, pathAndQuery, body) {
      const response = await fetch(`${emulator.url}/_admin/${pathAndQuery}`, {
        method,
        headers: body === undefined ? {} : { 'content-type': 'application/json' },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      const text = await response.text();
      return { status: response.status, body: text === '' ? undefined : JSON.parse(text) };
    },
    close: () => emulator.close(),
  };
  return harness;
}

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

/** Reads a Salesforce payload from the shared corpus (read-only test data). */
export function corpus(name: string): unknown {
  return JSON.parse(readFileSync(path.resolve(repoRoot, '..', 'shared', 'corpus', 'api', name), 'utf8'));
}

/** Reduces a JSON value to its key structure (keys sorted, arrays by their first element) for shape comparison. */
export function shapeOf(value: unknown): unknown {
  if (Array.isArray(value)) return value.length === 0 ? [] : [shapeOf(value[0])];
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.keys(value).sort().map((k) => [k, shapeOf((value as Record<string, unknown>)[k])]));
  }
  return typeof value;
}

/** Builds a timed Event body. */
export function timedEvent(extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { Subject: 'Review', StartDateTime: '2026-05-04T13:00:00Z', EndDateTime: '2026-05-04T14:00:00Z', ...extra };
}
