import { describe, expect, it } from 'vitest';
import { ConfigError, parseConfig } from '../src/config/index.ts';

const baseOptions = { source: 'test.json', env: {}, baseDir: '/srv/syncline' };

function configWith(policy: Record<string, unknown>): Record<string, unknown> {
  return {
    orgs: [
      {
        id: 'acme',
        name: 'Acme Corp',
        policy,
        salesforce: { auth: { kind: 'refreshToken', clientId: 'consumer-key', clientSecret: 'consumer-secret', refreshToken: 'refresh-1' } },
        graph: { tenantId: 'acme.onmicrosoft.com', clientId: 'app-id', clientSecret: 'app-secret' },
        mailboxes: [{ address: 'dana@acme.example.com', timeZone: 'Europe/Berlin' }],
      },
    ],
  };
}

function policyOf(policy: Record<string, unknown>) {
  return parseConfig(configWith(policy), baseOptions).orgs[0]!.policy;
}

function problemsOf(policy: Record<string, unknown>): readonly string[] {
  try {
    parseConfig(configWith(policy), baseOptions);
  } catch (error) {
    if (error instanceof ConfigError) {
      return error.problems;
    }
    throw error;
  }
  throw new Error('expected the configuration to be rejected');
}

describe('deletion policy configuration', () => {
  it('no deletions key keeps defaults', () => {
    expect(policyOf({}).deletions).toBeUndefined();
  });

  it('missing kinds default to delete', () => {
    const policy = policyOf({ deletions: { task: { action: 'keep' }, contact: { action: 'mark', field: 'Syncline_Deleted__c', value: true } }, quarantineDays: 14 });
    expect(policy.deletions).toEqual({
      event: { action: 'delete' },
      task: { action: 'keep' },
      contact: { action: 'mark', field: 'Syncline_Deleted__c', value: true },
    });
    expect(policy.quarantineDays).toBe(14);
  });

  it('older boolean sets every kind', () => {
    expect(policyOf({ deleteCrmOnMailboxDelete: false }).deletions).toEqual({ event: { action: 'keep' }, task: { action: 'keep' }, contact: { action: 'keep' } });
    expect(policyOf({ deleteCrmOnMailboxDelete: true }).deletions).toEqual({ event: { action: 'delete' }, task: { action: 'delete' }, contact: { action: 'delete' } });
    expect(policyOf({ deleteCrmOnMailboxDelete: true })).not.toHaveProperty('deleteCrmOnMailboxDelete');
  });

  it('both forms rejected with fix', () => {
    const problems = problemsOf({ deleteCrmOnMailboxDelete: false, deletions: { event: { action: 'keep' } } });
    expect(problems.join('\n')).toMatch(/deleteCrmOnMailboxDelete/);
    expect(problems.join('\n')).toMatch(/remove deleteCrmOnMailboxDelete and set the action per kind in deletions/);
  });

  it('invalid actions and days rejected', () => {
    expect(problemsOf({ deletions: { event: { action: 'mark', value: true } } }).join('\n')).toMatch(/deletions\.event\.field/);
    expect(problemsOf({ deletions: { task: { action: 'archive' } } }).join('\n')).toMatch(/deletions\.task/);
    expect(problemsOf({ quarantineDays: 0 }).join('\n')).toMatch(/quarantineDays.*1 day or more/);
  });
});
