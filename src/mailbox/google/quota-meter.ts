/**
 * Gmail quota units of one mailbox. Gmail charges every method a documented number of units and allows 15,000 per
 * user per minute; the meter counts what the connector spent and delays a request until the last minute's
 * spending leaves room for it, so a large first read paces itself instead of running into 429s.
 */

/** Units per Gmail method as Gmail's usage-limits page lists them. */
export const GMAIL_METHOD_UNITS = {
  getProfile: 1,
  'history.list': 2,
  'labels.list': 1,
  'labels.create': 5,
  'messages.list': 5,
  'messages.get': 5,
  'messages.attachments.get': 5,
  // NOTE: watch and stop are not on the part of the usage-limits page quoted above; 100 and 50 are the values
  // that page gives for them as remembered, not re-checked here.
  watch: 100,
  stop: 50,
} as const;
export type GmailMethod = keyof typeof GMAIL_METHOD_UNITS;

export const GMAIL_UNITS_PER_MINUTE = 15_000;
const WINDOW_MS = 60_000;

export class QuotaMeter {
  private spent: { at: number; units: number }[] = [];
  private total = 0;

  constructor(
    private readonly unitsPerMinute: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** Units spent since the meter was made. */
  get units(): number {
    return this.total;
  }

  /** Wait until `units` fit into the last minute's budget, then count them. */
  async charge(units: number, sleep: (ms: number) => Promise<void>): Promise<void> {
    for (;;) {
      const now = this.now();
      this.spent = this.spent.filter((entry) => entry.at > now - WINDOW_MS);
      const used = this.spent.reduce((sum, entry) => sum + entry.units, 0);
      const oldest = this.spent[0];
      if (used + units <= this.unitsPerMinute || oldest === undefined) {
        this.spent.push({ at: now, units });
        this.total += units;
        return;
      }
      await sleep(oldest.at + WINDOW_MS - now + 1);
    }
  }
}

const meters = new Map<string, QuotaMeter>();

/** Return the meter of a mailbox, shared by every Gmail source and watch of that mailbox in this process. */
export function gmailMeterFor(userEmail: string, unitsPerMinute: number = GMAIL_UNITS_PER_MINUTE): QuotaMeter {
  const key = `${userEmail.toLowerCase()}|${unitsPerMinute}`;
  let meter = meters.get(key);
  if (meter === undefined) {
    meter = new QuotaMeter(unitsPerMinute);
    meters.set(key, meter);
  }
  return meter;
}
