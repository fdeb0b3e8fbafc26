import type { FastifyRequest } from 'fastify';
import type { AccessTokens } from './access-tokens.ts';
import type { FaultState, GoogleApi } from './faults.ts';
import { GoogleApiError } from './google-error.ts';
import type { PushDelivery } from './push-delivery.ts';
import type { EmulatorState, UserState } from './state.ts';

/** Scopes that allow reading (first list) and writing (second list) each API, as Google documents them per method. */
const SCOPES: Readonly<Record<GoogleApi, { read: readonly string[]; write: readonly string[] }>> = {
  calendar: {
    read: ['https://www.googleapis.com/auth/calendar', 'https://www.googleapis.com/auth/calendar.events', 'https://www.googleapis.com/auth/calendar.readonly', 'https://www.googleapis.com/auth/calendar.events.readonly'],
    write: ['https://www.googleapis.com/auth/calendar', 'https://www.googleapis.com/auth/calendar.events'],
  },
  gmail: {
    read: ['https://mail.google.com/', 'https://www.googleapis.com/auth/gmail.modify', 'https://www.googleapis.com/auth/gmail.readonly'],
    write: ['https://mail.google.com/', 'https://www.googleapis.com/auth/gmail.modify', 'https://www.googleapis.com/auth/gmail.labels'],
  },
  people: {
    read: ['https://www.googleapis.com/auth/contacts', 'https://www.googleapis.com/auth/contacts.readonly'],
    write: ['https://www.googleapis.com/auth/contacts'],
  },
  tasks: {
    read: ['https://www.googleapis.com/auth/tasks', 'https://www.googleapis.com/auth/tasks.readonly'],
    write: ['https://www.googleapis.com/auth/tasks'],
  },
};

/** Gmail's documented quota units per method; the per-user limit is 15,000 units per minute. */
export const GMAIL_QUOTA_UNITS: Readonly<Record<string, number>> = {
  'history.list': 2,
  'labels.list': 1,
  'labels.create': 5,
  'messages.list': 5,
  'messages.get': 5,
  'messages.attachments.get': 5,
  'messages.modify': 5,
  'messages.insert': 25,
  getProfile: 1,
  watch: 100,
  stop: 50,
};

export interface EmulatorServices {
  readonly state: EmulatorState;
  readonly tokens: AccessTokens;
  readonly faults: FaultState;
  readonly stats: RequestStats;
  readonly push: PushDelivery;
  readonly gmailQuota: QuotaWindow;
  /** Call after every change of the state, so it is saved. */
  readonly onChange: () => void;
}

export interface RequestStats {
  /** Requests served per API method label, e.g. `calendar events.list`; batch parts count one each. */
  readonly byMethod: Record<string, number>;
  /** Calendar writes that asked Google to email the guests (`sendUpdates` other than `none`). */
  guestNotifications: number;
  gmailQuotaUnits: number;
  batches: number;
}

export function newStats(): RequestStats {
  return { byMethod: {}, guestNotifications: 0, gmailQuotaUnits: 0, batches: 0 };
}

/** Gmail's per-user quota units in a sliding window of one minute. */
export class QuotaWindow {
  private readonly spent = new Map<string, { at: number; units: number }[]>();

  constructor(private readonly unitsPerMinute: number) {}

  charge(email: string, units: number): void {
    const now = Date.now();
    const recent = (this.spent.get(email) ?? []).filter((entry) => entry.at > now - 60_000);
    const used = recent.reduce((sum, entry) => sum + entry.units, 0);
    if (used + units > this.unitsPerMinute) {
      this.spent.set(email, recent);
      throw new GoogleApiError(429, 'userRateLimitExceeded', 'User-rate limit exceeded. Retry after a short wait.', { domain: 'usageLimits', retryAfterSeconds: 1 });
    }
    recent.push({ at: now, units });
    this.spent.set(email, recent);
  }
}

export interface Authorized {
  readonly user: UserState;
  readonly scopes: readonly string[];
}

/**
 * Check the bearer token, its scopes for this API, the injected faults and Gmail's quota, and count the request.
 * `userId` is the path's user (`me` or an address), which must be the token's own user.
 */
export function authorize(
  services: EmulatorServices,
  request: FastifyRequest,
  call: { readonly api: GoogleApi; readonly method: string; readonly write: boolean; readonly userId?: string },
): Authorized {
  const token = /^Bearer\s+(.+)$/i.exec(request.headers.authorization ?? '')?.[1]?.trim() ?? '';
  const grant = token === '' ? null : services.tokens.find(token);
  const user = grant ? services.state.users[grant.email] : undefined;
  if (!grant || !user) {
    throw new GoogleApiError(401, 'authError', 'Request had invalid authentication credentials. Expected OAuth 2 access token, login cookie or other valid authentication credential.', { status: 'UNAUTHENTICATED' });
  }

  const allowed = call.write ? SCOPES[call.api].write : SCOPES[call.api].read;
  if (!grant.scopes.some((scope) => allowed.includes(scope))) {
    throw new GoogleApiError(403, 'insufficientPermissions', 'Request had insufficient authentication scopes.', { status: 'PERMISSION_DENIED' });
  }
  if (call.userId !== undefined && call.userId !== 'me' && call.userId.toLowerCase() !== user.email) {
    throw new GoogleApiError(403, 'forbidden', `Delegation denied for ${user.email}`);
  }

  services.faults.check(call.api);
  const label = `${call.api} ${call.method}`;
  services.stats.byMethod[label] = (services.stats.byMethod[label] ?? 0) + 1;
  if (call.api === 'gmail') {
    const units = GMAIL_QUOTA_UNITS[call.method] ?? 5;
    services.gmailQuota.charge(user.email, units);
    services.stats.gmailQuotaUnits += units;
  }
  return { user, scopes: grant.scopes };
}
