import { randomBytes } from 'node:crypto';

/**
 * The `state` parameter of an OAuth sign-in started on this server: a random, single-use value that binds the
 * provider's callback to the mailbox whose sign-in page was opened. A callback whose state this server did not hand
 * out, or handed out over 10 minutes ago, is rejected, so a stranger's grant cannot be attached to another mailbox.
 */

/** How long a started sign-in waits for its callback; Google and Entra ID codes live about as long. */
export const SIGN_IN_LIFETIME_MS = 10 * 60_000;
/** Started sign-ins kept per mailbox; a newer start drops the mailbox's oldest, never another mailbox's. */
export const MAX_PENDING_PER_MAILBOX = 5;
/** Started sign-ins kept in all, so a flood over many mailbox ids cannot grow memory without bound. */
export const MAX_PENDING = 1_000;

export interface PendingSignIns<T extends { readonly mailboxId: string }> {
  /** Remember a started sign-in and return its state parameter. */
  begin(entry: T): string;
  /** The sign-in of a callback's state, once; null when the state is unknown, used or expired. */
  take(state: string | undefined): T | null;
}

interface Started<T> {
  readonly state: string;
  readonly entry: T;
  readonly expiresAt: number;
}

/**
 * Create the store of started sign-ins, kept by mailbox, oldest first. Starts for one mailbox evict only that
 * mailbox's oldest states. The global cap evicts the oldest state of a mailbox with the most pending states, so
 * opening one mailbox's page many times cannot push out the pending sign-in of another mailbox.
 */
export function createPendingSignIns<T extends { readonly mailboxId: string }>(now: () => number = Date.now): PendingSignIns<T> {
  const byState = new Map<string, Started<T>>();
  const byMailbox = new Map<string, Started<T>[]>();
  const forget = (started: Started<T>) => {
    byState.delete(started.state);
    const list = byMailbox.get(started.entry.mailboxId);
    const index = list?.indexOf(started) ?? -1;
    if (list !== undefined && index >= 0) {
      list.splice(index, 1);
      if (list.length === 0) {
        byMailbox.delete(started.entry.mailboxId);
      }
    }
  };
  const busiest = (): Started<T>[] | undefined => {
    let most: Started<T>[] | undefined;
    for (const list of byMailbox.values()) {
      if (most === undefined || list.length > most.length) {
        most = list;
      }
    }
    return most;
  };
  return {
    begin(entry) {
      for (const started of [...byState.values()]) {
        if (started.expiresAt <= now()) {
          forget(started);
        }
      }
      const own = byMailbox.get(entry.mailboxId) ?? [];
      while (own.length >= MAX_PENDING_PER_MAILBOX && own[0] !== undefined) {
        forget(own[0]);
      }
      while (byState.size >= MAX_PENDING) {
        const oldest = busiest()?.[0];
        if (oldest === undefined) {
          break;
        }
        forget(oldest);
      }
      const started: Started<T> = { state: randomBytes(32).toString('base64url'), entry, expiresAt: now() + SIGN_IN_LIFETIME_MS };
      byState.set(started.state, started);
      byMailbox.set(entry.mailboxId, [...(byMailbox.get(entry.mailboxId) ?? []), started]);
      return started.state;
    },
    take(state) {
      if (state === undefined) {
        return null;
      }
      const started = byState.get(state);
      if (started === undefined) {
        return null;
      }
      forget(started);
      return started.expiresAt <= now() ? null : started.entry;
    },
  };
}

/** Outcome of a callback: the mailbox signed in, or the status and plain-text reason of the error page. */
export type SignInOutcome =
  | { readonly ok: true; readonly mailboxId: string }
  | { readonly ok: false; readonly status: number; readonly message: string };

export const UNKNOWN_STATE_MESSAGE = 'This sign-in link is unknown or expired (sign-ins wait 10 minutes). Start the sign-in again.';
