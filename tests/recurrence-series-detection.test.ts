import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSalesforceEmulator, type RunningSalesforceEmulator } from '../emulators/salesforce/server.ts';
import { createSalesforceRecordClient } from '../src/crm/salesforce/record-client.ts';
import { recurrenceFormOf } from '../src/crm/salesforce/recurrence-form.ts';
import { indexDescribe } from '../src/crm/salesforce/value-checks.ts';
import { createSilentLogger } from '../src/observability/logger.ts';

const CLIENT = { clientId: 'sf-app', clientSecret: 'sf-secret', refreshTokens: ['sf-refresh'] };
const AUTH = { kind: 'refreshToken', clientId: CLIENT.clientId, clientSecret: CLIENT.clientSecret, refreshToken: 'sf-refresh' } as const;

function eventFields(fields: { name: string; createable?: boolean }[]) {
  return indexDescribe({ fields: fields.map((field) => ({ type: 'boolean', createable: true, ...field })) });
}

describe('how an org keeps recurring events, from its Event describe', () => {
  it('reads Recurring Events 2.0 only where the pattern can be written', () => {
    expect(recurrenceFormOf(eventFields([{ name: 'IsRecurrence' }, { name: 'IsRecurrence2' }, { name: 'Recurrence2PatternText' }]))).toBe('recurrence2');
    // API 44.0 to 51.0 show the 2.0 fields read-only: no series can be created there.
    expect(recurrenceFormOf(eventFields([{ name: 'IsRecurrence' }, { name: 'IsRecurrence2', createable: false },
      { name: 'Recurrence2PatternText', createable: false }]))).toBe('legacy');
    expect(recurrenceFormOf(eventFields([{ name: 'IsRecurrence' }]))).toBe('legacy');
    expect(recurrenceFormOf(eventFields([{ name: 'Subject' }]))).toBe('none');
  });

  describe('against the emulator', () => {
    let emulator: RunningSalesforceEmulator;

    beforeAll(async () => {
      emulator = await startSalesforceEmulator({ clients: [CLIENT], users: [{ Username: 'ada@example.com', Email: 'ada@example.com', Name: 'Ada Lovelace' }] });
    });

    afterAll(async () => {
      await emulator.close();
    });

    async function probe(): Promise<unknown> {
      const client = createSalesforceRecordClient({ loginUrl: emulator.url, auth: AUTH, apiVersion: '62.0', logger: createSilentLogger() });
      return (await client.probeFeatures(['Event'], null)).recurringEvents;
    }

    async function setRecurringEvents2(on: boolean): Promise<void> {
      const response = await fetch(`${emulator.url}/_admin/features`, {
        method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ recurringEvents2: on }),
      });
      expect(response.status).toBe(200);
    }

    it('follows the org feature, and says nothing when Event was not asked about', async () => {
      expect(await probe()).toBe('legacy');
      await setRecurringEvents2(true);
      expect(await probe()).toBe('recurrence2');
      const client = createSalesforceRecordClient({ loginUrl: emulator.url, auth: AUTH, apiVersion: '62.0', logger: createSilentLogger() });
      expect((await client.probeFeatures(['Task'], null)).recurringEvents).toBeNull();
    });
  });
});
