import { describe, expect, it } from 'vitest';
import { parseSandboxReady, sandboxConfig } from '../src/config/sandbox-config.ts';
import { orgSections } from '../src/server/routes/settings-view.ts';

/** The console shows where each section comes from: the sandbox has no configuration file, so not "from the file". */

const READY_LINE = JSON.stringify({
  graph: { url: 'http://127.0.0.1:40001', tenantId: 'sandbox.onmicrosoft.com', clientId: 'graph-app', clientSecret: 'graph-secret' },
  salesforce: { url: 'http://127.0.0.1:40002', clientId: 'sf-app', clientSecret: 'sf-secret', refreshToken: 'sf-refresh', apiVersion: '62.0', syncIdField: 'Syncline_Sync_Id__c' },
  org: { id: 'sandbox', name: 'Sandbox Org' },
  mailbox: { address: 'alex.morgan@sandbox.example.com', timeZone: 'Europe/Berlin', salesforceUserEmail: 'alex.morgan@sandbox.example.com' },
  window: { start: '2026-10-01T00:00:00.000Z', end: '2027-07-01T00:00:00.000Z' },
  sampleData: null,
  seedResults: [],
  ews: { url: 'http://127.0.0.1:40003/EWS/Exchange.asmx', serviceAccount: { username: 'svc-syncline@sandbox.example.com', password: 'pw-of-this-run' }, mailbox: { address: 'casey.kim@sandbox.example.com', timeZone: 'Europe/Berlin', salesforceUserEmail: 'casey.kim@sandbox.example.com' } },
});

describe('sandbox settings', () => {
  it('labels sections by their source', () => {
    const config = sandboxConfig(parseSandboxReady(READY_LINE), '/tmp/syncline-sandbox-settings');
    const org = config.orgs[0]!;
    const sections = orgSections(org, config, { sessionIntervalMinutes: 15 });
    expect(sections.policy?.source).toBe('sandbox');
    expect(sections.mappings?.source).toBe('sandbox');
    expect(sections.sessionIntervalMinutes?.source).toBe('console');

    // A configuration file's sections keep their label.
    const fromFile = orgSections(org, { ...config, origin: 'file' }, {});
    expect(fromFile.policy?.source).toBe('file');
  });

  it('picks loopback and the EWS scheme', () => {
    const ready = parseSandboxReady(READY_LINE);
    // No server block: the server listens on its default, 127.0.0.1.
    expect(sandboxConfig(ready, '/tmp/x').server).toBeUndefined();
    expect(sandboxConfig(ready, '/tmp/x').orgs[0]?.ews?.auth.kind).toBe('basic');
    expect(sandboxConfig(ready, '/tmp/x', { SYNCLINE_SANDBOX_EWS_AUTH: 'NTLM' }).orgs[0]?.ews?.auth).toEqual({ kind: 'ntlm', username: 'svc-syncline@sandbox.example.com', password: 'pw-of-this-run' });
    expect(() => sandboxConfig(ready, '/tmp/x', { SYNCLINE_SANDBOX_EWS_AUTH: 'digest' })).toThrow('SYNCLINE_SANDBOX_EWS_AUTH=digest is invalid: set it to basic (the default) or ntlm, or leave it unset');
  });
});
