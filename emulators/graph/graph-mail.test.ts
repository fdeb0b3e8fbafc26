import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { emlSeed } from './test-eml.ts';
import type { TestEmulator } from './test-client.ts';
import { USER, corpusApiDir, startTestEmulator } from './test-client.ts';

const USER_PATH = `/users/${USER.userPrincipalName}`;
const PDF_BYTES = new Uint8Array([0x25, 0x50, 0x44, 0x46, 0x2d, 0x31, 0x2e, 0x37, 0x0a, 0x00, 0xff, 0x80]);

type Shape = string | Shape[] | { [key: string]: Shape };

function shapeOf(value: unknown): Shape {
  if (value === null) {
    return 'null';
  }
  if (Array.isArray(value)) {
    return value.length === 0 ? [] : [shapeOf(value[0])];
  }
  if (typeof value === 'object') {
    const entries = Object.keys(value as object)
      .sort()
      .map((key) => [key, shapeOf((value as Record<string, unknown>)[key])] as const);
    return Object.fromEntries(entries);
  }
  return typeof value;
}

function corpus(name: string): Record<string, unknown> {
  return JSON.parse(readFileSync(path.join(corpusApiDir, name), 'utf8')) as Record<string, unknown>;
}

async function seed(test: TestEmulator, messages: Record<string, unknown>[]): Promise<{ id: string; outcome: string; folder: string; warnings: string[] }[]> {
  const response = await test.admin('POST', `${USER_PATH}/messages/seed`, { messages });
  expect(response.status).toBe(200);
  return response.json.results;
}

async function roundFrom(test: TestEmulator, link: string, prefer?: string): Promise<{ items: Record<string, unknown>[]; deltaLink: string; pages: number }> {
  const items: Record<string, unknown>[] = [];
  let url = link;
  for (let pages = 1; ; pages += 1) {
    const response = await test.graph('GET', url, prefer ? { headers: { prefer } } : {});
    expect(response.status).toBe(200);
    items.push(...response.json.value);
    if (response.json['@odata.deltaLink']) {
      return { items, deltaLink: response.json['@odata.deltaLink'], pages };
    }
    url = response.json['@odata.nextLink'];
  }
}

describe('graph emulator mail', () => {
  let test: TestEmulator;

  beforeAll(async () => {
    test = await startTestEmulator();
  });

  afterAll(async () => {
    await test.emulator.close();
  });

  it('message matches graph-message.json key for key', async () => {
    const [seeded] = await seed(test, [emlSeed({ subject: 'Shape check', html: '<p>The group represents Nevada.</p>' })]);

    const message = await test.graph('GET', `${USER_PATH}/messages/${seeded?.id}`);

    expect(message.status).toBe(200);
    expect(shapeOf(message.json)).toEqual(shapeOf(corpus('graph-message.json')));
    expect(message.json.internetMessageHeaders).toBeUndefined();
  });

  it('delta page matches the documented message delta pages', async () => {
    await seed(test, [emlSeed({ subject: 'Delta shape one' }), emlSeed({ subject: 'Delta shape two' })]);

    const first = await test.graph('GET', `${USER_PATH}/mailFolders/inbox/messages/delta?$select=subject,sender,isRead`, { headers: { prefer: 'odata.maxpagesize=1' } });

    const documented = corpus('graph-messages-delta-page1-nextlink.json') as { value: Record<string, unknown>[] };
    expect(Object.keys(first.json).sort()).toEqual(Object.keys(documented).sort());
    expect(shapeOf(first.json.value[0])).toEqual(shapeOf(documented.value[0]));
    expect(first.headers.get('preference-applied')).toBe('odata.maxpagesize=1');
  });

  it('internetMessageHeaders come only with $select', async () => {
    const [seeded] = await seed(test, [emlSeed({ subject: 'Headers', headers: { 'List-Unsubscribe': '<mailto:leave@news.example.com>' } })]);

    const selected = await test.graph('GET', `${USER_PATH}/messages/${seeded?.id}?$select=subject,internetMessageHeaders`);

    expect(Object.keys(selected.json).sort()).toEqual(['@odata.context', '@odata.etag', 'id', 'internetMessageHeaders', 'subject']);
    expect(selected.json.internetMessageHeaders).toContainEqual({ name: 'List-Unsubscribe', value: '<mailto:leave@news.example.com>' });
  });

  it('unknown $select property is a 400', async () => {
    const [seeded] = await seed(test, [emlSeed({ subject: 'Bad select' })]);

    const response = await test.graph('GET', `${USER_PATH}/messages/${seeded?.id}?$select=subject,inReplyTo`);

    expect(response.status).toBe(400);
    expect(response.json.error.code).toBe('RequestBroker--ParseUri');
  });

  it('well-known folders resolve and a duplicate folder is a 409', async () => {
    const folders = await test.graph('GET', `${USER_PATH}/mailFolders?$top=50`);
    const inbox = await test.graph('GET', `${USER_PATH}/mailFolders/Inbox`);
    const created = await test.graph('POST', `${USER_PATH}/mailFolders`, { body: { displayName: 'Projects' } });
    const again = await test.graph('POST', `${USER_PATH}/mailFolders`, { body: { displayName: 'projects' } });
    const found = await test.graph('GET', `${USER_PATH}/mailFolders?$filter=${encodeURIComponent("displayName eq 'PROJECTS'")}`);

    const names = folders.json.value.map((folder: { displayName: string }) => folder.displayName);
    expect(names).toEqual(expect.arrayContaining(['Inbox', 'Sent Items', 'Drafts', 'Deleted Items']));
    expect(inbox.json.displayName).toBe('Inbox');
    expect(created.status).toBe(201);
    expect(again.status).toBe(409);
    expect(again.json.error.code).toBe('ErrorFolderExists');
    expect(found.json.value.map((folder: { id: string }) => folder.id)).toEqual([created.json.id]);
  });

  it('master categories list the defaults and reject a duplicate', async () => {
    const before = await test.graph('GET', `${USER_PATH}/outlook/masterCategories`);
    const created = await test.graph('POST', `${USER_PATH}/outlook/masterCategories`, { body: { displayName: 'Salesforce', color: 'preset7' } });
    const duplicate = await test.graph('POST', `${USER_PATH}/outlook/masterCategories`, { body: { displayName: 'SALESFORCE', color: 'preset1' } });
    const after = await test.graph('GET', `${USER_PATH}/outlook/masterCategories`);

    expect(before.json.value.map((category: { displayName: string }) => category.displayName)).toContain('Blue category');
    expect(created.status).toBe(201);
    expect(Object.keys(created.json).sort()).toEqual(['@odata.context', 'color', 'displayName', 'id']);
    expect(duplicate.status).toBe(409);
    expect(after.json.value).toHaveLength(before.json.value.length + 1);
  });
});

describe('graph emulator message delta', () => {
  let test: TestEmulator;

  beforeAll(async () => {
    test = await startTestEmulator();
  });

  afterAll(async () => {
    await test.emulator.close();
  });

  it('reports moves, categories and deletes per folder', async () => {
    const folder = await test.graph('POST', `${USER_PATH}/mailFolders`, { body: { displayName: 'Salesforce' } });
    const [moved, tagged, deleted, kept] = await seed(test, [
      emlSeed({ subject: 'Will move' }),
      emlSeed({ subject: 'Will be tagged' }),
      emlSeed({ subject: 'Will be deleted' }),
      emlSeed({ subject: 'Stays' }),
    ]);
    const inboxFirst = await roundFrom(test, `${USER_PATH}/mailFolders/inbox/messages/delta?$select=subject,categories,parentFolderId`, 'odata.maxpagesize=3');
    const folderFirst = await roundFrom(test, `${USER_PATH}/mailFolders/${folder.json.id}/messages/delta?$select=subject`);

    await test.graph('POST', `${USER_PATH}/messages/${moved?.id}/move`, { body: { destinationId: folder.json.id } });
    await test.graph('PATCH', `${USER_PATH}/messages/${tagged?.id}`, { body: { categories: ['Salesforce'] } });
    await test.graph('DELETE', `${USER_PATH}/messages/${deleted?.id}`);
    const inboxNext = await roundFrom(test, inboxFirst.deltaLink);
    const folderNext = await roundFrom(test, folderFirst.deltaLink);

    expect(inboxFirst.pages).toBe(2);
    expect(inboxFirst.items.map((item) => item.subject)).toEqual(['Will move', 'Will be tagged', 'Will be deleted', 'Stays']);
    expect(folderFirst.items).toEqual([]);
    expect(inboxNext.items).toEqual([
      { '@odata.type': '#microsoft.graph.message', id: moved?.id, '@removed': { reason: 'deleted' } },
      expect.objectContaining({ id: tagged?.id, categories: ['Salesforce'] }),
      { '@odata.type': '#microsoft.graph.message', id: deleted?.id, '@removed': { reason: 'deleted' } },
    ]);
    expect(inboxNext.items.some((item) => item.id === kept?.id)).toBe(false);
    expect(folderNext.items).toEqual([expect.objectContaining({ id: moved?.id, subject: 'Will move' })]);
    expect(Object.keys(folderNext.items[0] ?? {}).sort()).toEqual(['@odata.etag', '@odata.type', 'id', 'subject']);
  });

  it('filters a first round by receivedDateTime', async () => {
    await seed(test, [
      emlSeed({ subject: 'Old news', date: 'Tue, 01 Sep 2026 08:00:00 +0000' }),
      emlSeed({ subject: 'Fresh news', date: 'Tue, 01 Dec 2026 08:00:00 +0000' }),
    ]);
    const filter = encodeURIComponent('receivedDateTime ge 2026-11-15T00:00:00Z');

    const round = await roundFrom(test, `${USER_PATH}/mailFolders/inbox/messages/delta?$filter=${filter}&$select=subject,receivedDateTime`);
    const rejected = await test.graph('GET', `${USER_PATH}/mailFolders/inbox/messages/delta?$filter=${encodeURIComponent("subject eq 'x'")}`);

    expect(round.items.map((item) => item.subject)).toEqual(['Fresh news']);
    expect(round.items[0]?.receivedDateTime).toBe('2026-12-01T08:00:00Z');
    expect(rejected.status).toBe(400);
    expect(rejected.json.error.code).toBe('ErrorInvalidUrlQueryFilter');
  });

  it('expired delta tokens answer 410 syncStateNotFound', async () => {
    const round = await roundFrom(test, `${USER_PATH}/mailFolders/sentitems/messages/delta`);
    await test.admin('POST', '/faults', { faults: [{ type: 'expireDeltaTokens' }] });

    const expired = await test.graph('GET', round.deltaLink);

    expect(expired.status).toBe(410);
    expect(expired.json.error.code).toBe('syncStateNotFound');
  });

  it('converts the body per Prefer and keeps it as stored without one', async () => {
    const [seeded] = await seed(test, [emlSeed({ subject: 'Bodies', html: '<p>Hello <b>there</b></p>' })]);

    const stored = await test.graph('GET', `${USER_PATH}/messages/${seeded?.id}?$select=body`);
    const text = await test.graph('GET', `${USER_PATH}/messages/${seeded?.id}?$select=body`, { headers: { prefer: 'outlook.body-content-type="text"' } });

    expect(stored.json.body.contentType).toBe('html');
    expect(stored.json.body.content.trim()).toBe('<p>Hello <b>there</b></p>');
    expect(text.json.body).toEqual({ contentType: 'text', content: 'Hello there' });
    expect(text.headers.get('preference-applied')).toBe('outlook.body-content-type="text"');
  });
});

describe('graph emulator attachments', () => {
  let test: TestEmulator;
  let messageId: string;

  beforeAll(async () => {
    test = await startTestEmulator();
    const results = await seed(test, [
      emlSeed({
        subject: 'Contract attached',
        html: '<p>See attached <img src="cid:logo@example.com"></p>',
        attachments: [
          { name: 'contract.pdf', contentType: 'application/pdf', content: PDF_BYTES },
          { name: 'logo.png', contentType: 'image/png', content: new Uint8Array([0x89, 0x50, 0x4e, 0x47]), contentId: 'logo@example.com' },
        ],
      }),
    ]);
    messageId = results[0]?.id ?? '';
  });

  afterAll(async () => {
    await test.emulator.close();
  });

  it('lists attachments and serves raw bytes', async () => {
    const list = await test.graph('GET', `${USER_PATH}/messages/${messageId}/attachments?$select=id,name,contentType,size,isInline`);
    const pdf = list.json.value.find((attachment: { name: string }) => attachment.name === 'contract.pdf');
    const raw = await fetch(`${test.emulator.url}/v1.0${USER_PATH}/messages/${messageId}/attachments/${pdf.id}/$value`, { headers: { authorization: `Bearer ${test.token}` } });
    const bytes = new Uint8Array(await raw.arrayBuffer());

    expect(list.json.value.map((attachment: { name: string; isInline: boolean }) => [attachment.name, attachment.isInline])).toEqual([
      ['contract.pdf', false],
      ['logo.png', true],
    ]);
    expect(pdf).toEqual({
      '@odata.type': '#microsoft.graph.fileAttachment',
      '@odata.mediaContentType': 'application/pdf',
      id: pdf.id,
      name: 'contract.pdf',
      contentType: 'application/pdf',
      size: PDF_BYTES.length,
      isInline: false,
    });
    expect(raw.status).toBe(200);
    expect(raw.headers.get('content-type')).toBe('application/pdf');
    expect(bytes).toEqual(PDF_BYTES);
  });

  it('rejects contentId in $select as Graph does', async () => {
    const response = await test.graph('GET', `${USER_PATH}/messages/${messageId}/attachments?$select=id,contentId`);

    expect(response.status).toBe(400);
    expect(response.json.error.message).toContain("'microsoft.graph.attachment'");
  });

  it('returns $value base64-encoded inside a batch', async () => {
    const list = await test.graph('GET', `${USER_PATH}/messages/${messageId}/attachments`);
    const pdf = list.json.value.find((attachment: { name: string }) => attachment.name === 'contract.pdf');

    const batch = await test.graph('POST', '/$batch', {
      body: { requests: [{ id: '1', method: 'GET', url: `${USER_PATH}/messages/${messageId}/attachments/${pdf.id}/$value` }] },
    });

    expect(batch.json.responses[0].status).toBe(200);
    expect(batch.json.responses[0].headers['Content-Type']).toBe('application/pdf');
    expect(Buffer.from(batch.json.responses[0].body, 'base64')).toEqual(Buffer.from(PDF_BYTES));
  });

  it('hasAttachments ignores inline parts', async () => {
    const [inlineOnly] = await seed(test, [
      emlSeed({ subject: 'Inline only', html: '<img src="cid:a@b">', attachments: [{ name: 'a.png', contentType: 'image/png', content: new Uint8Array([1]), contentId: 'a@b' }] }),
    ]);

    const withFile = await test.graph('GET', `${USER_PATH}/messages/${messageId}?$select=hasAttachments`);
    const inline = await test.graph('GET', `${USER_PATH}/messages/${inlineOnly?.id}?$select=hasAttachments`);

    expect(withFile.json.hasAttachments).toBe(true);
    expect(inline.json.hasAttachments).toBe(false);
  });
});

describe('graph emulator message seeding', () => {
  let test: TestEmulator;

  beforeAll(async () => {
    test = await startTestEmulator();
  });

  afterAll(async () => {
    await test.emulator.close();
  });

  it('seeds idempotently by Message-ID and applies changes in place', async () => {
    const original = emlSeed({ subject: 'Renewal', messageId: '<renewal-1@customer.example.com>' }, { categories: ['Salesforce'] });

    const [first] = await seed(test, [original]);
    const [again] = await seed(test, [original]);
    const [moved] = await seed(test, [{ ...original, folder: 'Salesforce' }]);
    const messages = await test.admin('GET', `${USER_PATH}/messages`);

    expect(first?.outcome).toBe('added');
    expect(again).toEqual({ ...first, outcome: 'unchanged' });
    expect(moved).toEqual({ ...first, outcome: 'updated', folder: 'Salesforce' });
    expect(messages.json.value).toHaveLength(1);
    expect(messages.json.value[0]).toMatchObject({ subject: 'Renewal', categories: ['Salesforce'], folder: 'Salesforce' });
  });

  it('threads a reply into the conversation of its original', async () => {
    const [original, reply, unrelated] = await seed(test, [
      emlSeed({ subject: 'Pricing', messageId: '<pricing-1@example.com>' }),
      emlSeed({ subject: 'Re: Pricing', messageId: '<pricing-2@example.com>', inReplyTo: '<pricing-1@example.com>', references: ['<pricing-1@example.com>'] }),
      emlSeed({ subject: 'Other', messageId: '<other@example.com>' }),
    ]);

    const read = async (id: string | undefined) => (await test.graph('GET', `${USER_PATH}/messages/${id}?$select=conversationId`)).json.conversationId as string;

    expect(await read(reply?.id)).toBe(await read(original?.id));
    expect(await read(unrelated?.id)).not.toBe(await read(original?.id));
  });

  it('keeps no transport headers on sent items', async () => {
    const [sent] = await seed(test, [emlSeed({ subject: 'Sent by me', from: 'Ada Lovelace <ada@example.com>' }, { folder: 'sentitems' })]);

    const message = await test.graph('GET', `${USER_PATH}/messages/${sent?.id}?$select=internetMessageHeaders,isRead,isDraft`);

    expect(message.json.internetMessageHeaders).toBeUndefined();
    expect(message.json.isRead).toBe(true);
    expect(message.json.isDraft).toBe(false);
  });

  it('keeps only custom headers on drafts', async () => {
    const [draft] = await seed(test, [emlSeed({ subject: 'Draft to save', headers: { 'X-Syncline-Save': 'true', 'List-Id': '<team.example.com>' } }, { folder: 'drafts' })]);

    const message = await test.graph('GET', `${USER_PATH}/messages/${draft?.id}?$select=internetMessageHeaders,isDraft,sentDateTime`);

    expect(message.json.internetMessageHeaders).toEqual([{ name: 'X-Syncline-Save', value: 'true' }]);
    expect(message.json.isDraft).toBe(true);
    expect(message.json.sentDateTime).toBeNull();
  });

  it('rejects a subject change on a received message', async () => {
    const [received] = await seed(test, [emlSeed({ subject: 'Read only subject' })]);

    const response = await test.graph('PATCH', `${USER_PATH}/messages/${received?.id}`, { body: { subject: 'Changed' } });

    expect(response.status).toBe(400);
    expect(response.json.error.code).toBe('ErrorInvalidPropertyUpdateSentMessage');
  });
});

describe('graph emulator mail persistence', () => {
  it('keeps messages, folders, categories and delta links across a restart', async () => {
    const dataDir = mkdtempSync(path.join(os.tmpdir(), 'graph-mail-'));
    try {
      const first = await startTestEmulator({ dataDir });
      await first.graph('POST', `${USER_PATH}/mailFolders`, { body: { displayName: 'Kept folder' } });
      await first.graph('POST', `${USER_PATH}/outlook/masterCategories`, { body: { displayName: 'Kept category', color: 'preset2' } });
      const [kept] = await seed(first, [emlSeed({ subject: 'Kept message', attachments: [{ name: 'a.bin', contentType: 'application/octet-stream', content: PDF_BYTES }] })]);
      const round = await roundFrom(first, `${USER_PATH}/mailFolders/inbox/messages/delta?$select=subject,categories`);
      await first.emulator.close();

      const second = await startTestEmulator({ dataDir });
      try {
        const port = new URL(second.emulator.url).port;
        const movedLink = round.deltaLink.replace(/:\d+\//, `:${port}/`);
        const quiet = await roundFrom(second, movedLink);
        await second.graph('PATCH', `${USER_PATH}/messages/${kept?.id}`, { body: { categories: ['Kept category'] } });
        const changed = await roundFrom(second, quiet.deltaLink);
        const folders = await second.graph('GET', `${USER_PATH}/mailFolders?$top=50`);
        const categories = await second.graph('GET', `${USER_PATH}/outlook/masterCategories`);
        const attachments = await second.graph('GET', `${USER_PATH}/messages/${kept?.id}/attachments`);

        expect(quiet.items).toEqual([]);
        expect(changed.items).toEqual([expect.objectContaining({ id: kept?.id, subject: 'Kept message', categories: ['Kept category'] })]);
        expect(folders.json.value.map((folder: { displayName: string }) => folder.displayName)).toContain('Kept folder');
        expect(categories.json.value.map((category: { displayName: string }) => category.displayName)).toContain('Kept category');
        expect(Buffer.from(attachments.json.value[0].contentBytes, 'base64')).toEqual(Buffer.from(PDF_BYTES));
      } finally {
        await second.emulator.close();
      }
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
