import type { SyncStateStore } from '../../src/domain/sync-store.ts';

/** The store methods a test can make crash. */
export type CrashPoint = 'commitSession' | 'recordIntents' | 'recordPlannedBases';

/**
 * Wrap a store so that, from call `crashAt` of `method` on, each call throws before it reaches the store, as if the
 * process died there. Writes the session sent to both sides before that call stay, and nothing of the call is stored.
 */
export function crashingStore(crashAt: number, method: CrashPoint): (store: SyncStateStore) => SyncStateStore {
  let calls = 0;
  return (store) =>
    new Proxy(store, {
      get(target, property) {
        const value: unknown = Reflect.get(target, property, target);
        if (typeof value !== 'function') {
          return value;
        }
        return async (...args: unknown[]) => {
          if (property === method) {
            calls += 1;
            if (calls >= crashAt) {
              throw new Error(`simulated crash at ${method}`);
            }
          }
          return value.apply(target, args);
        };
      },
    });
}
