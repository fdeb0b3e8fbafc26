import { describe, expect, it } from 'vitest';
import { Semaphore } from './semaphore.ts';

describe('Semaphore', () => {
  it('runs at most the limit at once and finishes every task', async () => {
    const semaphore = new Semaphore(3);
    let running = 0;
    let peak = 0;
    const task = async (value: number) => {
      running += 1;
      peak = Math.max(peak, running);
      await new Promise((resolve) => setTimeout(resolve, 2));
      running -= 1;
      return value;
    };

    const results = await Promise.all(Array.from({ length: 10 }, (_, index) => semaphore.run(() => task(index))));

    expect(peak).toBe(3);
    expect(results).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  });

  it('releases its permit when a task throws', async () => {
    const semaphore = new Semaphore(1);

    await expect(semaphore.run(() => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    await expect(semaphore.run(() => Promise.resolve('next'))).resolves.toBe('next');
  });

  it('rejects a limit below one', () => {
    expect(() => new Semaphore(0)).toThrow('Semaphore limit 0 is invalid');
  });
});
