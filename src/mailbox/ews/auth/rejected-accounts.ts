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

/** A rejection of one account's password, for the message of the mailboxes that were not let try it. */
export interface AccountRejection {
  readonly at: number;
  readonly mailboxAddress: string;
  readonly code: string;
}

export class RejectedAccounts {
  private readonly rejections = new Map<string, AccountRejection>();

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
    this.rejections.set(key, rejection);
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
