/**
 * Request counts as Graph would bill them: `requests` counts HTTP requests to /v1.0 (a `$batch` is one),
 * `innerRequests` the requests carried inside batches. Routes are templates such as `GET /users/{user}/events/{id}`.
 */
interface StatsView {
  requests: number;
  innerRequests: number;
  tokenRequests: number;
  throttled: number;
  byRoute: Record<string, number>;
  innerByRoute: Record<string, number>;
}

export class RequestStats {
  private view: StatsView = emptyStats();

  countRequest(route: string, inner: boolean): void {
    if (inner) {
      this.view.innerRequests += 1;
      this.view.innerByRoute[route] = (this.view.innerByRoute[route] ?? 0) + 1;
      return;
    }

    this.view.requests += 1;
    this.view.byRoute[route] = (this.view.byRoute[route] ?? 0) + 1;
  }

  countToken(): void {
    this.view.tokenRequests += 1;
  }

  countThrottled(): void {
    this.view.throttled += 1;
  }

  read(): StatsView {
    return structuredClone(this.view);
  }

  reset(): void {
    this.view = emptyStats();
  }
}

function emptyStats(): StatsView {
  return { requests: 0, innerRequests: 0, tokenRequests: 0, throttled: 0, byRoute: {}, innerByRoute: {} };
}
