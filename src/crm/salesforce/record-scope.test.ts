import { describe, expect, it } from 'vitest';

import { EVENT_SCOPE, scopeConditions } from './record-scope.ts';
import { indexDescribe } from './value-checks.ts';

const withFields = (...names: string[]) => indexDescribe({ fields: names.map((name) => ({ name, type: 'boolean' })) });

describe('scopeConditions', () => {
  it('uses only the fields the object has', () => {
    const scope = { falseWhereExists: ['IsRecurrence'], excludeWhereExists: [{ field: 'TaskSubtype', value: 'Email' }] };
    expect(scopeConditions(scope, withFields('IsRecurrence', 'TaskSubtype'), 'Sync__c')).toEqual(['IsRecurrence = false', "TaskSubtype != 'Email'"]);
    expect(scopeConditions(scope, withFields('Subject'), 'Sync__c')).toEqual([]);
  });

  it('leaves out legacy series parents and the pattern record of an event series where Event has the fields', () => {
    expect(scopeConditions(EVENT_SCOPE, withFields('IsRecurrence', 'GroupEventType'), 'Sync__c')).toEqual(['IsRecurrence = false', "GroupEventType != '3'"]);
    expect(scopeConditions(EVENT_SCOPE, withFields('IsRecurrence'), 'Sync__c')).toEqual(['IsRecurrence = false']);
  });

  it('selects or leaves out another kind by sync id prefix', () => {
    expect(scopeConditions({ syncIdPrefix: 'event:' }, withFields(), 'Sync__c')).toEqual(["Sync__c LIKE 'event:%'"]);
    expect(scopeConditions({ excludeSyncIdPrefixes: ['event:'] }, withFields(), 'Sync__c')).toEqual(["(Sync__c = null OR (NOT Sync__c LIKE 'event:%'))"]);
  });

  it('rejects a prefix with LIKE wildcards', () => {
    expect(() => scopeConditions({ syncIdPrefix: 'a%' }, withFields(), 'Sync__c')).toThrow(/letters, digits/);
  });
});
