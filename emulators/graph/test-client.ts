import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { GraphEmulatorOptions, RunningGraphEmulator } from './server.ts';
import { startGraphEmulator } from './server.ts';

/** Helpers for the emulator's own tests: a started emulator, a token, and small request wrappers. */

export const TENANT = 'contoso-tenant';
export const CLIENT = { tenantId: TENANT, clientId: 'syncline-app', clientSecret: 'right-secret' };
export const USER = { userPrincipalName: 'ada@example.com', displayName: 'Ada Lovelace', id: 'a1b2c3d4-0000-4000-8000-000000000001' };
export const SYNC_PROPERTY = 'String {66f5a359-4659-4830-9070-00047ec6ac6e} Name SynclineSyncId';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export const corpusApiDir = path.resolve(repoRoot, '..', 'shared', 'corpus', 'api');

export interface TestEmulator {
  emulator: RunningGraphEmulator;
  token: string;
  graph: (method: string, pathAndQuery: string, options?: RequestOptions) => Promise<JsonResponse>;
  admin: (method: string, pathAndQuery: string, body?: unknown) => Promise<JsonResponse>;
}

export interface RequestOptions {
  body?: unknown;
  headers?: Record<string, string>;
  token?: string | null;
}

export interface JsonResponse {
  status: number;
  headers: Headers;
  // Tests read arbitrary JSON shapes; a loose type keeps them short.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  json: any;
}

export async function startTestEmulator(options: GraphEmulatorOptions = {}): Promise<TestEmulator> {
  const emulator = await startGraphEmulator({ clients: [CLIENT], users: [USER], ...options });
  const token = await fetchToken(emulator.url);

  const graph = async (method: string, pathAndQuery: string, request: RequestOptions = {}): Promise<JsonResponse> => {
    const url = pathAndQuery.startsWith('http') ? pathAndQuery : `${emulator.url}/v1.0${pathAndQuery}`;
    const bearer = request.token === undefined ? token : request.token;
    const headers: Record<string, string> = { ...(bearer === null ? {} : { authorization: `Bearer ${bearer}` }), ...request.headers };
    if (request.body !== undefined) {
      headers['content-type'] = 'application/json';
    }
    const response = await fetch(url, { method, headers, body: request.body === undefined ? undefined : JSON.stringify(request.body) });
    return readJson(response);
  };

  const admin = async (method: string, pathAndQuery: string, body?: unknown): Promise<JsonResponse> => {
    const response = await fetch(`${emulator.url}/_admin${pathAndQuery}`, {
      method,
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return readJson(response);
  };

  return { emulator, token, graph, admin };
}

export async function fetchToken(url: string, form: Record<string, string> = {}): Promise<string> {
  const response = await requestToken(url, form);
  if (response.status !== 200) {
    throw new Error(`Token request failed with ${response.status}: ${JSON.stringify(response.json)}`);
  }
  return response.json.access_token as string;
}

export async function requestToken(url: string, form: Record<string, string> = {}, tenant = TENANT): Promise<JsonResponse> {
  const body = new URLSearchParams({
    grant_type: 'client_credentials',
    client_id: CLIENT.clientId,
    client_secret: CLIENT.clientSecret,
    scope: 'https://graph.microsoft.com/.default',
    ...form,
  });
  const response = await fetch(`${url}/${tenant}/oauth2/v2.0/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body,
  });
  return readJson(response);
}

async function readJson(response: Response): Promise<JsonResponse> {
  const text = await response.text();
  return { status: response.status, headers: response.headers, json: text === '' ? null : JSON.parse(text) };
}

/** A timed event body for POST, in UTC unless a zone is given. */
export function timedEvent(subject: string, start: string, end: string, timeZone = 'UTC'): Record<string, unknown> {
  return { subject, start: { dateTime: start, timeZone }, end: { dateTime: end, timeZone } };
}
