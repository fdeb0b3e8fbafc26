import { StandardDuplicateRules } from './duplicate-rules.ts';
import { RecordFaults, isRecordFault, type RecordFault } from './record-faults.ts';
import { SfError } from './sf-error.ts';
import type { SfRecord } from './record-table.ts';

/** Faults a test injects through `POST /_admin/faults`. */
export type Fault =
  | { type: 'throttle'; count: number; retryAfterSeconds?: number; message?: string }
  | { type: 'failNth'; n: number; status: number; errorCode: string; message?: string }
  | { type: 'expireTokens' }
  | { type: 'revokeRefreshTokens' }
  | { type: 'validationRule'; sobject: string; field: string; pattern: string; message: string }
  | { type: 'latency'; ms: number }
  | RecordFault;

export interface RequestFault {
  error: SfError;
  headers: Record<string, string>;
}

interface ValidationRule {
  sobject: string;
  field: string;
  pattern: RegExp;
  message: string;
}

/**
 * The faults in force. Throttle and failNth are consumed by the counted REST requests that follow; validation
 * rules and latency stay until `DELETE /_admin/faults`. Token faults act at once on the auth service.
 */
export class FaultPlan {
  /** Duplicate rules and row locks, checked by the record writer. */
  readonly records = new RecordFaults();
  /** The org's standard duplicate rules; a setting of the org, so `clear` leaves it. */
  readonly standardDuplicateRules = new StandardDuplicateRules(false);
  private throttle: { remaining: number; retryAfterSeconds: number; message: string } | null = null;
  private failures: { countdown: number; status: number; errorCode: string; message: string }[] = [];
  private rules: ValidationRule[] = [];
  private latency = 0;

  /** Adds the request-level faults; returns the token faults for the caller to apply. */
  add(faults: Fault[]): Fault[] {
    const tokenFaults: Fault[] = [];
    for (const fault of faults) {
      if (isRecordFault(fault)) {
        this.records.add(fault);
      } else if (fault.type === 'throttle') {
        this.throttle = { remaining: fault.count, retryAfterSeconds: fault.retryAfterSeconds ?? 1,
          message: fault.message ?? 'ConcurrentPerOrgLongTxn Limit exceeded.' };
      } else if (fault.type === 'failNth') {
        this.failures.push({ countdown: fault.n, status: fault.status, errorCode: fault.errorCode,
          message: fault.message ?? `Injected failure ${fault.errorCode}` });
      } else if (fault.type === 'validationRule') {
        this.rules.push({ sobject: fault.sobject.toLowerCase(), field: fault.field, pattern: new RegExp(fault.pattern),
          message: fault.message });
      } else if (fault.type === 'latency') {
        this.latency = fault.ms;
      } else {
        tokenFaults.push(fault);
      }
    }
    return tokenFaults;
  }

  clear(): void {
    this.throttle = null;
    this.failures = [];
    this.rules = [];
    this.latency = 0;
    this.records.clear();
  }

  get latencyMs(): number {
    return this.latency;
  }

  /** Returns the fault the next counted REST request must fail with, if any; call it once per request. */
  nextRequestFault(): RequestFault | null {
    const failure = this.tickFailures();
    if (this.throttle && this.throttle.remaining > 0) {
      this.throttle.remaining -= 1;
      const { retryAfterSeconds, message } = this.throttle;
      if (this.throttle.remaining === 0) this.throttle = null;
      return { error: new SfError(403, 'REQUEST_LIMIT_EXCEEDED', message),
        headers: { 'retry-after': String(retryAfterSeconds) } };
    }
    if (failure) return { error: new SfError(failure.status, failure.errorCode, failure.message), headers: {} };
    return null;
  }

  /** Throws FIELD_CUSTOM_VALIDATION_EXCEPTION when a validation rule matches the record about to be saved. */
  checkValidationRules(sobject: string, record: SfRecord): void {
    for (const rule of this.rules) {
      if (rule.sobject !== sobject.toLowerCase()) continue;
      const key = Object.keys(record).find((k) => k.toLowerCase() === rule.field.toLowerCase());
      const value = key === undefined ? null : record[key];
      if (value === null || value === undefined) continue;
      if (rule.pattern.test(String(value))) {
        throw new SfError(400, 'FIELD_CUSTOM_VALIDATION_EXCEPTION', rule.message, [key ?? rule.field]);
      }
    }
  }

  private tickFailures(): { status: number; errorCode: string; message: string } | null {
    let due: { status: number; errorCode: string; message: string } | null = null;
    for (const failure of this.failures) {
      failure.countdown -= 1;
      if (failure.countdown === 0) due = failure;
    }
    this.failures = this.failures.filter((f) => f.countdown > 0);
    return due;
  }
}
