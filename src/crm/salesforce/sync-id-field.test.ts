import { describe, expect, it } from 'vitest';
import { isConnectorError } from '../../domain/errors.ts';
import { assertSyncIdField } from './sync-id-field.ts';
import { indexDescribe } from './value-checks.ts';

const describeWith = (field: Record<string, unknown>) => indexDescribe({ fields: [{ name: 'Subject', type: 'string', length: 255 }, field] });

function failureOf(check: () => void) {
  try {
    check();
  } catch (error) {
    if (isConnectorError(error)) return error.failure;
    throw error;
  }
  throw new Error('expected the check to fail');
}

describe('assertSyncIdField', () => {
  it('accepts an editable External ID', () => {
    const index = describeWith({ name: 'Sync__c', type: 'string', length: 255, externalId: true, createable: true, updateable: true });
    expect(() => assertSyncIdField(index, 'sync__c', 'Event')).not.toThrow();
  });

  it('rejects a non-External ID field', () => {
    const failure = failureOf(() => assertSyncIdField(describeWith({ name: 'Sync__c', type: 'string', length: 255 }), 'Sync__c', 'Event'));
    expect(failure).toMatchObject({ kind: 'suspend', code: 'SYNC_ID_FIELD_NOT_EXTERNAL_ID', fields: ['Sync__c'] });
    expect(failure.message).toBe(
      "The sync id field Sync__c on the Activity object (Event and Task custom fields live there) is not an External ID, so Syncline cannot upsert by it: mark the field External ID (and Unique), or set the org's salesforce.syncIdField to a field that is",
    );
  });

  it('rejects a read-only field', () => {
    const index = describeWith({ name: 'Sync__c', type: 'string', length: 255, externalId: true, createable: true, updateable: false });
    const failure = failureOf(() => assertSyncIdField(index, 'Sync__c', 'Event'));
    expect(failure).toMatchObject({ kind: 'suspend', code: 'SYNC_ID_FIELD_READ_ONLY' });
    expect(failure.message).toContain('give the user edit access to the field (field-level security)');
  });

  it('names where to create it', () => {
    const failure = failureOf(() => assertSyncIdField(describeWith({ name: 'Other__c', type: 'string' }), 'Sync__c', 'Event'));
    expect(failure).toMatchObject({ kind: 'suspend', code: 'FIELD_NOT_IN_ORG', fields: ['Sync__c'] });
    expect(failure.message).toContain("create it on the Activity object (Event and Task custom fields live there)");
    expect(failure.message).toContain("or set the org's salesforce.syncIdField");
  });
});
