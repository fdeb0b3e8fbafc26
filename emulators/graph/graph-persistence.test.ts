import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { SYNC_PROPERTY, USER, startTestEmulator, timedEvent } from './test-client.ts';

const USER_PATH = `/users/${USER.userPrincipalName}`;
const WINDOW = 'startDateTime=2026-10-01T00:00:00Z&endDateTime=2026-11-01T00:00:00Z';

describe('graph emulator persistence', () => {
  const directories: string[] = [];

  afterEach(() => {
    for (const directory of directories.splice(0)) {
      rmSync(directory, { recursive: true, force: true });
    }
  });

  it('keeps events, tokens and delta links across a restart', async () => {
    const dataDir = mkdtempSync(path.join(os.tmpdir(), 'graph-emulator-'));
    directories.push(dataDir);

    const first = await startTestEmulator({ dataDir });
    const created = await first.graph('POST', `${USER_PATH}/events`, {
      body: { ...timedEvent('Kept', '2026-10-05T09:00:00', '2026-10-05T10:00:00'), singleValueExtendedProperties: [{ id: SYNC_PROPERTY, value: 'kept-1' }] },
    });
    const deltaLink = (await first.graph('GET', `${USER_PATH}/calendarView/delta?${WINDOW}`)).json['@odata.deltaLink'] as string;
    await first.emulator.close();

    const second = await startTestEmulator({ dataDir });
    try {
      const port = new URL(second.emulator.url).port;
      const movedLink = deltaLink.replace(/:\d+\//, `:${port}/`);
      const oldToken = await second.graph('GET', `${USER_PATH}/events/${created.json.id}`, { token: first.token });
      const quiet = await second.graph('GET', movedLink);
      await second.graph('PATCH', `${USER_PATH}/events/${created.json.id}`, { body: { subject: 'Kept v2' } });
      const changed = await second.graph('GET', movedLink);
      const stored = await second.admin('GET', `${USER_PATH}/events`);

      expect(oldToken.status).toBe(200);
      expect(oldToken.json.changeKey).toBe(created.json.changeKey);
      expect(quiet.json.value).toEqual([]);
      expect(changed.json.value.map((item: { subject: string }) => item.subject)).toEqual(['Kept v2']);
      expect(stored.json.value[0].singleValueExtendedProperties).toEqual([{ id: SYNC_PROPERTY, value: 'kept-1' }]);
    } finally {
      await second.emulator.close();
    }

    expect(readdirSync(dataDir)).toEqual(['graph-emulator-state.json']);
  });

  it('admin reset empties mailboxes but keeps users', async () => {
    const test = await startTestEmulator();
    try {
      await test.graph('POST', `${USER_PATH}/events`, { body: timedEvent('Temp', '2026-10-05T09:00:00', '2026-10-05T10:00:00') });
      await test.admin('POST', '/reset');
      const events = await test.admin('GET', `${USER_PATH}/events`);
      const users = await test.admin('GET', '/users');

      expect(events.json.value).toEqual([]);
      expect(users.json.value.map((user: { userPrincipalName: string }) => user.userPrincipalName)).toEqual([USER.userPrincipalName]);
    } finally {
      await test.emulator.close();
    }
  });
});
