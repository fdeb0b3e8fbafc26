import { randomBytes } from 'node:crypto';

/**
 * The `state` parameter of an OAuth sign-in started on this server: a random, single-use value that binds the
 * provider's callback to the mailbox whose sign-in page was opened. A callback whose state this server did not hand
 * out, or handed out over 10 minutes ago, is rejected, so a stranger's grant cannot be attached to another mailbox.
 */

/** How long a started sign-in waits for its callback; Google and Entra ID codes live about as long. */
export const SIGN_IN_LIFETIME_MS = 10 * 60_000;
/** Started sign-ins kept at most, so a flood of started sign-ins cannot grow memory without bound. */
const MAX_PENDING = 1_000;

export interface PendingSignIns<T> {
  /** Remember a started sign-in and return its state parameter. */
  begin(entry: T): string;
  /** The sign-in of a callback's state, once; null when the state is unknown, used or expired. */
  take(state: string | undefined): T | null;
}

export function createPendingSignIns<T>(now: () => number = Date.now): PendingSignIns<T> {
  const pending = new Map<string, { readonly entry: T; readonly expiresAt: number }>();
  return {
    begin(entry) {
      for (const [state, started] of pending) {
        if (started.expiresAt <= now() || pending.size >= MAX_PENDING) {
          pending.delete(state);
        }
      }
      const state = randomBytes(32).toString('base64url');
      pending.set(state, { entry, expiresAt: now() + SIGN_IN_LIFETIME_MS });
      return state;
    },
    take(state) {
      if (state === undefined) {
        return null;
      }
      const started = pending.get(state);
      pending.delete(state);
      return started === undefined || started.expiresAt <= now() ? null : started.entry;
    },
  };
}

/** Outcome of a callback: the mailbox signed in, or the status and plain-text reason of the error page. */
export type SignInOutcome =
  | { readonly ok: true; readonly mailboxId: string }
  | { readonly ok: false; readonly status: number; readonly message: string };

export const UNKNOWN_STATE_MESSAGE = 'This sign-in link is unknown or expired (sign-ins wait 10 minutes). Start the sign-in again.';
