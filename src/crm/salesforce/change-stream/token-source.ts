import { requestToken, type SalesforceAuth, type SalesforceToken } from '../auth.ts';

/** Access token supplier of a long-lived stream, which also learns when the token stopped working. */
export interface TokenSource {
  /** The current token, requested once and shared until `invalidate`. */
  token(): Promise<SalesforceToken>;
  invalidate(): void;
}

/** A token source over the connector's OAuth flows; a failed request is not kept, so the next call requests a new token. */
export function createTokenSource(fetchFn: typeof fetch, loginUrl: string, auth: SalesforceAuth): TokenSource {
  let pending: Promise<SalesforceToken> | null = null;
  return {
    token() {
      if (pending === null) {
        const request = requestToken(fetchFn, loginUrl, auth);
        pending = request;
        request.catch(() => {
          if (pending === request) pending = null;
        });
      }
      return pending;
    },
    invalidate() {
      pending = null;
    },
  };
}
