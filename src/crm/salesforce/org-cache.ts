import { createHash } from 'node:crypto';

import type { SalesforceAuth, SalesforceToken } from './auth.ts';

export interface SalesforceOrgCacheOptions {
  /** Time a describe response is reused; default 15 minutes. */
  readonly metadataTtlMs?: number;
  /** Time a mailbox owner's User id, found by email, is reused; default 15 minutes. */
  readonly ownerTtlMs?: number;
  readonly now?: () => number;
}

interface Timed<T> {
  readonly at: number;
  readonly value: Promise<T>;
}

const DEFAULT_TTL_MS = 15 * 60_000;

/** `GET …/sobjects` (describeGlobal) and `GET …/sobjects/{name}/describe`, whose responses change only when an admin edits the org. */
const METADATA_PATH = /^\/services\/data\/v\d+\.\d+\/sobjects(?:\/[A-Za-z0-9_]+\/describe)?\/?$/;

/**
 * What the sessions of one org in this process share besides the API budget: the access token, describe responses and
 * the owners' User ids. Without it each session of each mailbox asked for a token, described every object it syncs
 * and looked its owner up again: about half of the Salesforce calls of a session that finds nothing to do, and
 * one login per session against Salesforce's hourly login limit.
 *
 * A describe kept here can be up to `metadataTtlMs` old. A field an admin adds is used from then on; a request that
 * Salesforce rejects because a field or object is gone clears the describes at once (`forgetMetadata`).
 */
export class SalesforceOrgCache {
  private readonly tokens = new Map<string, Promise<SalesforceToken>>();
  private readonly metadata = new Map<string, Timed<unknown>>();
  private readonly owners = new Map<string, Timed<string>>();
  private readonly metadataTtlMs: number;
  private readonly ownerTtlMs: number;
  private readonly now: () => number;

  constructor(options: SalesforceOrgCacheOptions = {}) {
    this.metadataTtlMs = options.metadataTtlMs ?? DEFAULT_TTL_MS;
    this.ownerTtlMs = options.ownerTtlMs ?? DEFAULT_TTL_MS;
    this.now = options.now ?? Date.now;
  }

  /** Return true for the paths whose GET responses are cached. */
  static isMetadataPath(path: string): boolean {
    return METADATA_PATH.test(path);
  }

  /** Return the token for these credentials, requested once and shared until Salesforce rejects it. */
  token(loginUrl: string, auth: SalesforceAuth, request: () => Promise<SalesforceToken>): Promise<SalesforceToken> {
    const key = credentialsKey(loginUrl, auth);
    let pending = this.tokens.get(key);
    if (pending === undefined) {
      pending = request();
      this.tokens.set(key, pending);
      const current = pending;
      // A failed token request is not kept, so the next request fetches a new token.
      current.catch(() => this.dropToken(key, current));
    }
    return pending;
  }

  /** Forget a token Salesforce rejected. A newer one that another session fetched meanwhile stays. */
  forgetToken(loginUrl: string, auth: SalesforceAuth, refused: Promise<SalesforceToken>): void {
    this.dropToken(credentialsKey(loginUrl, auth), refused);
  }

  /** Return a describe response, from the cache while it is fresh. */
  metadataResponse<T>(path: string, load: () => Promise<T>): Promise<T> {
    // Each key is always loaded by the same request, so the value kept under it has the type its caller expects.
    return this.remember(this.metadata, path, this.metadataTtlMs, load) as Promise<T>;
  }

  /** Drop every describe response, after Salesforce rejected a request for a field or an object that is gone. */
  forgetMetadata(): void {
    this.metadata.clear();
  }

  /** Return the User id of the owner with this email, from the cache while it is fresh. */
  owner(email: string, load: () => Promise<string>): Promise<string> {
    return this.remember(this.owners, email.toLowerCase(), this.ownerTtlMs, load);
  }

  private remember<T>(entries: Map<string, Timed<T>>, key: string, ttlMs: number, load: () => Promise<T>): Promise<T> {
    const now = this.now();
    const kept = entries.get(key);
    if (kept !== undefined && now - kept.at < ttlMs) {
      return kept.value;
    }
    const value = load();
    const entry = { at: now, value };
    entries.set(key, entry);
    // A failure is not cached, so the next session sends the request again.
    value.catch(() => {
      if (entries.get(key) === entry) {
        entries.delete(key);
      }
    });
    return value;
  }

  private dropToken(key: string, token: Promise<SalesforceToken>): void {
    if (this.tokens.get(key) === token) {
      this.tokens.delete(key);
    }
  }
}

/** Derive one key per login URL and set of credentials, hashed so that no secret is a map key in a heap dump. */
function credentialsKey(loginUrl: string, auth: SalesforceAuth): string {
  return createHash('sha256').update(loginUrl).update('\n').update(JSON.stringify(auth)).digest('hex');
}
