import { randomBytes } from 'node:crypto';
import { RequestFault } from './soap-reply.ts';
import type { EwsStore, UserRecord } from './store.ts';
import { child, textOf, type XmlNode } from './xml.ts';

/** An account that signs in with Basic authentication: a mailbox owner, or a service account with the ApplicationImpersonation role. */
export interface EwsAccount {
  readonly username: string;
  readonly password: string;
  /** True when the account has the ApplicationImpersonation management role. */
  readonly canImpersonate?: boolean;
}

/** An app that gets tokens with the client credentials grant; its tokens may impersonate any mailbox. */
export interface EwsOAuthClient {
  readonly clientId: string;
  readonly clientSecret: string;
}

export type Caller = { readonly kind: 'account'; readonly account: EwsAccount } | { readonly kind: 'app'; readonly clientId: string };

/** Accounts, apps and the bearer tokens issued to apps. */
export class EwsAuth {
  private tokens = new Map<string, { clientId: string; expiresAt: number }>();

  constructor(
    readonly accounts: EwsAccount[],
    readonly clients: EwsOAuthClient[],
    private readonly tokenLifetimeSeconds: number,
  ) {}

  /** The caller behind an Authorization header, or null (HTTP 401). */
  authenticate(header: string | undefined): Caller | null {
    if (header?.startsWith('Basic ')) {
      const [username, ...rest] = Buffer.from(header.slice(6), 'base64').toString('utf8').split(':');
      const account = this.accounts.find((candidate) => candidate.username.toLowerCase() === (username ?? '').toLowerCase() && candidate.password === rest.join(':'));
      return account === undefined ? null : { kind: 'account', account };
    }
    if (header?.startsWith('Bearer ')) {
      const token = this.tokens.get(header.slice(7));
      return token === undefined || token.expiresAt < Date.now() ? null : { kind: 'app', clientId: token.clientId };
    }
    return null;
  }

  /** The client credentials grant: a token for a known client and secret, or null. */
  issueToken(clientId: string, clientSecret: string): { accessToken: string; expiresIn: number } | null {
    const client = this.clients.find((candidate) => candidate.clientId === clientId && candidate.clientSecret === clientSecret);
    if (client === undefined) return null;
    const accessToken = randomBytes(32).toString('base64url');
    this.tokens.set(accessToken, { clientId, expiresAt: Date.now() + this.tokenLifetimeSeconds * 1000 });
    return { accessToken, expiresIn: this.tokenLifetimeSeconds };
  }

  expireTokens(): void {
    this.tokens = new Map();
  }
}

/**
 * The mailbox a request acts on. With ExchangeImpersonation it is the named mailbox, which the caller must be
 * allowed to impersonate; without it, the signed-in account's own mailbox.
 */
export function resolveMailbox(store: EwsStore, caller: Caller, header: XmlNode | null): UserRecord {
  const sid = child(child(header, 'ExchangeImpersonation'), 'ConnectingSID');
  if (sid !== null) {
    const address = textOf(sid, 'PrimarySmtpAddress') ?? textOf(sid, 'SmtpAddress') ?? textOf(sid, 'PrincipalName');
    if (caller.kind === 'account' && caller.account.canImpersonate !== true) {
      throw new RequestFault('ErrorImpersonateUserDenied', 'The account does not have permission to impersonate the requested user.');
    }
    const user = address === null ? undefined : store.userBySmtp(address);
    if (user === undefined) {
      throw new RequestFault('ErrorNonExistentMailbox', `The SMTP address has no mailbox associated with it.`);
    }
    return user;
  }

  if (caller.kind === 'app') {
    throw new RequestFault('ErrorMissingEmailAddress', 'An app token must name the mailbox in an ExchangeImpersonation header.');
  }
  const own = store.userBySmtp(caller.account.username);
  if (own === undefined) {
    throw new RequestFault('ErrorNonExistentMailbox', 'The account has no mailbox.');
  }
  return own;
}
