import { SfError } from './sf-error.ts';
import type { OrgState } from './org-state.ts';
import type { SfRecord } from './record-table.ts';

/**
 * Faults that act on single record writes, injected through `POST /_admin/faults`:
 * - duplicateRule: saving a record of `sobject` whose `field` equals (ignoring case) that field on a live record of
 *   one of `matchSobjects` (default: `sobject`) fails with DUPLICATES_DETECTED and the matches, until cleared;
 * - rowLock: the next `count` writes that touch one of `ids` (the record itself or a parent it references), or any
 *   record when `ids` is absent, fail with UNABLE_TO_LOCK_ROW.
 */
export type RecordFault =
  | { type: 'duplicateRule'; sobject: string; field: string; matchSobjects?: string[]; ruleName?: string }
  | { type: 'rowLock'; count: number; ids?: string[] };

export function isRecordFault(fault: { type: string }): fault is RecordFault {
  return fault.type === 'duplicateRule' || fault.type === 'rowLock';
}

const DUPLICATE_MESSAGE = 'Use one of these records?';

/** DUPLICATES_DETECTED with the `duplicateResult` that the REST API adds to the error entry. */
export class DuplicatesDetectedError extends SfError {
  readonly duplicateResult: Record<string, unknown>;

  constructor(duplicateResult: Record<string, unknown>) {
    super(400, 'DUPLICATES_DETECTED', DUPLICATE_MESSAGE, []);
    this.duplicateResult = duplicateResult;
  }

  override toBody(): Record<string, unknown>[] {
    return [{ ...super.toBody()[0], duplicateResult: this.duplicateResult }];
  }

  override toRecordError(): { statusCode: string; message: string; fields: string[] } {
    return { ...super.toRecordError(), duplicateResult: this.duplicateResult } as ReturnType<SfError['toRecordError']>;
  }
}

interface DuplicateRule {
  sobject: string;
  field: string;
  matchSobjects: string[];
  ruleName: string;
}

export class RecordFaults {
  private duplicateRules: DuplicateRule[] = [];
  private lock: { remaining: number; ids: Set<string> | null } | null = null;

  add(fault: RecordFault): void {
    if (fault.type === 'rowLock') {
      this.lock = { remaining: fault.count, ids: fault.ids ? new Set(fault.ids) : null };
      return;
    }
    this.duplicateRules.push({
      sobject: fault.sobject, field: fault.field, matchSobjects: fault.matchSobjects ?? [fault.sobject],
      ruleName: fault.ruleName ?? `Standard_Rule_for_${fault.sobject}s`,
    });
  }

  clear(): void {
    this.duplicateRules = [];
    this.lock = null;
  }

  /** Throws UNABLE_TO_LOCK_ROW when a row-lock fault covers this write; each failed write uses up one. */
  checkLock(record: SfRecord): void {
    if (!this.lock || this.lock.remaining <= 0) return;
    const { ids } = this.lock;
    const touched = ids === null ? String(record.Id) : Object.values(record).find((v) => typeof v === 'string' && ids.has(v));
    if (touched === undefined) return;
    this.lock.remaining -= 1;
    if (this.lock.remaining === 0) this.lock = null;
    throw new SfError(400, 'UNABLE_TO_LOCK_ROW', `unable to obtain exclusive access to this record or 1 records: ${String(touched)}`);
  }

  /** Throws DUPLICATES_DETECTED when a duplicate rule for the record's object finds live matches. */
  checkDuplicates(org: OrgState, sobject: string, record: SfRecord, apiVersion = '62.0'): void {
    for (const rule of this.duplicateRules) {
      if (rule.sobject.toLowerCase() !== sobject.toLowerCase()) continue;
      const value = record[rule.field];
      if (typeof value !== 'string' || value === '') continue;
      const matchResults = rule.matchSobjects.flatMap((name) => matchResult(org, name, rule, record, value, apiVersion));
      if (matchResults.length === 0) continue;
      throw new DuplicatesDetectedError({
        allowSave: false, duplicateRule: rule.ruleName, duplicateRuleEntityType: sobject,
        errorMessage: DUPLICATE_MESSAGE, matchResults,
      });
    }
  }
}

function matchResult(org: OrgState, sobject: string, rule: DuplicateRule, record: SfRecord, value: string,
  apiVersion: string): Record<string, unknown>[] {
  const table = org.table(sobject);
  if (!table) return [];
  const wanted = value.toLowerCase();
  const matches = [...table.all()].filter((other) => other.IsDeleted !== true && other.Id !== record.Id
    && typeof other[rule.field] === 'string' && String(other[rule.field]).toLowerCase() === wanted);
  if (matches.length === 0) return [];
  const type = table.def.name;
  return [{
    entityType: type, errors: [], matchEngine: 'ExactMatchEngine', rule: `${type}_${rule.field}_Match_Rule`,
    size: matches.length, success: true,
    matchRecords: matches.map((match) => ({
      additionalInformation: [], fieldDiffs: [], matchConfidence: 100,
      record: { attributes: { type, url: `/services/data/v${apiVersion}/sobjects/${type}/${String(match.Id)}` }, Id: match.Id },
    })),
  }];
}
