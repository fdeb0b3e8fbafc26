import md4 from 'js-md4';
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { RequestFault } from './soap-reply.ts';
import type { EwsStore, UserRecord } from './store.ts';
import { child, textOf, type XmlNode } from './xml.ts';

/** An account that signs in with Basic authentication (or NTLM, when the emulator offers it): a mailbox owner, or a service account with the ApplicationImpersonation role. */
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

/** Windows authentication (NTLM) of the accounts, as IIS offers it on the EWS virtual directory. */
export interface EwsNtlmOptions {
  /** NetBIOS name of the domain the server names in its challenge; default CONTOSO. */
  readonly domain?: string;
  /** NetBIOS name of the server; default EXCH01. */
  readonly server?: string;
}

/**
 * What a request's credentials get: a caller, an NTLM challenge to send with a 401, or a 401 with the offered
 * schemes. `ntlm` names the NTLM step that happened, for the stats.
 */
export type AuthOutcome =
  | { readonly kind: 'caller'; readonly caller: Caller; readonly ntlm: 'logon' | 'connection' | null }
  | { readonly kind: 'challenge'; readonly header: string }
  | { readonly kind: 'denied'; readonly ntlm: 'rejected' | null };

/** State of one connection: the challenge sent on it, or the account that logged on. */
type ConnectionState = { readonly phase: 'challenged'; readonly challenge: Buffer; readonly unicode: boolean } | { readonly phase: 'loggedOn'; readonly account: EwsAccount };

/** Accounts, apps and the bearer tokens issued to apps. */
export class EwsAuth {
  private tokens = new Map<string, { clientId: string; expiresAt: number }>();
  /** NTLM state per TCP connection: the logon belongs to the socket, never to a request. */
  private readonly connections = new WeakMap<object, ConnectionState>();

  constructor(
    readonly accounts: EwsAccount[],
    readonly clients: EwsOAuthClient[],
    private readonly tokenLifetimeSeconds: number,
    private readonly ntlm: EwsNtlmOptions | null = null,
  ) {}

  /** WWW-Authenticate headers of a 401, one per scheme as IIS sends them. */
  get offers(): string[] {
    return this.ntlm === null ? ['Basic realm="EWS", Bearer'] : ['NTLM', 'Basic realm="EWS", Bearer'];
  }

  /** Authenticate a request by its Authorization header, or by the NTLM logon of its connection when it has none. */
  authenticateRequest(header: string | undefined, connection: object): AuthOutcome {
    if (this.ntlm !== null && header !== undefined && /^NTLM\s/i.test(header)) {
      return this.ntlmStep(Buffer.from(header.slice(5).trim(), 'base64'), connection);
    }
    const state = this.connections.get(connection);
    if (header === undefined && state?.phase === 'loggedOn') {
      return { kind: 'caller', caller: { kind: 'account', account: state.account }, ntlm: 'connection' };
    }
    const caller = this.authenticate(header);
    return caller === null ? { kind: 'denied', ntlm: null } : { kind: 'caller', caller, ntlm: null };
  }

  private ntlmStep(message: Buffer, connection: object): AuthOutcome {
    const type = messageType(message);
    if (type === 1) {
      // A Negotiate on a logged-on connection starts over, as on IIS.
      const unicode = message.length >= 16 && (message.readUInt32LE(12) & FLAG_UNICODE) !== 0;
      const challenge = randomBytes(8);
      this.connections.set(connection, { phase: 'challenged', challenge, unicode });
      return { kind: 'challenge', header: `NTLM ${challengeMessage(challenge, unicode, this.ntlm?.domain ?? 'CONTOSO', this.ntlm?.server ?? 'EXCH01').toString('base64')}` };
    }
    const state = this.connections.get(connection);
    this.connections.delete(connection);
    if (type !== 3 || state?.phase !== 'challenged') {
      return { kind: 'denied', ntlm: 'rejected' };
    }
    const account = this.verifyAuthenticate(message, state.challenge);
    if (account === null) {
      return { kind: 'denied', ntlm: 'rejected' };
    }
    this.connections.set(connection, { phase: 'loggedOn', account });
    return { kind: 'caller', caller: { kind: 'account', account }, ntlm: 'logon' };
  }

  /** Return the account whose NTLMv2 response proves its password for this challenge, or null. NTLMv1 is rejected, as with LmCompatibilityLevel 5. */
  private verifyAuthenticate(message: Buffer, challenge: Buffer): EwsAccount | null {
    if (message.length < 64) return null;
    const unicode = (message.readUInt32LE(60) & FLAG_UNICODE) !== 0;
    const ntResponse = securityBuffer(message, 20);
    const domainBytes = securityBuffer(message, 28);
    const userBytes = securityBuffer(message, 36);
    if (ntResponse === null || domainBytes === null || userBytes === null || ntResponse.length < 16 + 28) return null;
    const encoding = unicode ? 'utf16le' : 'latin1';
    const domain = domainBytes.toString(encoding);
    const user = userBytes.toString(encoding);

    const account = this.accounts.find((candidate) => {
      const name = splitAccountName(candidate.username);
      return name.user.toLowerCase() === user.toLowerCase() && (name.domain === '' || name.domain.toLowerCase() === domain.toLowerCase());
    });
    if (account === undefined) return null;

    const ntHash = Buffer.from(md4.arrayBuffer(Buffer.from(account.password, 'utf16le')));
    const responseKey = hmacMd5(ntHash, Buffer.from(user.toUpperCase() + domain, 'utf16le'));
    const blob = ntResponse.subarray(16);
    const proof = hmacMd5(responseKey, Buffer.concat([challenge, blob]));
    return timingSafeEqual(proof, ntResponse.subarray(0, 16)) ? account : null;
  }

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

const SIGNATURE = Buffer.from('NTLMSSP\0', 'latin1');
const FLAG_UNICODE = 0x1;
const FLAG_OEM = 0x2;
const FLAG_REQUEST_TARGET = 0x4;
const FLAG_NTLM = 0x200;
const FLAG_ALWAYS_SIGN = 0x8000;
const FLAG_TARGET_TYPE_DOMAIN = 0x10000;
const FLAG_EXTENDED_SESSION_SECURITY = 0x80000;
const FLAG_TARGET_INFO = 0x800000;

function messageType(message: Buffer): number | null {
  if (message.length < 12 || !message.subarray(0, 8).equals(SIGNATURE)) return null;
  return message.readUInt32LE(8);
}

/** Read the security buffer (length, allocated length, offset) at `at`; null when it points outside the message. */
function securityBuffer(message: Buffer, at: number): Buffer | null {
  const length = message.readUInt16LE(at);
  const offset = message.readUInt32LE(at + 4);
  return offset + length > message.length ? null : message.subarray(offset, offset + length);
}

function hmacMd5(key: Buffer, data: Buffer): Buffer {
  return createHmac('md5', key).update(data).digest();
}

/** `DOMAIN\user` → both parts; `user@domain` and `user` have no NetBIOS domain, and match a logon from any domain. */
function splitAccountName(username: string): { user: string; domain: string } {
  const slash = username.indexOf('\\');
  return slash === -1 ? { user: username, domain: '' } : { user: username.slice(slash + 1), domain: username.slice(0, slash) };
}

/**
 * Build the type 2 (Challenge) message: extended session security and target information, so that the client
 * answers with NTLMv2, strings in the encoding the client asked for, and the target information always in UTF-16.
 */
function challengeMessage(challenge: Buffer, unicode: boolean, domain: string, server: string): Buffer {
  const targetName = Buffer.from(domain.toUpperCase(), unicode ? 'utf16le' : 'latin1');
  const pair = (id: number, value: string): Buffer => {
    const data = Buffer.from(value, 'utf16le');
    const head = Buffer.alloc(4);
    head.writeUInt16LE(id, 0);
    head.writeUInt16LE(data.length, 2);
    return Buffer.concat([head, data]);
  };
  // MsvAvNbDomainName (2), MsvAvNbComputerName (1), then MsvAvEOL.
  const targetInfo = Buffer.concat([pair(2, domain.toUpperCase()), pair(1, server.toUpperCase()), Buffer.alloc(4)]);
  const flags =
    (unicode ? FLAG_UNICODE : FLAG_OEM) | FLAG_REQUEST_TARGET | FLAG_NTLM | FLAG_ALWAYS_SIGN | FLAG_TARGET_TYPE_DOMAIN | FLAG_EXTENDED_SESSION_SECURITY | FLAG_TARGET_INFO;

  const header = Buffer.alloc(48);
  SIGNATURE.copy(header, 0);
  header.writeUInt32LE(2, 8);
  header.writeUInt16LE(targetName.length, 12);
  header.writeUInt16LE(targetName.length, 14);
  header.writeUInt32LE(48, 16);
  header.writeUInt32LE(flags, 20);
  challenge.copy(header, 24);
  header.writeUInt16LE(targetInfo.length, 40);
  header.writeUInt16LE(targetInfo.length, 42);
  header.writeUInt32LE(48 + targetName.length, 44);
  return Buffer.concat([header, targetName, targetInfo]);
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
