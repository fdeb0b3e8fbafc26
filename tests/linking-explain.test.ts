import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CommandEnvironment } from '../src/cli/command-environment.ts';
import { main } from '../src/cli/main.ts';
import { createSilentLogger } from '../src/observability/logger.ts';
import { openStore } from '../src/store/index.ts';

const CONTACT = '0035g0000000001AAA';

describe('syncline explain', () => {
  let folder: string;
  let configPath: string;

  const run = async (...args: string[]) => {
    const out: string[] = [];
    const err: string[] = [];
    const io: CommandEnvironment = { env: {}, cwd: folder, stdout: (text) => out.push(text), stderr: (text) => err.push(text) };
    const code = await main(['node', 'syncline', 'explain', ...args, '--config', configPath], io);
    return { code, out: out.join('\n'), err: err.join('\n') };
  };

  beforeAll(async () => {
    folder = mkdtempSync(path.join(tmpdir(), 'syncline-explain-'));
    configPath = path.join(folder, 'syncline.config.json');
    const storePath = path.join(folder, 'syncline.db');
    writeFileSync(configPath, JSON.stringify({
      dataDir: folder,
      store: { kind: 'sqlite', path: storePath },
      orgs: [{
        id: 'acme',
        name: 'Acme',
        salesforce: { loginUrl: 'http://127.0.0.1:9', auth: { kind: 'refreshToken', clientId: 'a', clientSecret: 'b', refreshToken: 'c' } },
        graph: { tenantId: 't', clientId: 'c', clientSecret: 's', authorityUrl: 'http://127.0.0.1:9', graphBaseUrl: 'http://127.0.0.1:9/v1.0' },
        mailboxes: [{ address: 'ada@acme.test', timeZone: 'Europe/Berlin' }],
        linking: { autoResolve: { enabled: true, create: 'Contact' }, blocklist: ['*.blocked.test'], ownDomains: ['acme.test'] },
      }],
    }));
    const store = await openStore({ kind: 'sqlite', path: storePath }, createSilentLogger());
    await store.recordLinkExplanations([
      { orgId: 'acme', recordId: CONTACT, object: 'Contact', use: 'created', rule: 'autoResolveContact', detail: 'nobody in Salesforce had new@globex.test; created this Contact', activity: 'EmailMessage', at: '2026-05-04T10:00:00.000Z' },
      { orgId: 'acme', recordId: CONTACT, object: 'Contact', use: 'who', rule: 'emailMatch', detail: 'the first matched Contact of the activity: new@globex.test matched this Contact', activity: 'Event', at: '2026-05-05T10:00:00.000Z' },
      { orgId: 'acme', recordId: CONTACT, object: 'Contact', use: 'who', rule: 'emailMatch', detail: 'the first matched Contact of the activity: new@globex.test matched this Contact', activity: 'Event', at: '2026-05-06T10:00:00.000Z' },
    ]);
    await store.close();
  });

  afterAll(() => {
    rmSync(folder, { recursive: true, force: true });
  });

  it('prints why a record is linked and created', async () => {
    const result = await run(CONTACT);

    expect(result.code).toBe(0);
    expect(result.out).toContain(`Contact ${CONTACT}:`);
    expect(result.out).toContain('linked as the person (WhoId) of an Event (org acme), 2 times, 2026-05-05T10:00:00.000Z to 2026-05-06T10:00:00.000Z');
    expect(result.out).toContain('rule autoResolveContact: nobody in Salesforce had new@globex.test');
  });

  it('finds the record by its 15-character id', async () => {
    const result = await run(CONTACT.slice(0, 15), '--json');

    const document = JSON.parse(result.out) as { explanations: { use: string; times: number }[] };
    expect(document.explanations.map((row) => `${row.use}:${row.times}`)).toEqual(['who:2', 'created:1']);
  });

  it('says so for an unknown record', async () => {
    const result = await run('0035g0000000009AAA', '--org', 'acme');

    expect(result.code).toBe(0);
    expect(result.out).toContain('has not linked or created this record in org acme');
  });

  it('rejects what is no record id', async () => {
    const result = await run('not-an-id');

    expect(result.code).toBe(2);
    expect(result.err).toContain("'not-an-id' is not a Salesforce record id");
  });
});
