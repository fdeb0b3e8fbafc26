import { describe, expect, it } from 'vitest';
import { RequestWindow } from './request-window.ts';

describe('RequestWindow', () => {
  it('takes requests until the window is full', () => {
    const window = new RequestWindow({ maxRequests: 3, windowMs: 60_000 }, () => 1_000_000);

    const waits = [1, 1, 1, 1].map((cost) => window.tryTake(cost));

    expect(waits.slice(0, 3)).toEqual([0, 0, 0]);
    expect(waits[3]).toBeGreaterThan(0);
    expect(window.used).toBe(3);
  });

  it('names the wait until the oldest leave', () => {
    let clock = 0;
    const window = new RequestWindow({ maxRequests: 2, windowMs: 60_000 }, () => clock);
    window.tryTake(1);
    clock = 30_000;
    window.tryTake(1);

    const wait = window.tryTake(1);

    // The oldest request leaves with its bucket, a sixtieth of the window after the window itself.
    expect(wait).toBe(60_000 + 1_000 - 30_000);
    clock += wait;
    expect(window.tryTake(1)).toBe(0);
    expect(window.used).toBe(2);
  });

  it('counts a batch by its requests', () => {
    const window = new RequestWindow({ maxRequests: 25, windowMs: 1_000 }, () => 5_000);

    expect(window.tryTake(20)).toBe(0);
    expect(window.tryTake(20)).toBeGreaterThan(0);
    expect(window.tryTake(5)).toBe(0);
    expect(window.used).toBe(25);
  });

  it('caps a cost above the whole window', () => {
    const window = new RequestWindow({ maxRequests: 10, windowMs: 1_000 }, () => 0);

    expect(window.tryTake(50)).toBe(0);
    expect(window.used).toBe(10);
  });

  it('keeps memory fixed over many requests', () => {
    let clock = 0;
    const window = new RequestWindow({ maxRequests: 1_000_000, windowMs: 600_000 }, () => clock);
    for (let index = 0; index < 100_000; index += 1) {
      clock += 100;
      window.tryTake(1);
    }

    expect((window as unknown as { starts: number[] }).starts.length).toBeLessThanOrEqual(62);
    // 6,000 requests fall in the last 10 minutes; at most one bucket more is still counted.
    expect(window.used).toBeGreaterThanOrEqual(6_000);
    expect(window.used).toBeLessThanOrEqual(6_100);
  });

  it('rejects settings it cannot honour', () => {
    expect(() => new RequestWindow({ maxRequests: 0, windowMs: 1_000 })).toThrow('maxRequests 0 is invalid');
    expect(() => new RequestWindow({ maxRequests: 1, windowMs: 0 })).toThrow('windowMs 0 is invalid');
  });
});
