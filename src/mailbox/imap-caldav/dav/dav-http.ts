import { XMLParser } from 'fast-xml-parser';
import { ConnectorError } from '../../../domain/errors.ts';
import type { Logger } from '../../../observability/logger.ts';
import { classifyDavError } from './classify-dav-error.ts';

export interface DavRequest {
  readonly method: string;
  readonly url: string;
  readonly headers?: Readonly<Record<string, string>>;
  readonly body?: string;
  /** Statuses returned to the caller instead of thrown, e.g. 404 for a lookup or 412 for a conditional create. */
  readonly accept?: readonly number[];
  readonly label: string;
}

export interface DavResponse {
  readonly status: number;
  readonly headers: Headers;
  readonly text: string;
  /** The URL after redirects. */
  readonly url: string;
}

/** The HTTP layer every DAV source of one mailbox shares: Basic auth, timeouts, classified failures, a call count. */
export class DavHttp {
  calls = 0;
  readonly #authorization: string;
  readonly #fetch: typeof fetch;

  constructor(
    credentials: { readonly username: string; readonly password: string },
    readonly logger: Logger,
    private readonly timeoutMs: number,
    fetchImpl?: typeof fetch,
  ) {
    this.#authorization = `Basic ${Buffer.from(`${credentials.username}:${credentials.password}`, 'utf8').toString('base64')}`;
    this.#fetch = fetchImpl ?? fetch;
  }

  /** Send a request; a status outside 2xx (and not in `accept`) throws a ConnectorError of its failure kind. */
  async send(request: DavRequest): Promise<DavResponse> {
    this.calls += 1;
    let response: Response;
    let text: string;
    try {
      response = await this.#fetch(request.url, {
        method: request.method,
        headers: { authorization: this.#authorization, ...request.headers },
        body: request.body,
        signal: AbortSignal.timeout(this.timeoutMs),
      });
      // The timeout also covers the body, so a server that stalls mid-body fails here like a dropped connection.
      text = await response.text();
    } catch (error) {
      this.logger.debug({ err: error, label: request.label }, 'DAV request failed on the network');
      throw new ConnectorError(
        { kind: 'retryLater', code: 'NetworkError', message: `${request.label} failed or timed out before the DAV server sent its full response, so it is repeated later` },
        { cause: error },
      );
    }
    if ((response.status >= 200 && response.status < 300) || request.accept?.includes(response.status)) {
      return { status: response.status, headers: response.headers, text, url: response.url || request.url };
    }

    const failure = classifyDavError(response.status, preconditionOf(text), response.headers.get('retry-after'));
    this.logger.debug({ status: response.status, code: failure.code, label: request.label }, 'DAV request failed');
    throw new ConnectorError({ ...failure, message: `${request.label}: ${failure.message}` });
  }

  /** A fetch for tsdav that counts its requests, adds the credentials and throws on the statuses that stop work. */
  readonly fetchForLibrary: typeof fetch = async (input, init) => {
    this.calls += 1;
    const headers = new Headers(init?.headers);
    headers.set('authorization', this.#authorization);
    let response: Response;
    try {
      response = await this.#fetch(input, { ...init, headers, signal: AbortSignal.timeout(this.timeoutMs) });
    } catch (error) {
      throw new ConnectorError({ kind: 'retryLater', code: 'NetworkError', message: 'DAV discovery failed or timed out before the server responded, so it is repeated later' }, { cause: error });
    }
    if (response.status === 401 || response.status === 429 || response.status >= 500) {
      throw new ConnectorError(classifyDavError(response.status, null, response.headers.get('retry-after')));
    }
    return response;
  };
}

const errorParser = new XMLParser({ removeNSPrefix: true, ignoreAttributes: true });

/** The name of the first element inside a DAV `<error>` body (RFC 4918 section 8.7), e.g. `valid-sync-token`. */
function preconditionOf(text: string): string | null {
  if (!text.includes('error')) {
    return null;
  }
  try {
    const parsed = errorParser.parse(text) as { error?: unknown };
    const error = parsed.error;
    if (typeof error === 'object' && error !== null) {
      return Object.keys(error)[0] ?? null;
    }
    return null;
  } catch {
    return null;
  }
}
