import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startEwsEmulator, type RunningEwsEmulator } from './server.ts';

const ACCOUNT = { username: 'svc@contoso.example', password: 'service-secret', canImpersonate: true };
const USER = { smtp: 'dana@contoso.example', displayName: 'Dana', timeZone: 'Europe/Berlin' };

function start(dataDir: string, port = 0): Promise<RunningEwsEmulator> {
  return startEwsEmulator({ port, dataDir, accounts: [ACCOUNT], users: [USER] });
}

async function admin<T>(emulator: RunningEwsEmulator, method: string, route: string, body?: unknown): Promise<T> {
  const response = await fetch(`${emulator.url}/_admin${route}`, {
    method,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  expect(response.status, await response.clone().text()).toBeLessThan(300);
  return (await response.json()) as T;
}

/** Run SyncFolderItems on the user's Tasks folder; returns the new state and the change element names. */
async function syncTasks(emulator: RunningEwsEmulator, state: string | null): Promise<{ state: string; changes: string[] }> {
  const envelope = `<?xml version="1.0" encoding="utf-8"?>
<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/" xmlns:t="http://schemas.microsoft.com/exchange/services/2006/types" xmlns:m="http://schemas.microsoft.com/exchange/services/2006/messages">
<soap:Header><t:RequestServerVersion Version="Exchange2016"/><t:ExchangeImpersonation><t:ConnectingSID><t:PrimarySmtpAddress>${USER.smtp}</t:PrimarySmtpAddress></t:ConnectingSID></t:ExchangeImpersonation></soap:Header>
<soap:Body><m:SyncFolderItems><m:ItemShape><t:BaseShape>IdOnly</t:BaseShape></m:ItemShape><m:SyncFolderId><t:DistinguishedFolderId Id="tasks"/></m:SyncFolderId>${state === null ? '' : `<m:SyncState>${state}</m:SyncState>`}<m:MaxChangesReturned>512</m:MaxChangesReturned></m:SyncFolderItems></soap:Body></soap:Envelope>`;
  const response = await fetch(`${emulator.url}/EWS/Exchange.asmx`, {
    method: 'POST',
    headers: { 'content-type': 'text/xml; charset=utf-8', authorization: `Basic ${Buffer.from(`${ACCOUNT.username}:${ACCOUNT.password}`).toString('base64')}` },
    body: envelope,
  });
  const xml = await response.text();
  expect(xml).toContain('ResponseClass="Success"');
  return { state: /<m:SyncState>([^<]*)<\/m:SyncState>/.exec(xml)?.[1] ?? '', changes: [...xml.matchAll(/<t:(Create|Update|Delete)>/g)].map((match) => match[1] as string) };
}

describe('ews emulator persistence', () => {
  const directories: string[] = [];
  const running: RunningEwsEmulator[] = [];

  afterEach(async () => {
    await Promise.all(running.splice(0).map((emulator) => emulator.close()));
    for (const directory of directories.splice(0)) {
      rmSync(directory, { recursive: true, force: true });
    }
  });

  it('keeps items, folders and sync states across a restart', async () => {
    const dataDir = mkdtempSync(path.join(os.tmpdir(), 'ews-emulator-'));
    directories.push(dataDir);
    const first = await start(dataDir);
    running.push(first);
    const user = `/users/${encodeURIComponent(USER.smtp)}`;
    const { id } = await admin<{ id: string }>(first, 'POST', `${user}/items`, { folder: 'tasks', xml: '<Task><Subject>Call Northwind</Subject><Status>NotStarted</Status></Task>' });
    await admin(first, 'POST', `${user}/messages`, { folder: 'Salesforce', subject: 'Order', from: { address: 'buyer@fabrikam.example' }, text: 'PO attached' });
    const initial = await syncTasks(first, null);
    expect(initial.changes).toEqual(['Create']);
    const before = await admin<{ items: { id: string; changeKey: string }[] }>(first, 'GET', `${user}/items?folder=tasks`);
    const port = Number(new URL(first.url).port);
    await first.close();
    running.length = 0;
    expect(existsSync(path.join(dataDir, 'ews-emulator-state.json'))).toBe(true);

    const second = await start(dataDir, port);
    running.push(second);
    const after = await admin<{ items: { id: string; changeKey: string }[] }>(second, 'GET', `${user}/items?folder=tasks`);
    expect(after.items.map(({ id: itemId, changeKey }) => ({ itemId, changeKey }))).toEqual(before.items.map(({ id: itemId, changeKey }) => ({ itemId, changeKey })));
    expect((await syncTasks(second, initial.state)).changes).toEqual([]);

    await admin(second, 'POST', `${user}/items/${encodeURIComponent(id)}/touch`, { set: { Subject: 'Call Northwind back' } });
    expect((await syncTasks(second, initial.state)).changes).toEqual(['Update']);
    // The message went to a Salesforce folder below the root, made by the seeding and kept too.
    const snapshot = second.services.store.snapshot();
    expect(snapshot.folders.filter((folder) => folder.displayName === 'Salesforce')).toHaveLength(1);
  });
});
