import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestEmulator } from './test-client.ts';
import { USER, corpusApiDir, startTestEmulator } from './test-client.ts';

/**
 * The To Do part of the emulator: lists, tasks, linked resources and delta, compared with the documented payloads
 * in the shared corpus (the docs' examples, which show some properties only) and the documented behaviour.
 */
const USER_PATH = `/users/${USER.userPrincipalName}`;

function corpus(name: string): Record<string, unknown> {
  return JSON.parse(readFileSync(path.join(corpusApiDir, name), 'utf8')) as Record<string, unknown>;
}

/** Paths where `actual` lacks a key of `documented` or has a value of another JSON type. */
function missingFromDocumented(documented: unknown, actual: unknown, at = ''): string[] {
  if (Array.isArray(documented)) {
    if (!Array.isArray(actual)) {
      return [`${at}: array expected`];
    }
    return documented.length === 0 || actual.length === 0 ? [] : missingFromDocumented(documented[0], actual[0], `${at}[0]`);
  }
  if (documented !== null && typeof documented === 'object') {
    if (actual === null || typeof actual !== 'object' || Array.isArray(actual)) {
      return [`${at}: object expected`];
    }
    return Object.keys(documented).flatMap((key) =>
      key in actual
        ? missingFromDocumented((documented as Record<string, unknown>)[key], (actual as Record<string, unknown>)[key], `${at}.${key}`)
        : [`${at}.${key}: missing`],
    );
  }
  return typeof documented === typeof actual ? [] : [`${at}: ${typeof documented} expected, got ${JSON.stringify(actual)}`];
}

describe('graph emulator To Do', () => {
  let test: TestEmulator;
  let tasksPath: string;

  beforeAll(async () => {
    test = await startTestEmulator();
    const lists = await test.graph('GET', `${USER_PATH}/todo/lists`);
    const list = lists.json.value.find((candidate: { wellknownListName: string }) => candidate.wellknownListName === 'defaultList');
    tasksPath = `${USER_PATH}/todo/lists/${encodeURIComponent(list.id)}/tasks`;
  });

  afterAll(async () => {
    await test.emulator.close();
  });

  it('lists the default and flagged-email lists', async () => {
    const lists = await test.graph('GET', `${USER_PATH}/todo/lists`);

    expect(lists.status).toBe(200);
    expect(lists.json.value.map((list: { displayName: string; wellknownListName: string }) => [list.displayName, list.wellknownListName])).toEqual([
      ['Flagged Emails', 'flaggedEmails'],
      ['Tasks', 'defaultList'],
    ]);
    expect(Object.keys(lists.json.value[0]).sort()).toEqual(['@odata.etag', 'displayName', 'id', 'isOwner', 'isShared', 'wellknownListName']);
  });

  it('task matches graph-todotask.json', async () => {
    const created = await test.graph('POST', tasksPath, {
      body: { title: 'Shop for dinner', importance: 'low', dueDateTime: { dateTime: '2020-08-25T00:00:00', timeZone: 'Eastern Standard Time' } },
    });
    const read = await test.graph('GET', `${tasksPath}/${created.json.id}`);

    expect(created.status).toBe(201);
    expect(missingFromDocumented(corpus('graph-todotask.json'), read.json)).toEqual([]);
    expect(read.json.dueDateTime).toEqual({ dateTime: '2020-08-25T04:00:00.0000000', timeZone: 'UTC' });
    expect(read.json['@odata.etag']).toMatch(/^W\/".+"$/);
    expect(read.json.linkedResources).toBeUndefined();
  });

  it('delta page matches graph-todotask-delta.json', async () => {
    const delta = await test.graph('GET', `${tasksPath}/delta`);
    const documented = corpus('graph-todotask-delta.json');

    expect(delta.status).toBe(200);
    expect(delta.json['@odata.deltaLink']).toContain('/tasks/delta?$deltatoken=');
    expect(missingFromDocumented(documented, delta.json)).toEqual([]);
  });

  it('takes one linked resource and shows it when expanded', async () => {
    const resource = { applicationName: 'Syncline', displayName: 'Synced', externalId: 'sync-1' };
    const two = await test.graph('POST', tasksPath, { body: { title: 'Two links', linkedResources: [resource, resource] } });
    const created = await test.graph('POST', tasksPath, { body: { title: 'One link', linkedResources: [resource] } });
    const plain = await test.graph('GET', `${tasksPath}/${created.json.id}`);
    const expanded = await test.graph('GET', `${tasksPath}/${created.json.id}?$expand=linkedResources`);
    const collection = await test.graph('GET', `${tasksPath}/${created.json.id}/linkedResources`);

    expect(two.status).toBe(400);
    expect(two.json.error).toMatchObject({ code: 'invalidRequest', message: 'Only one item in linkedResources is allowed.' });
    expect(created.json.linkedResources).toEqual([{ id: expect.any(String), ...resource }]);
    expect(plain.json.linkedResources).toBeUndefined();
    expect(expanded.json.linkedResources).toEqual(created.json.linkedResources);
    expect(collection.json.value).toEqual(created.json.linkedResources);
  });

  it('rejects bad values and unknown properties', async () => {
    const status = await test.graph('POST', tasksPath, { body: { title: 'x', status: 'done' } });
    const zone = await test.graph('POST', tasksPath, { body: { title: 'x', dueDateTime: { dateTime: '2026-01-01T00:00:00', timeZone: 'Mars/Olympus' } } });
    const unknown = await test.graph('POST', tasksPath, { body: { title: 'x', subject: 'events have subjects' } });
    const list = await test.graph('GET', `${USER_PATH}/todo/lists/AAMkAnope/tasks`);
    const task = await test.graph('GET', `${tasksPath}/not-an-id`);

    expect([status.status, status.json.error.code]).toEqual([400, 'invalidRequest']);
    expect(status.json.error.message).toContain('notStarted');
    expect([zone.status, zone.json.error.code]).toEqual([400, 'invalidRequest']);
    expect([unknown.status, unknown.json.error.code]).toEqual([400, 'RequestBodyRead']);
    expect([list.status, list.json.error.code]).toEqual([404, 'ErrorItemNotFound']);
    expect([task.status, task.json.error.code]).toEqual([400, 'ErrorInvalidIdMalformed']);
  });

  it('dates completion and clears it on reopening', async () => {
    const created = await test.graph('POST', tasksPath, { body: { title: 'Finish me' } });
    const done = await test.graph('PATCH', `${tasksPath}/${created.json.id}`, { body: { status: 'completed' } });
    const reopened = await test.graph('PATCH', `${tasksPath}/${created.json.id}`, { body: { status: 'inProgress' } });
    const today = new Date().toISOString().slice(0, 10);

    expect(created.json.completedDateTime).toBeUndefined();
    expect(done.json.completedDateTime).toEqual({ dateTime: `${today}T00:00:00.0000000`, timeZone: 'UTC' });
    expect(reopened.json.completedDateTime).toBeUndefined();
  });

  it('honours If-Match with the task ETag', async () => {
    const created = await test.graph('POST', tasksPath, { body: { title: 'Guarded' } });
    const stale = created.json['@odata.etag'] as string;
    await test.graph('PATCH', `${tasksPath}/${created.json.id}`, { body: { title: 'Changed' } });
    const conflict = await test.graph('PATCH', `${tasksPath}/${created.json.id}`, { body: { title: 'Late' }, headers: { 'if-match': stale } });

    expect(conflict.status).toBe(412);
    expect(conflict.json.error.code).toBe('ErrorIrresolvableConflict');
  });

  it('pages delta and reports removals in the next round', async () => {
    const fresh = await startTestEmulator();
    try {
      const lists = await fresh.graph('GET', `${USER_PATH}/todo/lists`);
      const listId = lists.json.value.find((list: { wellknownListName: string }) => list.wellknownListName === 'defaultList').id;
      const path = `${USER_PATH}/todo/lists/${encodeURIComponent(listId)}/tasks`;
      const ids: string[] = [];
      for (const title of ['One', 'Two', 'Three']) {
        ids.push((await fresh.graph('POST', path, { body: { title } })).json.id);
      }

      const page1 = await fresh.graph('GET', `${path}/delta?$select=title`, { headers: { prefer: 'odata.maxpagesize=2' } });
      const page2 = await fresh.graph('GET', page1.json['@odata.nextLink']);
      await fresh.graph('DELETE', `${path}/${ids[0]}`);
      await fresh.graph('PATCH', `${path}/${ids[1]}`, { body: { title: 'Two v2' } });
      const created = await fresh.graph('POST', path, { body: { title: 'Four' } });
      await fresh.graph('DELETE', `${path}/${created.json.id}`);
      const next = await fresh.graph('GET', page2.json['@odata.deltaLink']);
      await fresh.admin('POST', '/faults', { faults: [{ type: 'expireDeltaTokens' }] });
      const expired = await fresh.graph('GET', next.json['@odata.deltaLink']);

      expect(page1.headers.get('preference-applied')).toContain('odata.maxpagesize=2');
      expect(page1.json.value.map((item: { title: string }) => item.title)).toEqual(['One', 'Two']);
      expect(Object.keys(page1.json.value[0]).sort()).toEqual(['@odata.etag', 'id', 'title']);
      expect(page2.json.value.map((item: { title: string }) => item.title)).toEqual(['Three']);
      expect(next.json.value).toEqual([
        { '@odata.type': '#microsoft.graph.todoTask', id: ids[0], '@removed': { reason: 'deleted' } },
        { '@odata.etag': expect.any(String), id: ids[1], title: 'Two v2' },
      ]);
      expect([expired.status, expired.json.error.code]).toEqual([410, 'syncStateNotFound']);
    } finally {
      await fresh.emulator.close();
    }
  });

  it('rejects delta query options To Do does not take', async () => {
    const filtered = await test.graph('GET', `${tasksPath}/delta?$filter=${encodeURIComponent("status eq 'completed'")}`);

    expect([filtered.status, filtered.json.error.code]).toEqual([400, 'ErrorInvalidUrlQuery']);
  });

  it('filters a task list by status', async () => {
    await test.graph('POST', tasksPath, { body: { title: 'Open one' } });
    await test.graph('POST', tasksPath, { body: { title: 'Closed one', status: 'completed' } });
    const open = await test.graph('GET', `${tasksPath}?$top=100&$filter=${encodeURIComponent("status ne 'completed'")}`);

    expect(open.json.value.length).toBeGreaterThan(0);
    expect(open.json.value.every((task: { status: string }) => task.status !== 'completed')).toBe(true);
  });

  it('serves tasks inside $batch', async () => {
    const batch = await test.graph('POST', '/$batch', {
      body: {
        requests: [
          { id: '1', method: 'POST', url: tasksPath, headers: { 'Content-Type': 'application/json' }, body: { title: 'From a batch' } },
          { id: '2', method: 'PATCH', url: `${tasksPath}/AAMkAmissing`, headers: { 'Content-Type': 'application/json' }, body: { title: 'x' } },
        ],
      },
    });
    const byId = new Map(batch.json.responses.map((entry: { id: string }) => [entry.id, entry]));

    expect(byId.get('1')).toMatchObject({ status: 201, body: { title: 'From a batch' } });
    expect(byId.get('2')).toMatchObject({ status: 404, body: { error: { code: 'ErrorItemNotFound' } } });
  });

  it('keeps tasks and delta links across a restart', async () => {
    const dataDir = mkdtempSync(path.join(os.tmpdir(), 'graph-todo-'));
    try {
      const first = await startTestEmulator({ dataDir });
      const lists = await first.graph('GET', `${USER_PATH}/todo/lists`);
      const listId = lists.json.value.find((list: { wellknownListName: string }) => list.wellknownListName === 'defaultList').id;
      const listPath = `${USER_PATH}/todo/lists/${encodeURIComponent(listId)}/tasks`;
      const created = await first.graph('POST', listPath, { body: { title: 'Kept', linkedResources: [{ applicationName: 'Syncline', externalId: 'kept-1' }] } });
      const deltaLink = (await first.graph('GET', `${listPath}/delta`)).json['@odata.deltaLink'] as string;
      await first.emulator.close();

      const second = await startTestEmulator({ dataDir });
      try {
        const movedLink = deltaLink.replace(/:\d+\//, `:${new URL(second.emulator.url).port}/`);
        const quiet = await second.graph('GET', movedLink);
        await second.graph('PATCH', `${listPath}/${created.json.id}`, { body: { title: 'Kept v2' } });
        const changed = await second.graph('GET', movedLink);
        const stored = await second.admin('GET', `${USER_PATH}/todo/tasks`);
        await second.admin('POST', '/reset');
        const afterReset = await second.admin('GET', `${USER_PATH}/todo/tasks`);

        expect(quiet.json.value).toEqual([]);
        expect(changed.json.value.map((item: { title: string }) => item.title)).toEqual(['Kept v2']);
        expect(stored.json.value[0].linkedResources).toEqual([expect.objectContaining({ externalId: 'kept-1' })]);
        expect(afterReset.json.value).toEqual([]);
      } finally {
        await second.emulator.close();
      }
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
