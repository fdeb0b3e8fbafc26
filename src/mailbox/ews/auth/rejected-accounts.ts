import { createHash } from 'node:crypto';
import type { EwsBasicAuth, EwsNtlmAuth } from '../ews-options.ts';

/**
 * Service accounts whose password Exchange rejected, kept by this process. One account usually serves every mailbox of
 * an org, and each failed logon counts toward the directory's lockout threshold: Active Directory locks an account
 * after a number of failures within an observation window that the domain policy sets. So once Exchange rejects a
 * password, the other mailboxes do not try the same password for a while, and a locked account gets no more failures.
 */

/** How long a rejected password is not tried again; an estimate, near common lockout observation windows. */
export const REJECTION_HOLD_MS = 15 * 60_000;

/** A rejection of one account's password, for the message of the mailboxes that were not allowed to try it. */
export interface AccountRejection {
  readonly at: number;
  readonly mailboxAddress: string;
  readonly code: string;
}

export class RejectedAccounts {
  private readonly rejections = new Map<string, AccountRejection>();
  /** Accounts whose password Exchange accepted in this process. */
  private readonly accepted = new Set<string>();
  /** The logon in flight of each account not accepted yet: the others wait for its outcome. */
  private readonly probes = new Map<string, Promise<void>>();

  constructor(private readonly holdMs = REJECTION_HOLD_MS) {}

  /** Return the account's rejection while it is in force at `now`, else null. */
  find(key: string, now: number): AccountRejection | null {
    const rejection = this.rejections.get(key);
    if (rejection === undefined) {
      return null;
    }
    if (now - rejection.at >= this.holdMs) {
      this.rejections.delete(key);
      return null;
    }
    return rejection;
  }

  /** Return when a rejection recorded at `at` expires. */
  until(at: number): number {
    return at + this.holdMs;
  }

  record(key: string, rejection: AccountRejection): void {
    this.accepted.delete(key);
    this.rejections.set(key, rejection);
  }

  /**
   * Run `send` under the account's first logon rule. Until Exchange accepts the account's password once, its requests
   * go out one at a time, so that many mailboxes starting together try a wrong password once, not once each.
   * `accepted` returns from the outcome whether the logon passed; `check` runs after any wait and may throw the
   * rejection another request recorded meanwhile. `send` records a rejection itself, also once the password was
   * accepted before: a password can expire or change while the process runs, and `record` then ends the acceptance.
   */
  async firstLogon<T>(key: string, send: () => Promise<T>, accepted: (outcome: T) => boolean, check: () => void): Promise<T> {
    for (let probe = this.probes.get(key); probe !== undefined && !this.accepted.has(key); probe = this.probes.get(key)) {
      await probe;
    }
    check();
    if (this.accepted.has(key)) {
      return send();
    }
    let settle = (): void => undefined;
    this.probes.set(key, new Promise<void>((resolve) => {
      settle = resolve;
    }));
    try {
      const outcome = await send();
      if (accepted(outcome)) {
        this.accepted.add(key);
      }
      return outcome;
    } finally {
      this.probes.delete(key);
      settle();
    }
  }
}

/** The rejections every EWS client of this process shares. */
export const processRejectedAccounts = new RejectedAccounts();

/**
 * Return the key of an account at an Exchange server: a hash, so that the password stays out of memory dumps of the
 * map. A changed password is another key, so a fixed configuration is tried at once.
 */
export function accountKeyOf(ewsUrl: string, auth: EwsBasicAuth | EwsNtlmAuth): string {
  const domain = auth.kind === 'ntlm' ? (auth.domain ?? '') : '';
  return createHash('sha256').update(JSON.stringify([new URL(ewsUrl).origin, auth.kind, auth.username.toLowerCase(), domain.toLowerCase(), auth.password])).digest('hex');
}
