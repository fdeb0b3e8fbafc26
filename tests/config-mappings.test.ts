import { describe, expect, it } from 'vitest';

import { ConfigError, parseConfig } from '../src/config/index.ts';

type Draft = Record<string, unknown>;

const options = { source: 'test.json', env: {}, baseDir: '/srv/syncline' };

function configWith(org: Draft = {}, mailbox: Draft = {}): Draft {
  return {
    orgs: [
      {
        id: 'acme',
        name: 'Acme Corp',
        salesforce: { auth: { kind: 'refreshToken', clientId: 'consumer-key', clientSecret: 'consumer-secret', refreshToken: 'refresh-1' } },
        graph: { tenantId: 'acme.onmicrosoft.com', clientId: 'app-id', clientSecret: 'app-secret' },
        mailboxes: [{ address: 'dana@acme.example.com', timeZone: 'Europe/Berlin', ...mailbox }],
        ...org,
      },
    ],
  };
}

function problemsOf(raw: unknown): readonly string[] {
  try {
    parseConfig(raw, options);
  } catch (error) {
    if (error instanceof ConfigError) {
      return error.problems;
    }
    throw error;
  }
  throw new Error('expected the configuration to be rejected');
}

describe('mapping tables in the configuration', () => {
  it('gives every mailbox the default tables', () => {
    const mailbox = parseConfig(configWith(), options).orgs[0]!.mailboxes[0]!;

    expect(mailbox.mappings?.task.crmObject).toBe('Task');
    expect(mailbox.mappings?.contact.pairs.map((pair) => pair.key)).toContain('birthdate');
    expect(mailbox.mappings?.event.name).toBe('orgs[0].mappings.event');
  });

  it('merges an org table by key over the defaults', () => {
    const config = parseConfig(
      configWith({
        mappings: {
          task: {
            direction: 'mailboxToCrm',
            pairs: [
              { key: 'priority', direction: 'crmToMailbox', userAdjustable: false },
              { key: 'startDate', mailboxField: 'startDate', crmField: 'Start_Date__c', transform: 'date' },
              { key: 'source', crmField: 'Source__c', transform: { type: 'constant', value: 'Outlook' } },
            ],
            remove: ['reminder'],
          },
        },
      }),
      options,
    );
    const task = config.orgs[0]!.mailboxes[0]!.mappings!.task;

    expect(task.direction).toBe('mailboxToCrm');
    expect(task.pairs.map((pair) => pair.key)).toEqual(['subject', 'description', 'status', 'priority', 'dueDate', 'startDate', 'source']);
    expect(task.pairs.find((pair) => pair.key === 'priority')).toMatchObject({ direction: 'crmToMailbox', crmFields: ['Priority'], transform: { type: 'picklist' } });
    expect(task.pairs.find((pair) => pair.key === 'source')).toMatchObject({ mailboxField: null, direction: 'mailboxToCrm', transform: { type: 'constant', value: 'Outlook' } });
  });

  it('names the table, the pair and the fix for a bad mailbox field', () => {
    const problems = problemsOf(configWith({ mappings: { contact: { pairs: [{ key: 'nickname', mailboxField: 'nickName', crmField: 'Nickname__c', transform: 'text' }] } } }));

    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/^orgs\[0\]\.mappings\.contact, pair 17 \("nickname"\): mailboxField "nickName" is not a field of a contact; use one of givenName, surname, /);
  });

  it('rejects a Salesforce field name that is no API name', () => {
    const problems = problemsOf(configWith({ mappings: { task: { pairs: [{ key: 'dueDate', crmField: 'Due Date' }] } } }));

    expect(problems).toEqual(['orgs[0].mappings.task.pairs[0].crmField: expected a Salesforce API name such as Subject or Region__c, got \'Due Date\'']);
  });

  it('rejects a transform that does not fit the field', () => {
    const problems = problemsOf(configWith({ mappings: { task: { pairs: [{ key: 'dueDate', transform: 'dateTime' }] } } }));

    expect(problems).toEqual(['orgs[0].mappings.task, pair 4 ("dueDate"): the dateTime transform does not convert the date field dueDate; use a date transform']);
  });

  it('rejects an unknown transform and a picklist without its table', () => {
    expect(problemsOf(configWith({ mappings: { task: { pairs: [{ key: 'dueDate', transform: 'calendar' }] } } }))[0]).toMatch(
      /^orgs\[0\]\.mappings\.task\.pairs\[0\]\.transform\.type: expected one of 'text', 'picklist', /,
    );
    expect(problemsOf(configWith({ mappings: { task: { pairs: [{ key: 'status', transform: { type: 'picklist', crmDefault: null, mailboxDefault: 'notStarted' } }] } } }))).toEqual([
      'orgs[0].mappings.task.pairs[0].transform.toCrm: missing; expected an object of mailbox value to Salesforce value',
    ]);
  });

  it('rejects picklist values the mailbox field does not have', () => {
    const problems = problemsOf(
      configWith({ mappings: { task: { pairs: [{ key: 'status', transform: { type: 'picklist', toCrm: { open: 'Open' }, crmDefault: 'Open', mailboxDefault: 'open' } }] } } }),
    );

    expect(problems).toEqual(['orgs[0].mappings.task, pair 2 ("status"): "open" are not values of status; use notStarted, inProgress, completed, waitingOnOthers, deferred']);
  });

  it('requires a constant to flow to Salesforce only', () => {
    const problems = problemsOf(configWith({ mappings: { contact: { pairs: [{ key: 'source', crmField: 'LeadSource', direction: 'both', transform: { type: 'constant', value: 'Outlook' } }] } } }));

    expect(problems).toEqual(['orgs[0].mappings.contact, pair 17 ("source"): a constant is only written to Salesforce; set its direction to mailboxToCrm (or off)']);
  });

  it('rejects removing a key the table does not have', () => {
    const problems = problemsOf(configWith({ mappings: { event: { remove: ['attendees'] } } }));

    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/^orgs\[0\]\.mappings\.event\.remove: no pair has the key "attendees"; use one of subject, span, /);
  });

  it('rejects an event table without its span', () => {
    const problems = problemsOf(configWith({ mappings: { event: { pairs: [{ key: 'span', direction: 'off' }] } } }));

    expect(problems[0]).toMatch(/^orgs\[0\]\.mappings\.event: the span pair is missing or off/);
  });

  it('starts a table on another object empty', () => {
    const problems = problemsOf(configWith({ mappings: { event: { crmObject: 'Meeting__c', pairs: [{ key: 'subject', crmField: 'Name' }] } } }));

    expect(problems).toEqual(['orgs[0].mappings.event.pairs[0] ("subject"): a new pair needs transform; or use the key of a default pair to change it']);
  });
});

describe('mailbox adjustments', () => {
  it('turns off or narrows a pair the org lets mailboxes adjust', () => {
    const config = parseConfig(configWith({}, { mappings: { task: { reminder: 'off', description: 'mailboxToCrm' } } }), options);
    const task = config.orgs[0]!.mailboxes[0]!.mappings!.task;

    expect(task.pairs.find((pair) => pair.key === 'reminder')?.direction).toBe('off');
    expect(task.pairs.find((pair) => pair.key === 'description')?.direction).toBe('mailboxToCrm');
  });

  it('rejects widening what the org allows', () => {
    const problems = problemsOf(configWith({ mappings: { contact: { pairs: [{ key: 'birthdate', direction: 'crmToMailbox' }] } } }, { mappings: { contact: { birthdate: 'both' } } }));

    expect(problems).toEqual(['orgs[0].mailboxes[0].mappings.contact.birthdate: both is wider than the org allows (crmToMailbox); use crmToMailbox or off']);
  });

  it('rejects the other way of a one-way table', () => {
    const problems = problemsOf(configWith({ mappings: { task: { direction: 'mailboxToCrm' } } }, { mappings: { task: { reminder: 'crmToMailbox' } } }));

    expect(problems).toEqual(['orgs[0].mailboxes[0].mappings.task.reminder: crmToMailbox is wider than the org allows (mailboxToCrm); use mailboxToCrm or off']);
  });

  it('rejects adjusting a pair the org keeps fixed', () => {
    const problems = problemsOf(configWith({}, { mappings: { event: { subject: 'off' } } }));

    expect(problems).toEqual([
      'orgs[0].mailboxes[0].mappings.event.subject: the org does not let mailboxes change this pair; remove the setting, or have an admin mark the pair userAdjustable in orgs[0].mappings.event',
    ]);
  });

  it('rejects a key the table does not have', () => {
    const problems = problemsOf(configWith({}, { mappings: { contact: { nickname: 'off' } } }));

    expect(problems[0]).toMatch(/^orgs\[0\]\.mailboxes\[0\]\.mappings\.contact\.nickname: orgs\[0\]\.mappings\.contact has no pair with this key; use one of firstName, /);
  });
});

describe('calendar selection', () => {
  it('defaults to every item with the Salesforce category', () => {
    expect(parseConfig(configWith(), options).orgs[0]!.selection).toEqual({ calendarItems: 'all', category: 'Salesforce', ownDomains: [] });
  });

  it('needs own domains for external attendees', () => {
    expect(problemsOf(configWith({ selection: { calendarItems: 'externalAttendees' } }))).toEqual([
      'orgs[0].selection.ownDomains: externalAttendees needs the org\'s own email domains: list them, such as ["example.com"]',
    ]);
    const config = parseConfig(configWith({ selection: { calendarItems: 'externalAttendees', ownDomains: ['Acme.example.com'], category: 'CRM' } }), options);
    expect(config.orgs[0]!.selection).toEqual({ calendarItems: 'externalAttendees', category: 'CRM', ownDomains: ['acme.example.com'] });
  });
});
