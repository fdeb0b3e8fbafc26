import { describe, expect, it } from 'vitest';

import { scopeConditions } from './record-scope.ts';
import { indexDescribe } from './value-checks.ts';

const withFields = (...names: string[]) => indexDescribe({ fields: names.map((name) => ({ name, type: 'boolean' })) });

describe('scopeConditions', () => {
  it('uses only the fields the object has', () => {
    const scope = { falseWhereExists: ['IsRecurrence'], excludeWhereExists: [{ field: 'TaskSubtype', value: 'Email' }] };
    expect(scopeConditions(scope, withFields('IsRecurrence', 'TaskSubtype'), 'Sync__c')).toEqual(['IsRecurrence = false', "TaskSubtype != 'Email'"]);
    expect(scopeConditions(scope, withFields('Subject'), 'Sync__c')).toEqual([]);
  });

  it('selects or leaves out another kind by sync id prefix', () => {
    expect(scopeConditions({ syncIdPrefix: 'event:' }, withFields(), 'Sync__c')).toEqual(["Sync__c LIKE 'event:%'"]);
    expect(scopeConditions({ excludeSyncIdPrefixes: ['event:'] }, withFields(), 'Sync__c')).toEqual(["(Sync__c = null OR (NOT Sync__c LIKE 'event:%'))"]);
  });

  it('rejects a prefix with LIKE wildcards', () => {
    expect(() => scopeConditions({ syncIdPrefix: 'a%' }, withFields(), 'Sync__c')).toThrow(/letters, digits/);
  });
});
