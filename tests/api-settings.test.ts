import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { effectiveSettings, readStoredMailboxEdit, readStoredOrgEdit, withOrgSections } from '../src/config/settings-edits.ts';
import { validateMappingTable } from '../src/mapping/index.ts';
import { createSilentLogger } from '../src/observability/logger.ts';
import { withStoredSettings } from '../src/scheduler/engine-settings.ts';
import { ApiWorld, errorOf, orgSetting, type ApiClient } from './support/api-world.ts';
import { ADMIN, DANA, DANA_MAILBOX, ELI_MAILBOX, GINA, GINA_MAILBOX, startDashboardWorld, type DashboardWorld } from './support/dashboard-world.ts';
import { ADDRESS, MAILBOX_ID, SETTINGS_ADMIN, SettingsWorld } from './support/settings-world.ts';
import { postgresSchemaTarget, sqliteFileTarget, type StoreTarget } from './support/store-targets.ts';

interface Editor {
  sections: Record<string, { value: unknown; source: 'file' | 'console' }>;
  tables: Record<string, { pairs: { key: string; direction: string }[] }>;
  edited: { changedBy: string; changedAt: string } | null;
}

interface DryRun {
  plans: { mailbox: string; mailboxId: string; totals: Record<string, number>; actions: { side: string; op: string; object: string; id: string | null; fields: Record<string, unknown> }[] }[];
  totals: Record<string, number>;
  mailboxesLeftOut: number;
}

const SUBJECT_FROM_SALESFORCE_ONLY = { mappings: { event: { pairs: [{ key: 'subject', direction: 'crmToMailbox' }] } } };

describe('settings routes: access and validation', () => {
  let world: DashboardWorld;
  let admin: ApiClient;
  let dana: ApiClient;

  beforeAll(async () => {
    world = await startDashboardWorld();
    admin = await world.api.session(ADMIN);
    dana = await world.api.session(DANA);
  }, 30_000);

  afterAll(async () => {
    await world?.close();
  });

  it('admin policy save shows source', async () => {
    const saved = await admin.request('PUT', '/api/v1/org/settings', { body: { policy: { conflict: 'crmWins', deleteCrmOnMailboxDelete: false } } });
    expect(saved.status).toBe(200);

    const read = await admin.request('GET', '/api/v1/org/settings');
    const body = read.body as { org: { policy: { conflict: string; deletions: Record<string, { action: string }> } }; editor: Editor };
    expect(body.org.policy.conflict).toBe('crmWins');
    expect(body.org.policy.deletions.task).toEqual({ action: 'keep' });
    expect(body.editor.sections.policy?.source).toBe('console');
    expect(body.editor.sections.linking?.source).toBe('file');
    expect(body.editor.edited?.changedBy).toBe(ADMIN);

    const rules = await admin.request('PUT', '/api/v1/org/settings', { body: { policy: { conflict: 'crmWins' }, unsync: [{ name: 'long-past', olderThanDays: 90 }] } });
    expect(rules.status).toBe(200);
    const org = world.api.config.orgs[0];
    const stored = await world.api.store.loadSettingsEdit('acme', null);
    const edit = readStoredOrgEdit(stored?.sections);
    if (org === undefined || !edit.ok) {
      throw new Error('the stored edit of acme does not read back');
    }
    expect(withOrgSections(org, edit.edit).policy).toEqual(expect.objectContaining({ conflict: 'crmWins', unsync: [expect.objectContaining({ name: 'long-past', olderThanDays: 90 })] }));

    // An edit without the section gives it back to the file.
    expect((await admin.request('PUT', '/api/v1/org/settings', { body: {} })).status).toBe(200);
    const reverted = (await admin.request('GET', '/api/v1/org/settings')).body as { org: { policy: { conflict: string } }; editor: Editor };
    expect(reverted.org.policy.conflict).toBe('mailboxWins');
    expect(reverted.editor.sections.policy?.source).toBe('file');
  });

  it.each([
    [{ policy: { conflict: 'sometimes' } }, "policy.conflict: expected one of 'latestWins', 'mailboxWins', 'crmWins', got 'sometimes'"],
    [{ mappings: { event: { pairs: [{ key: 'subject', direction: 'sideways' }] } } }, 'mappings.event.pairs[0].direction: expected one of'],
    [{ mappings: { task: { remove: ['nope'] } } }, 'mappings.task.remove: no pair has the key "nope"'],
    [{ sessionIntervalMinutes: 0 }, 'sessionIntervalMinutes: expected at least 1 minute, got 0'],
    [{ linking: { blocklist: ['not an address'] } }, 'linking.blocklist[0]: expected an address'],
    [{ instantSync: { triggers: ['create', 'rename'] } }, "instantSync.triggers[1]: expected one of 'create', 'update', 'delete'"],
    [{ unsync: [{ olderThanDays: 90 }] }, 'unsync[0].name'],
    [{ colour: 'red' }, 'colour: unknown section; use one of policy, mappings'],
  ])('refuses %j with 400 naming the section, the field and the fix, and stores nothing', async (body, message) => {
    const before = await world.api.store.loadSettingsEdit('acme', null);
    const response = await admin.request('PUT', '/api/v1/org/settings', { body });
    expect(response.status).toBe(400);
    expect(errorOf(response).code).toBe('invalid_settings');
    expect(errorOf(response).message).toContain(message);
    expect(await world.api.store.loadSettingsEdit('acme', null)).toEqual(before);
  });

  it.each(['constructor', 'toString', 'hasOwnProperty', '__defineGetter__'])('rejects section named %s with 400', async (name) => {
    const org = await admin.request('PUT', '/api/v1/org/settings', { body: { [name]: {} } });
    expect(org.status).toBe(400);
    expect(errorOf(org).message).toContain(`${name}: unknown section; use one of policy, mappings, linking, selection, sessionIntervalMinutes, instantSync, unsync`);
    const personal = await dana.request('PUT', `/api/v1/mailboxes/${DANA_MAILBOX}/settings`, { body: { [name]: {} } });
    expect(personal.status).toBe(400);
    expect(errorOf(personal).message).toContain(`${name}: unknown section; use one of mappings, userBlocklist`);
    expect(readStoredOrgEdit({ [name]: {} }).ok).toBe(false);
  });

  it('rejects lookaround un-sync pattern', async () => {
    const rejected = await admin.request('PUT', '/api/v1/org/settings', { body: { unsync: [{ name: 'not-cancelled', subjectMatches: '^(?!cancel)' }] } });
    expect(rejected.status).toBe(400);
    expect(errorOf(rejected).field).toBe('unsync');
    expect(errorOf(rejected).message).toContain("unsync[0].subjectMatches: rule 'not-cancelled': '^(?!cancel)' uses lookaround ((?!…), which subject patterns do not support");
  });

  it('rejects direction that breaks table', async () => {
    // An admin may mark the span adjustable, but an event table without its span cannot mirror anything.
    expect((await admin.request('PUT', '/api/v1/org/settings', { body: { mappings: { event: { pairs: [{ key: 'span', userAdjustable: true }] } } } })).status).toBe(200);
    try {
      const before = await world.api.store.loadSettingsEdit('acme', DANA_MAILBOX);
      const off = await dana.request('PUT', `/api/v1/mailboxes/${DANA_MAILBOX}/settings`, { body: { mappings: { event: { span: 'off', location: 'off' } } } });
      expect(off.status).toBe(400);
      expect(errorOf(off).message).toContain('mappings.event.span: off would leave the event mapping unable to sync this mailbox (mappings.event: the span pair is missing or off');
      expect(errorOf(off).message).not.toContain('mappings.event.location');
      expect(await world.api.store.loadSettingsEdit('acme', DANA_MAILBOX)).toEqual(before);

      const narrowed = await dana.request('PUT', `/api/v1/mailboxes/${DANA_MAILBOX}/settings`, { body: { mappings: { event: { span: 'crmToMailbox' } } } });
      expect(narrowed.status).toBe(200);
    } finally {
      await dana.request('PUT', `/api/v1/mailboxes/${DANA_MAILBOX}/settings`, { body: {} });
      await admin.request('PUT', '/api/v1/org/settings', { body: {} });
    }
  });

  it('skips unworkable stored direction', () => {
    const org = world.api.config.orgs[0];
    const setting = org?.mailboxes.find((mailbox) => mailbox.id === DANA_MAILBOX);
    const orgEdit = readStoredOrgEdit({ mappings: { event: { pairs: [{ key: 'span', userAdjustable: true }] } } });
    // Saved before directions were checked this way, or straight into the store.
    const personal = readStoredMailboxEdit({ mappings: { event: { span: 'off', location: 'mailboxToCrm' } }, userBlocklist: ['press@newswire.example'] });
    if (org === undefined || setting === undefined || !orgEdit.ok || !personal.ok) {
      throw new Error('the fixtures of the session-start check do not read');
    }

    const effective = effectiveSettings(org, setting, orgEdit.edit, personal.edit);
    expect(effective.problems).toEqual([expect.stringContaining(`mailbox ${DANA}: mappings.event.span: off would leave the event mapping unable to sync this mailbox`)]);
    const event = effective.setting.mappings?.event;
    if (event === undefined) {
      throw new Error('the session got no event table');
    }
    expect(() => validateMappingTable(event)).not.toThrow();
    expect(event.pairs.find((pair) => pair.key === 'span')?.direction).toBe('both');
    expect(event.pairs.find((pair) => pair.key === 'location')?.direction).toBe('mailboxToCrm');
    expect(effective.org.linking?.userBlocklists[DANA]).toEqual(['press@newswire.example']);
  });

  it('returns 403 for user or missing CSRF', async () => {
    expect((await dana.request('GET', '/api/v1/org/settings')).status).toBe(403);
    expect((await dana.request('PUT', '/api/v1/org/settings', { body: { policy: { conflict: 'crmWins' } } })).status).toBe(403);
    expect((await dana.request('POST', '/api/v1/org/settings/dry-run', { body: {} })).status).toBe(403);

    const withoutToken = await admin.request('PUT', '/api/v1/org/settings', { body: { policy: { conflict: 'crmWins' } }, csrf: false });
    expect(withoutToken.status).toBe(403);
    expect(errorOf(withoutToken).code).toBe('csrf_failed');
    const personalWithoutToken = await dana.request('PUT', `/api/v1/mailboxes/${DANA_MAILBOX}/settings`, { body: { userBlocklist: [] }, csrf: false });
    expect(errorOf(personalWithoutToken).code).toBe('csrf_failed');
  });

  it('returns 404 for foreign mailboxes', async () => {
    expect((await admin.request('GET', `/api/v1/mailboxes/${GINA_MAILBOX}/settings`)).status).toBe(404);
    expect((await admin.request('PUT', `/api/v1/mailboxes/${GINA_MAILBOX}/settings`, { body: { userBlocklist: ['x.example'] } })).status).toBe(404);
    expect((await dana.request('GET', `/api/v1/mailboxes/${ELI_MAILBOX}/settings`)).status).toBe(404);
    expect(await world.api.store.loadSettingsEdit('globex', GINA_MAILBOX)).toBeNull();
    expect((await admin.request('POST', `/api/v1/org/settings/dry-run?mailboxId=${GINA_MAILBOX}`, { body: {} })).status).toBe(404);
  });

  it('owner saves blocklist within org limits', async () => {
    const saved = await dana.request('PUT', `/api/v1/mailboxes/${DANA_MAILBOX}/settings`, { body: { userBlocklist: ['Press@Newswire.example', '*.spam.example'], mappings: { event: { location: 'mailboxToCrm' } } } });
    expect(saved.status).toBe(200);
    const settings = (saved.body as { settings: { sections: { userBlocklist: { value: string[]; source: string } }; pairs: { kind: string; key: string; allowed: string; direction: string }[] } }).settings;
    expect(settings.sections.userBlocklist).toEqual({ value: ['press@newswire.example', '*.spam.example'], source: 'console' });
    expect(settings.pairs).toContainEqual(expect.objectContaining({ kind: 'event', key: 'location', allowed: 'both', direction: 'mailboxToCrm' }));

    const fixed = await dana.request('PUT', `/api/v1/mailboxes/${DANA_MAILBOX}/settings`, { body: { mappings: { event: { subject: 'off' } } } });
    expect(fixed.status).toBe(400);
    expect(errorOf(fixed).message).toContain('mappings.event.subject: the org does not let mailboxes change this pair');

    // The org may not narrow a pair below what a mailbox chose: that mailbox's choice would become wider than allowed.
    const narrowed = await admin.request('PUT', '/api/v1/org/settings', { body: { mappings: { event: { pairs: [{ key: 'location', direction: 'crmToMailbox' }] } } } });
    expect(narrowed.status).toBe(400);
    expect(errorOf(narrowed).message).toContain(`mailbox ${DANA}: mappings.event.location: mailboxToCrm is wider than the org allows (crmToMailbox)`);
  });

  it('documents the settings routes in the OpenAPI document', async () => {
    const response = await fetch(`${world.api.url}/openapi.json`);
    expect(response.status).toBe(200);
    const paths = ((await response.json()) as { paths: Record<string, Record<string, unknown>> }).paths;
    expect(Object.keys(paths['/api/v1/org/settings'] ?? {}).sort()).toEqual(['get', 'put']);
    expect(Object.keys(paths['/api/v1/org/settings/dry-run'] ?? {})).toEqual(['post']);
    expect(Object.keys(paths['/api/v1/mailboxes/{id}/settings'] ?? {}).sort()).toEqual(['get', 'put']);
  });

  it('dry run without engine returns 503', async () => {
    const invalid = await admin.request('POST', '/api/v1/org/settings/dry-run', { body: { policy: { quarantineDays: 0 } } });
    expect(invalid.status).toBe(400);
    expect(errorOf(invalid).message).toContain('policy.quarantineDays: expected 1 day or more');
    expect((await admin.request('POST', '/api/v1/org/settings/dry-run', { body: {} })).status).toBe(503);
  });
});

describe('settings dry run limits', () => {
  let world: ApiWorld;
  let admin: ApiClient;
  /** Gate that Acme's plans wait for, while Globex's plans never wait. */
  let gate: Promise<void> = Promise.resolve();
  let planStarted: () => void = () => undefined;
  let failNext = false;

  beforeAll(async () => {
    const mailboxes = Array.from({ length: 12 }, (_, index) => ({ id: `mbx-${index}`, address: `person${index}@acme.example` }));
    world = await ApiWorld.start({
      orgs: [orgSetting('acme', 'Acme Corp', mailboxes), orgSetting('globex', 'Globex', [{ id: GINA_MAILBOX, address: GINA }])],
      planDraft: async (mailboxId) => {
        planStarted();
        if (failNext) {
          failNext = false;
          throw new Error('the planner failed');
        }
        if (mailboxId !== GINA_MAILBOX) {
          await gate;
        }
        return { mailbox: mailboxId, mailboxId, actions: [], notes: [], failures: [] };
      },
    });
    await world.addUser('acme', ADMIN, 'admin');
    await world.addUser('globex', GINA, 'admin');
    admin = await world.session(ADMIN);
  }, 30_000);

  afterAll(async () => {
    await world?.close();
  });

  it('returns 429 while org dry run plans', async () => {
    let open: () => void = () => undefined;
    gate = new Promise((resolve) => {
      open = resolve;
    });
    const planning = new Promise<void>((resolve) => {
      planStarted = resolve;
    });
    const first = admin.request('POST', '/api/v1/org/settings/dry-run', { body: {} });
    await planning;
    planStarted = () => undefined;

    const second = await admin.request('POST', '/api/v1/org/settings/dry-run', { body: {} });
    expect(second.status).toBe(429);
    expect(second.headers.get('retry-after')).toBe('30');
    expect(errorOf(second).code).toBe('dry_run_running');
    expect(errorOf(second).message).toContain('another dry run of this org is still planning its mailboxes');
    // Another org's dry run is not held back.
    const gina = await world.session(GINA);
    expect((await gina.request('POST', '/api/v1/org/settings/dry-run', { body: {} })).status).toBe(200);

    gate = Promise.resolve();
    open();
    const done = await first;
    expect(done.status).toBe(200);
    expect((done.body as DryRun).plans).toHaveLength(10);
    expect((done.body as DryRun).mailboxesLeftOut).toBe(2);
    expect((await admin.request('POST', '/api/v1/org/settings/dry-run', { body: {} })).status).toBe(200);
  }, 30_000);

  it('frees org after planner failure', async () => {
    failNext = true;
    expect((await admin.request('POST', '/api/v1/org/settings/dry-run', { body: {} })).status).toBe(500);
    expect((await admin.request('POST', '/api/v1/org/settings/dry-run', { body: {} })).status).toBe(200);
  });
});

describe('settings edits with the engine', () => {
  let world: SettingsWorld;
  let admin: ApiClient;

  beforeAll(async () => {
    world = await SettingsWorld.start();
    admin = await world.signIn(SETTINGS_ADMIN);
  }, 30_000);

  afterAll(async () => {
    await world?.close();
  });

  it('applies saved direction without restart', async () => {
    const id = await world.emulators.createOutlookEvent('Board prep', 2);
    expect((await world.runSession()).status).toBe('ok');
    expect(await world.emulators.salesforceSubjects()).toContain('Board prep');

    const saved = await admin.request('PUT', '/api/v1/org/settings', { body: SUBJECT_FROM_SALESFORCE_ONLY });
    expect(saved.status).toBe(200);
    const editor = (saved.body as { editor: Editor }).editor;
    expect(editor.tables.event?.pairs.find((pair) => pair.key === 'subject')?.direction).toBe('crmToMailbox');

    await world.emulators.touchOutlookEvent(id, 'Board prep moved');
    expect((await world.runSession()).status).toBe('ok');
    expect(await world.emulators.salesforceSubjects()).toContain('Board prep');
    expect(await world.emulators.salesforceSubjects()).not.toContain('Board prep moved');

    // Back to the file's two-way pair: the next change flows again.
    expect((await admin.request('PUT', '/api/v1/org/settings', { body: {} })).status).toBe(200);
    await world.emulators.touchOutlookEvent(id, 'Board prep final');
    expect((await world.runSession()).status).toBe('ok');
    expect(await world.emulators.salesforceSubjects()).toContain('Board prep final');
  }, 60_000);

  it('plans the draft in a dry run and writes nothing', async () => {
    const id = await world.emulators.createOutlookEvent('Quarterly review', 3);
    expect((await world.runSession()).status).toBe('ok');
    await world.emulators.touchOutlookEvent(id, 'Quarterly review v2');

    const before = {
      subjects: (await world.emulators.salesforceSubjects()).sort(),
      sessions: (await world.engine.store.listSessions(MAILBOX_ID, 200)).length,
      state: JSON.stringify(await world.engine.store.loadSyncState(MAILBOX_ID, 'event')),
      edit: await world.engine.store.loadSettingsEdit('org-1', null),
    };

    const asSaved = await admin.request('POST', '/api/v1/org/settings/dry-run', { body: {} });
    expect(asSaved.status).toBe(200);
    const plain = asSaved.body as DryRun;
    expect(plain.plans.map((plan) => plan.mailboxId)).toEqual([MAILBOX_ID]);
    expect(plain.plans[0]?.actions).toContainEqual(expect.objectContaining({ side: 'crm', op: 'update', object: 'Event', fields: expect.objectContaining({ subject: 'Quarterly review v2' }) }));
    expect(plain.totals.update).toBeGreaterThanOrEqual(1);

    const drafted = await admin.request('POST', `/api/v1/org/settings/dry-run?mailboxId=${MAILBOX_ID}`, { body: SUBJECT_FROM_SALESFORCE_ONLY });
    expect(drafted.status).toBe(200);
    const crmSubjects = (drafted.body as DryRun).plans[0]?.actions.filter((action) => action.side === 'crm' && 'subject' in action.fields) ?? [];
    expect(crmSubjects).toEqual([]);

    expect((await world.emulators.salesforceSubjects()).sort()).toEqual(before.subjects);
    expect((await world.engine.store.listSessions(MAILBOX_ID, 200)).length).toBe(before.sessions);
    expect(JSON.stringify(await world.engine.store.loadSyncState(MAILBOX_ID, 'event'))).toBe(before.state);
    expect(await world.engine.store.loadSettingsEdit('org-1', null)).toEqual(before.edit);
  }, 60_000);

  it('schedules the next session with a saved interval', async () => {
    expect((await admin.request('PUT', '/api/v1/org/settings', { body: { sessionIntervalMinutes: 7 } })).status).toBe(200);
    try {
      const report = await world.runSession();
      const next = Date.parse((await world.engine.store.loadSchedule(MAILBOX_ID))?.nextSessionAt ?? '');
      // The world runs without jitter, so the next session is exactly the interval after the session's end.
      expect(next - Date.parse(report.endedAt)).toBeGreaterThanOrEqual(7 * 60_000 - 5_000);
      expect(next - Date.parse(report.endedAt)).toBeLessThanOrEqual(7 * 60_000 + 5_000);
    } finally {
      await admin.request('PUT', '/api/v1/org/settings', { body: {} });
    }
  }, 30_000);

  it('session applies owner blocklist and directions', async () => {
    const owner = await world.signIn(ADDRESS);
    const saved = await owner.request('PUT', `/api/v1/mailboxes/${MAILBOX_ID}/settings`, { body: { userBlocklist: ['friend@private.example'], mappings: { event: { description: 'off' } } } });
    expect(saved.status).toBe(200);

    const mailbox = world.engine.mailboxes.find((candidate) => candidate.record.id === MAILBOX_ID);
    if (mailbox === undefined) {
      throw new Error('the engine has no mailbox of the world');
    }
    const effective = await withStoredSettings(mailbox, world.engine.store, createSilentLogger());
    expect(effective.org.linking?.userBlocklists[ADDRESS]).toEqual(['friend@private.example']);
    expect(effective.setting.mappings?.event.pairs.find((pair) => pair.key === 'description')?.direction).toBe('off');
    expect(mailbox.setting.mappings?.event.pairs.find((pair) => pair.key === 'description')?.direction ?? 'both').toBe('both');
  });
});

describe.each([
  ['SQLite', sqliteFileTarget],
  ['PostgreSQL', postgresSchemaTarget],
])('settings edits in the %s store', (_name, makeTarget: () => StoreTarget) => {
  it('stores org and mailbox edits apart', async () => {
    const target = makeTarget();
    const store = await target.open();
    try {
      await store.upsertOrg({ id: 'acme', name: 'Acme' });
      await store.upsertOrg({ id: 'globex', name: 'Globex' });
      await store.saveSettingsEdit({ orgId: 'acme', mailboxId: null, sections: { policy: { conflict: 'crmWins' } }, changedBy: 'admin@acme.example', changedAt: '2026-12-01T10:00:00Z' });
      await store.saveSettingsEdit({ orgId: 'acme', mailboxId: 'mbx-dana', sections: { userBlocklist: ['a.example'] }, changedBy: 'dana@acme.example', changedAt: '2026-12-01T11:00:00Z' });
      await store.saveSettingsEdit({ orgId: 'acme', mailboxId: null, sections: { sessionIntervalMinutes: 15 }, changedBy: 'other@acme.example', changedAt: '2026-12-02T09:00:00Z' });

      expect(await store.loadSettingsEdit('acme', null)).toEqual({ orgId: 'acme', mailboxId: null, sections: { sessionIntervalMinutes: 15 }, changedBy: 'other@acme.example', changedAt: '2026-12-02T09:00:00.000Z' });
      expect((await store.loadSettingsEdit('acme', 'mbx-dana'))?.sections).toEqual({ userBlocklist: ['a.example'] });
      expect((await store.listSettingsEdits('acme')).map((edit) => edit.mailboxId)).toEqual([null, 'mbx-dana']);
      expect(await store.listSettingsEdits('globex')).toEqual([]);
      expect(await store.loadSettingsEdit('globex', null)).toBeNull();

      await store.truncateAll();
      expect(await store.listSettingsEdits('acme')).toEqual([]);
    } finally {
      await store.close();
      await target.dispose();
    }
  });
});
