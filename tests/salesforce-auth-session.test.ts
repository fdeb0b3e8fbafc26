import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { OrgApiBudget, createSalesforceEventSource } from '../src/crm/salesforce/index.ts';
import type { CrmEventSource } from '../src/domain/connector.ts';
import { defaultEventMapping, eventCrmFields } from '../src/mapping/index.ts';
import { createSilentLogger } from '../src/observability/logger.ts';
import { E2eHarness, SYNC_ID_FIELD } from './support/e2e-harness.ts';
import { timedSeed } from './support/graph-seeds.ts';

const WINDOW = { start: '2026-11-01T00:00:00Z', end: '2027-05-01T00:00:00Z' };

let harness: E2eHarness;

beforeEach(async () => {
  harness = await E2eHarness.start({ window: WINDOW });
  await harness.seedMailbox([
    timedSeed('Pipeline review', '2026-12-07', '10:00', '11:00'),
    timedSeed('Customer call', '2026-12-08', '15:00', '15:30'),
  ]);
});

afterEach(async () => {
  await harness.close();
});

/** Create a connector on the harness's connected app with the org's shared budget, as the engine does. */
function budgetedCrm(budget: OrgApiBudget) {
  return createSalesforceEventSource({
    loginUrl: harness.salesforceUrl,
    auth: { kind: 'refreshToken', clientId: 'sf-app', clientSecret: 'sf-secret', refreshToken: 'sf-refresh' },
    apiVersion: '62.0',
    owner: { email: harness.mailbox.address },
    syncIdField: SYNC_ID_FIELD,
    fields: eventCrmFields(defaultEventMapping),
    logger: createSilentLogger(),
    apiBudget: budget,
    sleep: async () => {},
  });
}

describe('Salesforce auth and budget in a session', () => {
  it('spent API budget fails the session with the reason', async () => {
    await harness.salesforceAdmin('POST', '/_admin/limits', { dailyApiCalls: 49_999 });
    const budget = new OrgApiBudget({ share: 0.5 });

    const report = await harness.runSession({ wrapCrm: () => budgetedCrm(budget) });
    expect(report.status).toBe('failed');
    expect(report.notes).toHaveLength(1);
    expect(report.notes[0]).toMatch(
      /^suspend: The org has used \d+ of its 100000 daily Salesforce API calls; Syncline stops at 50000 \(apiBudgetShare 0\.5\) so other integrations keep working; resumes around .* \(API_BUDGET_REACHED\)$/,
    );
    expect(await harness.crmEvents()).toEqual([]);
  });

  it('token expiry mid-session: the session finishes, nothing written twice', async () => {
    const expireBeforeWrites = (source: CrmEventSource): CrmEventSource => ({
      get calls() {
        return source.calls;
      },
      pullChanges: (cursor, window) => source.pullChanges(cursor, window),
      readItems: (ids) => source.readItems(ids),
      findBySyncIds: (syncIds) => source.findBySyncIds(syncIds),
      applyWrites: async (writes) => {
        await harness.salesforceAdmin('POST', '/_admin/faults', { faults: [{ type: 'expireTokens' }] });
        return source.applyWrites(writes);
      },
    });

    const report = await harness.runSession({ wrapCrm: expireBeforeWrites });
    expect(report.status).toBe('ok');
    expect(report.writes.crm.created).toBe(2);
    const subjects = (await harness.crmEvents()).map((record) => record.Subject).sort();
    expect(subjects).toEqual(['Customer call', 'Pipeline review']);

    const again = await harness.runSession();
    expect(again.writes.crm).toEqual({ created: 0, updated: 0, deleted: 0 });
    expect((await harness.crmEvents()).length).toBe(2);
  });
});
