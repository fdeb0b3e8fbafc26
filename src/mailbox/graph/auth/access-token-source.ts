/**
 * Sources of Graph access tokens. App-only tokens (client credentials) act for the app across the tenant's
 * mailboxes; delegated tokens act for one signed-in user and reach only that user's mailbox.
 */
export type GraphAuthKind = 'appOnly' | 'delegated';

export interface AccessTokenSource {
  readonly authKind: GraphAuthKind;
  /** A token valid for a while yet; requests a new one when the cached one is near its expiry. */
  getToken(): Promise<string>;
  /** Forget a token that Graph rejected, so the next `getToken` requests a new one. */
  invalidate(token: string): void;
  /** Forget the cached token whatever it is; used when a refusal cannot be tied to one token. */
  clear(): void;
}
