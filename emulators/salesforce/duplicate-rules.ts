import { DuplicatesDetectedError } from './record-faults.ts';
import type { OrgState } from './org-state.ts';
import type { SfRecord } from './record-table.ts';

/**
 * The standard duplicate rules of a new org, for Contacts and Leads: action on create "Allow" with an alert, which
 * the API turns into a rejection unless the request sends `Sforce-Duplicate-Rule-Header: allowSave=true` (every
 * header field defaults to false). Off unless the emulator is started with `duplicateRules: 'standard'` or
 * switched on with `PUT /_admin/duplicate-rules`, so tests that create look-alike people are unaffected.
 *
 * NOTE: the real standard matching rules compare names, email, phone and account fuzzily; these match on Email
 * alone, ignoring case. The rule and matching-rule developer names are assumed, not read from an org.
 */
interface StandardRule {
  readonly sobject: 'Contact' | 'Lead';
  readonly ruleName: string;
  readonly compareWith: readonly { readonly sobject: 'Contact' | 'Lead'; readonly matchingRule: string }[];
}

const STANDARD_RULES: readonly StandardRule[] = [
  {
    sobject: 'Contact',
    ruleName: 'Standard_Rule_for_Contacts_with_Duplicate_Contacts',
    compareWith: [{ sobject: 'Contact', matchingRule: 'Standard_Contact_Match_Rule_v1_1' }],
  },
  {
    sobject: 'Lead',
    ruleName: 'Standard_Rule_for_Leads_with_Duplicate_Leads',
    compareWith: [
      { sobject: 'Lead', matchingRule: 'Standard_Lead_Match_Rule_v1_0' },
      { sobject: 'Contact', matchingRule: 'Standard_Contact_Match_Rule_v1_1' },
    ],
  },
];

const ALERT_TEXT = 'Use one of these records?';

export class StandardDuplicateRules {
  active: boolean;

  constructor(active: boolean) {
    this.active = active;
  }

  /** Throws DUPLICATES_DETECTED when the saved Contact or Lead has the Email of another live Contact or open Lead. */
  check(org: OrgState, sobject: string, record: SfRecord, allowSave: boolean, apiVersion = '62.0'): void {
    if (!this.active || allowSave) return;
    const rule = STANDARD_RULES.find((candidate) => candidate.sobject.toLowerCase() === sobject.toLowerCase());
    const email = typeof record.Email === 'string' ? record.Email.toLowerCase() : '';
    if (!rule || email === '') return;

    const matchResults = rule.compareWith.flatMap(({ sobject: other, matchingRule }) => {
      const matches = [...(org.table(other)?.all() ?? [])].filter((candidate) => candidate.Id !== record.Id
        && candidate.IsDeleted !== true && candidate.IsConverted !== true
        && typeof candidate.Email === 'string' && candidate.Email.toLowerCase() === email);
      if (matches.length === 0) return [];
      return [{
        entityType: other, errors: [], matchEngine: 'FuzzyMatchEngine', rule: matchingRule, size: matches.length, success: true,
        matchRecords: matches.map((match) => ({
          additionalInformation: [], fieldDiffs: [], matchConfidence: 100,
          record: { attributes: { type: other, url: `/services/data/v${apiVersion}/sobjects/${other}/${String(match.Id)}` }, Id: match.Id },
        })),
      }];
    });
    if (matchResults.length === 0) return;
    throw new DuplicatesDetectedError({
      allowSave: true, duplicateRule: rule.ruleName, duplicateRuleEntityType: rule.sobject, errorMessage: ALERT_TEXT, matchResults,
    });
  }
}

/** Read `Sforce-Duplicate-Rule-Header: allowSave=true; …` from lower-cased request headers; absent or any other value means false. */
export function allowSaveOf(headers: Readonly<Record<string, string | undefined>>): boolean {
  const header = headers['sforce-duplicate-rule-header'] ?? '';
  return /(?:^|;)\s*allowSave\s*=\s*true\s*(?:;|$)/i.test(header);
}
