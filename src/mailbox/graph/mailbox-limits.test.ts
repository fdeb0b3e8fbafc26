import { describe, expect, it } from 'vitest';
import { MailboxLimits, sharedMailboxLimits } from './mailbox-limits.ts';

const settings = { maxConcurrency: 2, maxRequests: 100, windowMs: 60_000 };
const key = (userId: string) => ({ graphBaseUrl: 'https://graph.example.test/v1.0', tokenUrl: 'https://login.example.test/t/oauth2/v2.0/token', clientId: 'app', userId });

describe('MailboxLimits', () => {
  it('holds every request while paused', async () => {
    let clock = 0;
    const limits = new MailboxLimits(settings, () => clock);
    const waits: number[] = [];
    const sleep = async (ms: number) => {
      waits.push(ms);
      clock += ms;
    };

    limits.pause(1_500);
    await limits.run({ cost: 1, sleep }, async () => undefined);
    await limits.run({ cost: 1, sleep }, async () => undefined);

    expect(waits).toEqual([1_500]);
  });

  it('keeps the longer of two pauses', () => {
    let clock = 0;
    const limits = new MailboxLimits(settings, () => clock);

    const first = limits.pause(5_000);
    const shorter = limits.pause(1_000);
    clock = 500;
    const longer = limits.pause(6_000);

    expect(first).toBe(1);
    expect(shorter).toBeNull();
    expect(longer).toBe(2);
  });

  it('lifting an older pause keeps a newer one', async () => {
    const limits = new MailboxLimits(settings, () => 0);
    const waits: number[] = [];
    const sleep = async (ms: number) => void waits.push(ms);

    const older = limits.pause(1_000);
    limits.pause(3_000);
    limits.liftPause(older ?? 0);
    await limits.run({ cost: 1, sleep }, async () => undefined);

    expect(waits).toEqual([3_000]);
  });

  it('limits requests in flight', async () => {
    const limits = new MailboxLimits(settings);
    let running = 0;
    let peak = 0;
    const task = async () => {
      running += 1;
      peak = Math.max(peak, running);
      await new Promise((resolve) => setTimeout(resolve, 5));
      running -= 1;
    };

    await Promise.all(Array.from({ length: 10 }, () => limits.run({ cost: 1, sleep: async () => undefined }, task)));

    expect(peak).toBe(2);
  });

  it('waits for room in the window', async () => {
    const limits = new MailboxLimits({ maxConcurrency: 4, maxRequests: 5, windowMs: 200 });
    const started = Date.now();

    for (let index = 0; index < 12; index += 1) {
      await limits.run({ cost: 1, sleep: async () => undefined }, async () => undefined);
    }

    // 12 requests at 5 per 200 ms need two full windows of waiting.
    expect(Date.now() - started).toBeGreaterThanOrEqual(390);
    expect(limits.windowWaitMs).toBeGreaterThan(0);
  });
});

describe('sharedMailboxLimits', () => {
  it('returns one object per app and mailbox', () => {
    const a = sharedMailboxLimits(key('Ada@Example.com'), settings);
    const b = sharedMailboxLimits(key('ada@example.com'), settings);
    const other = sharedMailboxLimits(key('grace@example.com'), settings);

    expect(b).toBe(a);
    expect(other).not.toBe(a);
  });

  it('rejects other settings for one mailbox', () => {
    sharedMailboxLimits(key('lin@example.com'), settings);

    expect(() => sharedMailboxLimits(key('lin@example.com'), { ...settings, maxConcurrency: 3 })).toThrow('Give every source of one mailbox the same maxConcurrency and requestWindow');
  });
});
