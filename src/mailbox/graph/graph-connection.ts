import type { GraphSetting, MailboxSetting } from '../../config/resolved-config.ts';
import type { Logger } from '../../observability/logger.ts';
import type { RefreshTokenStore } from './auth/refresh-token-store.ts';
import type { GraphClientOptions } from './connector-options.ts';

export interface GraphConnectionDeps {
  readonly logger: Logger;
  readonly fetch?: typeof fetch;
  /** Needed by mailboxes with delegated access: where their owners' refresh tokens are kept. */
  readonly refreshTokens?: RefreshTokenStore;
  /** The page where a mailbox owner signs in again, named in the reason of a suspension. */
  readonly signInUrl?: (mailboxId: string) => string;
}

/** Build the connection to one configured mailbox's Graph: the org's app registration, app-only or delegated. */
export function graphConnection(graph: GraphSetting | undefined, mailbox: MailboxSetting, deps: GraphConnectionDeps): GraphClientOptions {
  if (graph === undefined) {
    // The configuration check rejects this; a hand-built configuration could still reach it.
    throw new Error(`mailbox ${mailbox.address} is an Office 365 mailbox, but its org has no graph setting: add the org's "graph" block (docs/connect-office365.md), or set the mailbox's kind`);
  }
  const base: GraphClientOptions = {
    graphBaseUrl: graph.graphBaseUrl,
    tokenUrl: graph.tokenUrl,
    clientId: graph.clientId,
    clientSecret: graph.clientSecret,
    userId: mailbox.address,
    logger: deps.logger,
    ...(deps.fetch === undefined ? {} : { fetch: deps.fetch }),
  };
  if (mailbox.graphAuth !== 'delegated') {
    return base;
  }

  if (deps.refreshTokens === undefined) {
    throw new Error(`mailbox ${mailbox.id} uses delegated Graph access, but no refresh token store was given to reach it`);
  }
  const signInUrl = deps.signInUrl?.(mailbox.id);
  return {
    ...base,
    auth: { kind: 'delegated', mailboxId: mailbox.id, refreshTokens: deps.refreshTokens, ...(signInUrl === undefined ? {} : { signInUrl }) },
  };
}
