/** A Salesforce REST error: HTTP status plus the documented body `[{ message, errorCode, fields }]`. */
export class SfError extends Error {
  readonly status: number;
  readonly errorCode: string;
  readonly fields: string[] | undefined;

  constructor(status: number, errorCode: string, message: string, fields?: string[]) {
    super(message);
    this.name = 'SfError';
    this.status = status;
    this.errorCode = errorCode;
    this.fields = fields;
  }

  /** Builds the top-level error body of a REST response. */
  toBody(): Record<string, unknown>[] {
    const entry: Record<string, unknown> = { message: this.message, errorCode: this.errorCode };
    if (this.fields) entry.fields = this.fields;
    return [entry];
  }

  /** Builds the error entry of a per-record sObject Collections result (`statusCode` instead of `errorCode`). */
  toRecordError(): { statusCode: string; message: string; fields: string[] } {
    return { statusCode: this.errorCode, message: this.message, fields: this.fields ?? [] };
  }
}

export const notFound = (): SfError => new SfError(404, 'NOT_FOUND', 'The requested resource does not exist');

export const entityIsDeleted = (): SfError => new SfError(404, 'ENTITY_IS_DELETED', 'entity is deleted', []);

export const malformedId = (value: string, fields: string[] = []): SfError =>
  new SfError(400, 'MALFORMED_ID', `malformed id ${value}`, fields);

export const invalidSession = (): SfError => new SfError(401, 'INVALID_SESSION_ID', 'Session expired or invalid');
