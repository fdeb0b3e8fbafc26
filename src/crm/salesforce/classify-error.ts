import type { Failure, FailureKind } from '../../domain/errors.ts';
import { estimateResumeAt, parseApiUsage } from './api-usage.ts';

/** One entry of a Salesforce error body, whichever of its shapes the service used. */
export interface SalesforceErrorItem {
  readonly code: string;
  readonly message: string;
  readonly fields: readonly string[];
}

/**
 * Kinds decided by the error code alone, whatever the HTTP status. Codes come from the REST API's error responses
 * and the SOAP API StatusCode enum, which per-record results share. A code not listed falls back to its status.
 */
const KIND_BY_CODE: Readonly<Record<string, FailureKind>> = {
  // The access token expired or was revoked: get a new one once.
  INVALID_SESSION_ID: 'reauthenticate',
  INVALID_AUTH_HEADER: 'reauthenticate',
  // The org or the integration user cannot use the API at all: a person must act.
  API_DISABLED_FOR_ORG: 'suspend',
  API_CURRENTLY_DISABLED: 'suspend',
  ORG_LOCKED: 'suspend',
  ORG_SUSPENDED: 'suspend',
  FUNCTIONALITY_NOT_ENABLED: 'suspend',
  INVALID_OPERATION_WITH_EXPIRED_PASSWORD: 'suspend',
  PASSWORD_LOCKOUT: 'suspend',
  INACTIVE_ORG: 'suspend',
  STORAGE_LIMIT_EXCEEDED: 'suspend',
  TXN_SECURITY_NO_ACCESS: 'suspend',
  // A value of this record breaks a rule of the org: record it and go on.
  FIELD_CUSTOM_VALIDATION_EXCEPTION: 'itemError',
  FIELD_FILTER_VALIDATION_EXCEPTION: 'itemError',
  REQUIRED_FIELD_MISSING: 'itemError',
  STRING_TOO_LONG: 'itemError',
  TEXT_DATA_OUTSIDE_SUPPORTED_CHARSET: 'itemError',
  NUMBER_OUTSIDE_VALID_RANGE: 'itemError',
  INVALID_EMAIL_ADDRESS: 'itemError',
  INVALID_TYPE_ON_FIELD_IN_RECORD: 'itemError',
  INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST: 'itemError',
  FIELD_INTEGRITY_EXCEPTION: 'itemError',
  INVALID_FIELD_FOR_INSERT_UPDATE: 'itemError',
  INVALID_CROSS_REFERENCE_KEY: 'itemError',
  INVALID_ID_FIELD: 'itemError',
  INSUFFICIENT_ACCESS_ON_CROSS_REFERENCE_ENTITY: 'itemError',
  INACTIVE_OWNER_OR_USER: 'itemError',
  CANNOT_INSERT_UPDATE_ACTIVATE_ENTITY: 'itemError',
  CIRCULAR_DEPENDENCY: 'itemError',
  DELETE_FAILED: 'itemError',
  ENTITY_IS_LOCKED: 'itemError',
  ENTITY_IS_ARCHIVED: 'itemError',
  LIMIT_EXCEEDED: 'itemError',
  DUPLICATE_VALUE: 'itemError',
  DUPLICATES_DETECTED: 'itemError',
  DUPLICATE_EXTERNAL_ID: 'itemError',
  MALFORMED_ID: 'itemError',
  // The record is gone: a delete of it is already done, any other write is recorded against its id.
  ENTITY_IS_DELETED: 'notFound',
  NOT_FOUND: 'notFound',
  // A request Syncline built wrongly: never repeat it.
  MALFORMED_QUERY: 'bug',
  INVALID_QUERY_FILTER_OPERATOR: 'bug',
  INVALID_FIELD: 'bug',
  INVALID_TYPE: 'bug',
  JSON_PARSER_ERROR: 'bug',
  METHOD_NOT_ALLOWED: 'bug',
  INVALID_BATCH_SIZE: 'bug',
  EXCEEDED_ID_LIMIT: 'bug',
  // Temporary: another transaction locks the row, the server is busy, or a query ran too long.
  UNABLE_TO_LOCK_ROW: 'retryLater',
  SERVER_UNAVAILABLE: 'retryLater',
  REQUEST_RUNNING_TOO_LONG: 'retryLater',
  QUERY_TIMEOUT: 'retryLater',
  // Only seen with allOrNone=true: this record was rolled back because another one failed, not for a fault of its own.
  PROCESSING_HALTED: 'retryLater',
  ALL_OR_NONE_OPERATION_ROLLED_BACK: 'retryLater',
  // The query cursor of a paged query expired (idle too long, or too many open): the query runs again from the start.
  INVALID_QUERY_LOCATOR: 'retryLater',
};

/**
 * Codes whose Salesforce message quotes the record's values (the text that is too long, the address, the JSON
 * around a parse error). Syncline writes its own sentence naming the fields instead, so no value of a record
 * reaches a log, a session report or the dashboard.
 */
const OWN_MESSAGES: Readonly<Record<string, (fields: string) => string>> = {
  STRING_TOO_LONG: (fields) => `The value of ${fields} is longer than the field allows: shorten it in the source item, or lengthen the field in Salesforce`,
  INVALID_EMAIL_ADDRESS: (fields) => `The value of ${fields} is not an email address Salesforce accepts: correct it in the source item`,
  JSON_PARSER_ERROR: () => 'Salesforce could not parse the JSON body Syncline sent: report this as a Syncline bug',
  INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST: (fields) =>
    `The value of ${fields} is not in its restricted picklist: add the value to the picklist in Salesforce, or change it in the source item`,
  INVALID_TYPE_ON_FIELD_IN_RECORD: (fields) => `The value of ${fields} does not fit the field's type: correct it in the source item or the field mapping`,
  TEXT_DATA_OUTSIDE_SUPPORTED_CHARSET: (fields) => `The value of ${fields} holds characters Salesforce cannot store: remove them in the source item`,
  NUMBER_OUTSIDE_VALID_RANGE: (fields) => `The value of ${fields} is outside the range the field allows: correct it in the source item`,
  MALFORMED_ID: (fields) => `The value of ${fields} is not a valid Salesforce record id: check the record the item refers to`,
};

/**
 * Turn a Salesforce error response into one `Failure`. `status` 200 means a per-record error inside an sObject
 * Collections result (the collection returned 200 while this record failed). Any other status is for the whole request.
 */
export function classifySalesforceError(status: number, body: unknown, headers: Headers, now: number = Date.now()): Failure {
  const items = readErrorItems(body);
  const first = items[0];
  const code = first?.code ?? `HTTP_${status}`;
  const fields = [...new Set(items.flatMap((item) => item.fields))];
  const message = describeFailure(code, first?.message, fields);
  const retryAfterMs = parseRetryAfter(headers.get('retry-after'));
  const base = { code, message, ...(fields.length > 0 ? { fields } : {}), ...(retryAfterMs === undefined ? {} : { retryAfterMs }) };

  if (code === 'REQUEST_LIMIT_EXCEEDED') {
    return classifyRequestLimit(first?.message ?? '', headers, base, now);
  }

  if (code === 'INSUFFICIENT_ACCESS_OR_READONLY') {
    // A rejected request points at the integration user's profile, while a rejected record concerns that record only.
    return { ...base, kind: status === 200 ? 'itemError' : 'suspend' };
  }

  if (code === 'CANNOT_INSERT_UPDATE_ACTIVATE_ENTITY' && (first?.message ?? '').includes('UNABLE_TO_LOCK_ROW')) {
    // NOTE: Salesforce reports a trigger, flow or process that failed as CANNOT_INSERT_UPDATE_ACTIVATE_ENTITY and
    // puts the cause only in the message. UNABLE_TO_LOCK_ROW there is lock contention in the automation's own
    // writes, which clears once the other transaction commits. Any other cause needs a person.
    return { ...base, kind: 'retryLater', message: 'An automation (trigger or flow) in the org could not lock a record it writes: retrying after a wait' };
  }

  const kind = KIND_BY_CODE[code] ?? kindByStatus(status);
  return { ...base, kind };
}

/**
 * Adjust a failure of an upsert. Salesforce documents upsert by External ID as the way to avoid duplicates, yet two
 * upserts of the same new value that run at once can both miss the record, and the later insert then fails with
 * DUPLICATE_VALUE. A repeat finds the record the other created and updates it, so this one is temporary.
 */
export function classifyUpsertFailure(failure: Failure): Failure {
  if (failure.code !== 'DUPLICATE_VALUE') {
    return failure;
  }
  return {
    ...failure,
    kind: 'retryLater',
    message: 'Another write created a record with the same External ID value at the same moment: repeating the upsert, which now updates that record',
  };
}

/**
 * Classify by the REST API's documented status, for a response whose error code is unknown or absent. 300 is an
 * upsert whose External ID matched several records, 410 a retired resource or API version, 420 a host Salesforce
 * Edge cannot route.
 */
function kindByStatus(status: number): FailureKind {
  if (status === 200 || status === 300) {
    return 'itemError';
  }
  if (status === 401) {
    return 'reauthenticate';
  }
  if (status === 403 || status === 410 || status === 420) {
    return 'suspend';
  }
  if (status === 404) {
    return 'notFound';
  }
  if (status === 409 || status === 412) {
    return 'conflict';
  }
  if (status === 429 || status >= 500 || status === 0) {
    return 'retryLater';
  }
  return 'bug';
}

/**
 * Salesforce reports both an exhausted daily allocation and the concurrent long-request limit as 403
 * REQUEST_LIMIT_EXCEEDED. The `Sforce-Limit-Info` header (api-usage=used/max) shows when the daily one is spent.
 */
function classifyRequestLimit(sfMessage: string, headers: Headers, base: Omit<Failure, 'kind'>, now: number): Failure {
  const usage = parseApiUsage(headers.get('sforce-limit-info'));
  // NOTE: Salesforce gives no distinct error code for the daily limit. Besides the usage header, only the
  // message prefix ("TotalRequests Limit exceeded." versus "ConcurrentRequests ...") distinguishes the two.
  const dailyLimit = (usage !== undefined && usage.used >= usage.max) || sfMessage.startsWith('TotalRequests');
  if (!dailyLimit) {
    return { ...base, kind: 'retryLater', message: 'Salesforce rejected the request because too many long-running requests are running at once: retrying after a wait' };
  }

  const spent = usage ?? { used: 1, max: 1 };
  const resumeAt = estimateResumeAt(spent, spent.max * RESUME_AT_SHARE_OF_LIMIT, now);
  return {
    ...base,
    kind: 'suspend',
    resumeAt,
    message: `Salesforce's daily API request allocation for this org is used up: sync resumes around ${resumeAt} (an estimate: the 24-hour window frees calls gradually), or ask Salesforce for a higher allocation`,
  };
}

/** After a lock-out, wait until a tenth of the allocation is estimated free again, so the org is not locked out at once. */
const RESUME_AT_SHARE_OF_LIMIT = 0.9;

/** Classify a request that got no HTTP response at all (timed out, refused, reset), which is always temporary. */
export function classifyNetworkError(error: unknown, target: string): Failure {
  const name = error instanceof Error ? error.name : '';
  const causeCode = error instanceof Error && error.cause !== null && typeof error.cause === 'object' ? (error.cause as { code?: unknown }).code : undefined;
  const timedOut = name === 'TimeoutError' || causeCode === 'ETIMEDOUT' || causeCode === 'UND_ERR_HEADERS_TIMEOUT' || causeCode === 'UND_ERR_BODY_TIMEOUT';
  if (timedOut) {
    return { kind: 'retryLater', code: 'REQUEST_TIMEOUT', message: `${target} did not answer in time: retrying after a wait` };
  }
  const detail = typeof causeCode === 'string' ? causeCode : name || 'no response';
  return { kind: 'retryLater', code: 'NETWORK_ERROR', message: `${target} unreachable (${detail}): retrying after a wait` };
}

export function readErrorItems(body: unknown): SalesforceErrorItem[] {
  let list: unknown[] = [];
  if (Array.isArray(body)) {
    list = body;
  } else if (body !== null && typeof body === 'object') {
    list = [body];
  }
  const items: SalesforceErrorItem[] = [];
  for (const entry of list) {
    if (entry === null || typeof entry !== 'object') {
      continue;
    }
    const record = entry as Record<string, unknown>;
    // Request errors name the code `errorCode`, per-record collection errors `statusCode`, OAuth errors `error`.
    const code = firstString(record.errorCode, record.statusCode, record.error);
    if (code === undefined) {
      continue;
    }
    const message = firstString(record.message, record.error_description) ?? '';
    const fields = Array.isArray(record.fields) ? record.fields.filter((field): field is string => typeof field === 'string') : [];
    items.push({ code, message, fields });
  }
  return items;
}

function firstString(...values: unknown[]): string | undefined {
  return values.find((value): value is string => typeof value === 'string' && value.length > 0);
}

const MAX_MESSAGE_LENGTH = 300;

function describeFailure(code: string, sfMessage: string | undefined, fields: readonly string[]): string {
  const own = OWN_MESSAGES[code];
  if (own !== undefined) {
    return own(fieldList(fields));
  }
  if (sfMessage === undefined || sfMessage === '') {
    return `Salesforce answered ${code}`;
  }
  const text = sfMessage.length > MAX_MESSAGE_LENGTH ? `${sfMessage.slice(0, MAX_MESSAGE_LENGTH - 1)}…` : sfMessage;
  return `Salesforce answered ${code}: ${text}`;
}

/** "Subject", "Subject and Location", "Subject, Location and Description", or "a field" when Salesforce named none. */
function fieldList(fields: readonly string[]): string {
  if (fields.length === 0) {
    return 'a field';
  }
  if (fields.length === 1) {
    return fields[0]!;
  }
  return `${fields.slice(0, -1).join(', ')} and ${fields.at(-1)!}`;
}

/** Retry-After as delta seconds or an HTTP date, in milliseconds. */
export function parseRetryAfter(value: string | null, now: number = Date.now()): number | undefined {
  if (value === null || value.trim() === '') {
    return undefined;
  }
  const seconds = Number(value);
  if (Number.isFinite(seconds)) {
    return Math.max(0, Math.round(seconds * 1000));
  }
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}
