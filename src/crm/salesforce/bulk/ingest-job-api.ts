import { ConnectorError } from '../../../domain/errors.ts';
import type { SalesforceRestClient } from '../rest-client.ts';
import { parseCsv } from './csv.ts';

export type BulkOperation = 'upsert' | 'update';

/** The fields of a Bulk API 2.0 JobInfo this connector reads. */
export interface JobInfo {
  readonly id: string;
  readonly state: string;
  readonly numberRecordsProcessed: number;
  readonly numberRecordsFailed: number;
  readonly errorMessage: string | null;
}

export const FINAL_JOB_STATES: ReadonlySet<string> = new Set(['JobComplete', 'Failed', 'Aborted']);

/** The Bulk API 2.0 ingest resources under `/services/data/vXX.X/jobs/ingest`, one REST call each. */
export class IngestJobApi {
  constructor(private readonly client: SalesforceRestClient) {}

  private get jobsPath(): string {
    return `${this.client.dataPath}/jobs/ingest`;
  }

  async create(object: string, operation: BulkOperation, externalIdFieldName: string | null): Promise<string> {
    const body = {
      object,
      operation,
      ...(externalIdFieldName === null ? {} : { externalIdFieldName }),
      contentType: 'CSV',
      columnDelimiter: 'COMMA',
      lineEnding: 'LF',
    };
    const response = await this.client.request('POST', this.jobsPath, body);
    return readJobInfo(response.body).id;
  }

  async upload(jobId: string, csv: string): Promise<void> {
    await this.client.request('PUT', `${this.jobsPath}/${encodeURIComponent(jobId)}/batches`, csv, 'csv');
  }

  async setState(jobId: string, state: 'UploadComplete' | 'Aborted'): Promise<JobInfo> {
    const response = await this.client.request('PATCH', `${this.jobsPath}/${encodeURIComponent(jobId)}`, { state });
    return readJobInfo(response.body);
  }

  async info(jobId: string): Promise<JobInfo> {
    return readJobInfo((await this.client.request('GET', `${this.jobsPath}/${encodeURIComponent(jobId)}`)).body);
  }

  /** The result rows, header first: `sf__Id`, then `sf__Created` or `sf__Error`, then the uploaded columns. */
  async results(jobId: string, kind: 'successfulResults' | 'failedResults'): Promise<string[][]> {
    const response = await this.client.request('GET', `${this.jobsPath}/${encodeURIComponent(jobId)}/${kind}/`, undefined, 'csv');
    return parseCsv(typeof response.body === 'string' ? response.body : '');
  }
}

function readJobInfo(body: unknown): JobInfo {
  const info = body !== null && typeof body === 'object' ? (body as Record<string, unknown>) : {};
  if (typeof info.id !== 'string' || typeof info.state !== 'string') {
    throw new ConnectorError({ kind: 'bug', code: 'INVALID_JOB_INFO', message: 'Salesforce Bulk API response lacks the job id or state' });
  }
  return {
    id: info.id,
    state: info.state,
    numberRecordsProcessed: typeof info.numberRecordsProcessed === 'number' ? info.numberRecordsProcessed : 0,
    numberRecordsFailed: typeof info.numberRecordsFailed === 'number' ? info.numberRecordsFailed : 0,
    errorMessage: typeof info.errorMessage === 'string' ? info.errorMessage : null,
  };
}
