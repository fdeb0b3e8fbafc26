import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEwsEmulator, type RunningEwsEmulator } from '../emulators/ews/server.ts';
import { isConnectorError } from '../src/domain/errors.ts';
import { createEwsCredentials } from '../src/mailbox/ews/auth/ews-credentials.ts';
import { classifyEwsError } from '../src/mailbox/ews/classify-ews-error.ts';
import { EwsClient, MailboxGate } from '../src/mailbox/ews/ews-client.ts';
import { calendarItemTypeOf } from '../src/mailbox/ews/events/event-from-ews.ts';
import { itemIdOf } from '../src/mailbox/ews/items/ews-item-xml.ts';
import { syncFolderItems } from '../src/mailbox/ews/items/sync-folder-items.ts';
import { readNotification } from '../src/mailbox/ews/notifications/notification-events.ts';
import { itemsOf, parseEwsResponse } from '../src/mailbox/ews/soap/response.ts';
import { child, children, descend, parseXml } from '../src/mailbox/ews/soap/xml-tree.ts';
import { createSilentLogger } from '../src/observability/logger.ts';

/**
 * The EWS connector and the EWS emulator against the request and response examples of Microsoft's EWS documentation
 * (../shared/corpus/api/ews-*.xml; MANIFEST.md there names each source). The connector must read every documented
 * response, quirks included (leading spaces in ids, a Create without ChangeKey, unprefixed default namespaces), and the
 * emulator must accept the documented requests and reply in the documented shapes. Expected values are taken from
 * reading each example, not from our parser.
 */

const CORPUS_API = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', 'shared', 'corpus', 'api');
const documented = (name: string): string => readFileSync(path.join(CORPUS_API, name), 'utf8');

const EWS_URL = 'https://exchange.contoso.example/EWS/Exchange.asmx';

/** Create a client whose server replies to each request with the documented response of its operation. */
function clientAnswering(responses: Readonly<Record<string, string>>): { client: EwsClient; requests: string[] } {
  const requests: string[] = [];
  const fakeFetch = (async (_url: string | URL | Request, init?: RequestInit) => {
    const body = String(init?.body ?? '');
    requests.push(body);
    const operation = /<m:([A-Za-z]+)[\s>]/.exec(body.slice(body.indexOf('Body')))?.[1] ?? 'unknown';
    const file = responses[operation];
    if (file === undefined) {
      return new Response(`no documented response for ${operation}`, { status: 500 });
    }
    return new Response(documented(file), { status: 200, headers: { 'content-type': 'text/xml; charset=utf-8' } });
  }) as typeof fetch;

  const logger = createSilentLogger();
  const sleep = () => Promise.resolve();
  const credentials = createEwsCredentials({ kind: 'basic', username: 'svc@contoso.example', password: 'secret' }, { ewsUrl: EWS_URL, fetch: fakeFetch, logger, sleep });
  const client = new EwsClient({
    ewsUrl: EWS_URL,
    credentials,
    impersonate: 'user@contoso.example',
    mailboxAddress: 'user@contoso.example',
    fetch: fakeFetch,
    logger,
    sleep,
    gate: new MailboxGate(2),
    timeoutMs: 5_000,
  });
  return { client, requests };
}

describe('EWS connector on documented responses', () => {
  it('initial SyncFolderItems lists creates', async () => {
    const { client } = clientAnswering({ SyncFolderItems: 'ews-syncfolderitems-initial-response.xml' });
    const round = await syncFolderItems(client, '<t:DistinguishedFolderId Id="inbox"/>', null, { pageSize: 10 });

    // Five t:Create entries, of which the documentation's last two share the shortened id AAMkADBh==: the later wins.
    expect(round.changes.map((change) => change.id)).toEqual(['q04QAAAA==', 'q07AAAAA==', 'q1AwAAAA==', 'AAMkADBh==']);
    expect(round.changes.every((change) => change.kind === 'upsert')).toBe(true);
    const last = round.changes.at(-1);
    expect(last?.kind === 'upsert' ? last.changeKey : null).toBe('CQAAABYAAABhFfgM7MNwSYx0VZ0GoBMJAAAATVc4');
    expect(round.syncState).toBe('H4sIAAA==');
    expect(round.pages).toBe(1);
  });

  it('incremental SyncFolderItems keeps quirks', async () => {
    const { client, requests } = clientAnswering({ SyncFolderItems: 'ews-syncfolderitems-response.xml' });
    const round = await syncFolderItems(client, '<t:DistinguishedFolderId Id="inbox"/>', 'H4sIAAA==', { pageSize: 10 });

    expect(requests[0]).toContain('<m:SyncState>H4sIAAA==</m:SyncState>');
    const summary = round.changes.map((change) => `${change.kind} ${change.id}`);
    // t:Update q04QAAAA==, t:Create AQMkAD+ (no ChangeKey), t:Create Q04AAAAA==, t:ReadFlagChange q07AAAAA== (dropped),
    // t:Delete " q1AwAAAA==" with the documentation's leading space.
    expect(summary).toEqual(['upsert q04QAAAA==', 'upsert AQMkAD+', 'upsert Q04AAAAA==', 'delete q1AwAAAA==']);
    const created = round.changes[1];
    expect(created?.kind === 'upsert' ? created.changeKey : null).toBe('');
    const subject = created?.kind === 'upsert' ? child(created.item, 'Subject')?.text : null;
    expect(subject).toBe('RE: Review Proposal for Contoso');
    expect(round.syncState).toBe('H4sIAAAAAAAEAO29B2AcSZY==');
  });

  it('Exchange 2007 meeting request', async () => {
    const { client } = clientAnswering({ SyncFolderItems: 'ews-syncfolderitems-response-meetingrequest.xml' });
    const round = await syncFolderItems(client, '<t:DistinguishedFolderId Id="inbox"/>', null, { pageSize: 10 });

    expect(round.changes).toHaveLength(1);
    const change = round.changes[0];
    expect(change?.kind === 'upsert' ? [change.id, change.changeKey, change.item.name] : null).toEqual(['AQApAHRwA==', 'CwAAABYA', 'MeetingRequest']);
  });

  it('invalid sync state expires cursor', async () => {
    const { client } = clientAnswering({ SyncFolderItems: 'ews-syncfolderitems-error-invalid-syncstate.xml' });
    const failure = await syncFolderItems(client, '<t:DistinguishedFolderId Id="calendar"/>', 'stale', { pageSize: 10 }).then(
      () => null,
      (error: unknown) => (isConnectorError(error) ? error.failure : error),
    );

    expect(failure).toMatchObject({ kind: 'cursorExpired', code: 'ErrorInvalidSyncStateData' });
  });

  it('GetItem of recurring master', () => {
    const parsed = parseEwsResponse(documented('ews-getitem-calendaritem-recurringmaster-response.xml'));
    expect(parsed.kind).toBe('messages');
    const message = parsed.kind === 'messages' ? parsed.messages[0] : undefined;
    expect(message?.responseClass).toBe('Success');

    const [item] = message === undefined ? [] : itemsOf(message);
    expect(item === undefined ? null : calendarItemTypeOf(item)).toBe('RecurringMaster');
    expect(item === undefined ? null : itemIdOf(item)).toEqual({ id: 'AAMkAD', changeKey: 'DwAAAB' });
    expect(descend(item, 'Recurrence', 'NumberedRecurrence', 'NumberOfOccurrences')?.text).toBe('10');
  });

  it('CalendarView lists five occurrences', () => {
    const parsed = parseEwsResponse(documented('ews-finditem-calendarview-occurrences-response.xml'));
    const message = parsed.kind === 'messages' ? parsed.messages[0] : undefined;
    const items = children(descend(message?.node, 'RootFolder', 'Items'), 'CalendarItem');

    expect(items).toHaveLength(5);
    expect(items.map(calendarItemTypeOf)).toEqual(['Occurrence', 'Occurrence', 'Occurrence', 'Occurrence', 'Occurrence']);
    expect(child(items[0], 'Subject')?.text).toBe('Swim Team Practice');
  });

  it('write responses carry ChangeKey', () => {
    for (const [file, expected] of [
      ['ews-updateitem-calendaritem-response.xml', { id: 'AAMkA', changeKey: 'DwAAA' }],
      ['ews-createitem-calendaritem-recurring-response.xml', null],
      ['ews-createitem-exchangeimpersonation-response.xml', null],
    ] as const) {
      const parsed = parseEwsResponse(documented(file));
      const message = parsed.kind === 'messages' ? parsed.messages[0] : undefined;
      expect(message?.responseClass, file).toBe('Success');
      const [item] = message === undefined ? [] : itemsOf(message);
      const ids = item === undefined ? null : itemIdOf(item);
      expect(ids?.id, file).toBeTruthy();
      if (expected !== null) {
        expect(ids, file).toEqual(expected);
      }
    }
  });

  it('documented errors get failure kinds', () => {
    const cases = [
      ['ews-getattachment-error.xml', 'ErrorCannotOpenFileAttachment'],
      ['ews-exportitems-error-nonexistent-mailbox.xml', 'ErrorNonExistentMailbox'],
    ] as const;
    const kinds = cases.map(([file, code]) => {
      const parsed = parseEwsResponse(documented(file));
      const message = parsed.kind === 'messages' ? parsed.messages[0] : undefined;
      expect(message?.responseClass, file).toBe('Error');
      expect(message?.responseCode, file).toBe(code);
      return classifyEwsError({ status: 200, responseCode: code, backOffMs: null }).kind;
    });

    // An attachment that cannot be opened is that item's problem; a mailbox that does not exist needs an admin.
    expect(kinds).toEqual(['itemError', 'suspend']);
  });

  it('streaming notification drops folder events', () => {
    // The documented stream is cut off before </s:Envelope>; a live stream closes each envelope. Read its one
    // Notification element as the stream reader would once the envelope is complete.
    const text = documented('ews-getstreamingevents-response.xml');
    const start = text.indexOf('<m:Notification>');
    const end = text.indexOf('</m:Notification>') + '</m:Notification>'.length;
    const notification = parseXml(text.slice(start, end));
    expect(notification).not.toBeNull();

    const inbox = 'AQMkADkzNjJjODUzLWZhMDMtNDVkMS05ZDdjLWVmMDlkYjQ1Zjc4MwAuAAADUkllSq5hlEyRPjFSL6H4JQEA2RgAmUKUoEqcjZHsWHtm+wAAAgENAAAA';
    const { changes } = readNotification(notification!, new Map([[inbox, 'inbox']]));

    expect(changes.map((change) => [change.changeType, change.folder])).toEqual([
      ['created', 'inbox'],
      ['newMail', 'inbox'],
    ]);
  });
});

describe('EWS emulator on documented requests', () => {
  const SERVICE = { username: 'svc-docs@contoso.example', password: 'docs-secret', canImpersonate: true };
  // The documented impersonation example acts as osmund@contoso.com. The other examples name no mailbox.
  const USERS = [
    { smtp: 'svc-docs@contoso.example', displayName: 'Service', timeZone: 'Pacific Standard Time' },
    { smtp: 'osmund@contoso.com', displayName: 'Osmund', timeZone: 'Pacific Standard Time' },
  ];
  let emulator: RunningEwsEmulator;

  beforeAll(async () => {
    emulator = await startEwsEmulator({ accounts: [SERVICE], users: USERS });
  });

  afterAll(async () => {
    await emulator?.close();
  });

  async function send(file: string) {
    const response = await fetch(`${emulator.url}/EWS/Exchange.asmx`, {
      method: 'POST',
      headers: { 'content-type': 'text/xml; charset=utf-8', authorization: `Basic ${Buffer.from(`${SERVICE.username}:${SERVICE.password}`).toString('base64')}` },
      body: documented(file),
    });
    const text = await response.text();
    const parsed = parseEwsResponse(text);
    return { status: response.status, parsed, message: parsed.kind === 'messages' ? parsed.messages[0] : undefined };
  }

  it('initial SyncFolderItems returns state', async () => {
    const { status, message } = await send('ews-syncfolderitems-initial-request.xml');

    expect(status).toBe(200);
    expect(message?.responseClass).toBe('Success');
    expect(child(message?.node, 'SyncState')?.text.trim()).toBeTruthy();
    expect(child(message?.node, 'IncludesLastItemInRange')?.text.trim()).toBe('true');
    expect(child(message?.node, 'Changes')).not.toBeNull();
  });

  it('foreign sync state is invalid', async () => {
    const { message } = await send('ews-syncfolderitems-request-ignore.xml');

    expect(message?.responseClass).toBe('Error');
    expect(message?.responseCode).toBe('ErrorInvalidSyncStateData');
  });

  it('CreateItem then CalendarView', async () => {
    const created = await send('ews-createitem-calendaritem-meeting-request.xml');
    expect(created.message?.responseClass).toBe('Success');
    const [item] = created.message === undefined ? [] : itemsOf(created.message);
    expect(item === undefined ? null : itemIdOf(item)?.changeKey).toBeTruthy();

    const found = await send('ews-finditem-calendarview-request.xml');
    expect(found.message?.responseClass).toBe('Success');
    expect(child(found.message?.node, 'RootFolder')?.attributes.IncludesLastItemInRange).toBe('true');
  });

  it('impersonated CreateItem lands there', async () => {
    const { message } = await send('ews-createitem-exchangeimpersonation-request.xml');

    expect(message?.responseClass).toBe('Success');
    const listed = await fetch(`${emulator.url}/_admin/users/${encodeURIComponent('osmund@contoso.com')}/items?folder=calendar`);
    expect(listed.status).toBe(200);
    expect(JSON.stringify(await listed.json())).toContain('Tennis lesson');
  });

  it('streaming Subscribe returns id only', async () => {
    const { message } = await send('ews-subscribe-streaming-request.xml');

    expect(message?.responseClass).toBe('Success');
    expect(child(message?.node, 'SubscriptionId')?.text.trim()).toBeTruthy();
    expect(child(message?.node, 'Watermark')).toBeNull();
  });
});
