import { z } from 'zod';
import { subjectPatternProblem } from '../sync/unsync-rules.ts';

/** The conditions a rule may give; at least one, so that no rule removes every event by accident. */
const CONDITIONS = ['subjectContains', 'subjectMatches', 'category', 'olderThanDays'] as const;

const text = (what: string) => z.string({ error: `expected ${what}` }).trim().min(1, { error: `expected ${what}, got an empty string` });

const unsyncRuleSchema = z
  .strictObject({
    name: text('a short name for the rule, such as "old-internal"'),
    subjectContains: text('text the subject contains').optional(),
    subjectMatches: text('a regular expression the subject matches').optional(),
    category: text('a category name').optional(),
    olderThanDays: z
      .number({ error: 'expected a whole number of days' })
      .int({ error: 'expected a whole number of days' })
      .min(0, { error: 'expected 0 or more days' })
      .max(36_500, { error: 'expected at most 36500 days' })
      .optional(),
  })
  .superRefine((rule, context) => {
    const name = typeof rule.name === 'string' ? `rule '${rule.name}'` : 'this rule';
    if (CONDITIONS.every((key) => rule[key] === undefined)) {
      context.addIssue({
        code: 'custom',
        message: `${name} has no condition, so it would remove every event from the mailboxes: give subjectContains, subjectMatches, category or olderThanDays`,
      });
    }
    if (rule.subjectMatches !== undefined) {
      const problem = subjectPatternProblem(rule.subjectMatches);
      if (problem !== null) {
        context.addIssue({ code: 'custom', path: ['subjectMatches'], message: `${name}: ${problem}` });
      }
    }
  });

/**
 * The org's un-sync rules (docs/unsync.md): calendar events any rule matches are removed from the mailbox calendar and
 * kept in Salesforce. Names are unique, so notes and the dry run can name the rule that matched.
 */
export const unsyncSchema = z.array(unsyncRuleSchema, { error: 'expected a list of un-sync rules, such as [{ "name": "old", "olderThanDays": 90 }]' }).superRefine((rules, context) => {
  const seen = new Set<string>();
  rules.forEach((rule, index) => {
    const key = rule.name.toLowerCase();
    if (seen.has(key)) {
      context.addIssue({ code: 'custom', path: [index, 'name'], message: `duplicate rule name '${rule.name}'; give each rule its own name` });
    }
    seen.add(key);
  });
});
