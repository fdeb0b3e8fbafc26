import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSalesforceEmulator, type RunningSalesforceEmulator } from '../emulators/salesforce/server.ts';
import { parseConfig } from '../src/config/load-config.ts';
import { createSilentLogger } from '../src/observability/logger.ts';
import { openEngine, type Engine } from '../src/scheduler/engine.ts';
import { scheduleAfterSession } from '../src/scheduler/session-outcome.ts';
import { ImapCalDavWorld, MAILBOX_ZONE } from './support/imap-caldav-world.ts';

/**
 * An IMAP/CalDAV mailbox whose IMAP login is refused while CalDAV works: the mirroring part of its session commits,
 * and the refused login suspends the mailbox instead of being tried again every session.
 */

const ADDRESS = 'dana.imap@contoso.example';
const SF_CLIENT = { clientId: 'imap-sf', clientSecret: 'imap-sf-secret', refreshTokens: ['imap-sf-refresh'] };

describe.skipIf(ImapCalDavWorld.skipReason !== null)('IMAP mailbox in the engine', () => {
  const world = new ImapCalDavWorld();
  let salesforce: RunningSalesforceEmulator;
  let engine: Engine;
  let dataDir: string;

  beforeAll(async () => {
    dataDir = mkdtempSync(path.join(tmpdir(), 'syncline-engine-imap-'));
    await world.start();
    salesforce = await startSalesforceEmulator({
      clients: [SF_CLIENT],
      users: [{ Username: ADDRESS, Email: ADDRESS, Name: 'Dana', TimeZoneSidKey: MAILBOX_ZONE }],
      syncIdField: 'Syncline_Sync_Id__c',
    });
    const account = await world.newAccount();
    const file = {
      dataDir,
      orgs: [
        {
          id: 'contoso',
          name: 'Contoso',
          salesforce: { loginUrl: salesforce.url, auth: { kind: 'refreshToken', clientId: SF_CLIENT.clientId, clientSecret: SF_CLIENT.clientSecret, refreshToken: SF_CLIENT.refreshTokens[0] } },
          graph: { tenantId: 'contoso', clientId: 'unused-graph-app', clientSecret: 'unused' },
          emailSaving: {},
          mailboxes: [
            {
              address: ADDRESS,
              timeZone: MAILBOX_ZONE,
              kind: 'imap-caldav',
              imapCaldav: {
                imap: { host: '127.0.0.1', port: world.imapPort, secure: false, username: account.user.name, password: 'not-the-password' },
                dav: { serverUrl: world.davUrl, username: account.user.name, password: account.user.password, eventCalendarUrl: account.urls.events, taskCalendarUrl: account.urls.tasks, addressBookUrl: account.urls.contacts },
              },
            },
          ],
        },
      ],
    };
    const config = parseConfig(file, { source: 'test', env: {}, baseDir: dataDir });
    engine = await openEngine({ config, logger: createSilentLogger() });
  }, 60_000);

  afterAll(async () => {
    await engine?.close();
    await salesforce?.close();
    await world.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('refused IMAP login suspends', async () => {
    const mailbox = engine.mailboxes[0]!;
    const report = await engine.runSession(mailbox.record.id);

    expect(report.status).toBe('failed');
    expect(report.failure?.kind).toBe('suspend');
    // The calendar, task and contact kinds ran and committed before email saving failed.
    expect(Object.keys(report.writes.byObject).sort()).toEqual(['Contact', 'Event', 'Task']);
    expect(report.notes.some((note) => note.startsWith('Emails were not saved'))).toBe(true);

    const current = { mailboxId: mailbox.record.id, state: 'syncing' as const, reason: null, nextSessionAt: null, resumeAt: null, lastSessionAt: null, lastStatus: null, failureCount: 0 };
    const next = scheduleAfterSession(current, report, { startedFrom: 'active', now: new Date(), intervalMs: 1_800_000, jitter: 0, random: () => 0.5 });
    expect(next.state).toBe('suspendedByError');
    expect(next.reason).toBe(report.failure?.message);
  });
});
