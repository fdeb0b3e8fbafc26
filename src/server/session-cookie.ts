import type { CookieSerializeOptions } from '@fastify/cookie';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { ServerSetting } from '../config/resolved-config.ts';

/**
 * The sign-in cookie: HttpOnly (page scripts cannot read it), SameSite=Lax (other sites' requests carry it only
 * on top-level navigations), Path=/, and Secure with the `__Host-` prefix whenever the server is reached over
 * HTTPS. Secure is off only when the server's address is plain HTTP on a loopback host, where the cookie
 * never crosses a network: browsers drop Secure cookies on such an address, and local sign-in would not work otherwise.
 */
export interface CookiePolicy {
  readonly secure: boolean;
  readonly sessionCookie: string;
  /** Holds an OIDC sign-in in progress: state, nonce and PKCE verifier, for ten minutes. */
  readonly oidcCookie: string;
}

const LOOPBACK_HOSTS = new Set(['127.0.0.1', 'localhost', '[::1]', '::1']);

/** Decide the policy from the address browsers use: `server.publicUrl`, else the address the server listens on. */
export function cookiePolicyFor(server: ServerSetting | undefined): CookiePolicy {
  const base = server?.publicUrl ?? `http://${server?.host ?? '127.0.0.1'}`;
  const url = new URL(base);
  const secure = !(url.protocol === 'http:' && LOOPBACK_HOSTS.has(url.hostname.toLowerCase()));
  // The __Host- prefix makes browsers refuse the cookie unless it is Secure, for Path=/ and without Domain, so a
  // sibling subdomain cannot plant a session cookie of its own.
  return secure
    ? { secure, sessionCookie: '__Host-syncline_session', oidcCookie: '__Host-syncline_oidc' }
    : { secure, sessionCookie: 'syncline_session', oidcCookie: 'syncline_oidc' };
}

function cookieOptions(policy: CookiePolicy, maxAgeSeconds: number): CookieSerializeOptions {
  return { httpOnly: true, sameSite: 'lax', path: '/', secure: policy.secure, maxAge: maxAgeSeconds };
}

export function setCookie(reply: FastifyReply, policy: CookiePolicy, name: string, value: string, maxAgeSeconds: number): void {
  void reply.setCookie(name, value, cookieOptions(policy, maxAgeSeconds));
}

export function clearCookie(reply: FastifyReply, policy: CookiePolicy, name: string): void {
  void reply.clearCookie(name, cookieOptions(policy, 0));
}

export function readCookie(request: FastifyRequest, name: string): string | null {
  const value = request.cookies[name];
  return value === undefined || value === '' ? null : value;
}
