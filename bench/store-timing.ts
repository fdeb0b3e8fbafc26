/** Store time of a benchmark: milliseconds spent in the store's methods, and the sessions recorded. */
export interface StoreTiming {
  /** Milliseconds inside store calls, summed over concurrent calls. */
  ms: number;
  /** Calls of `recordSession`: one per finished session. */
  sessions: number;
  /** Milliseconds per method, kept only when BENCH_STORE_DETAIL=1. */
  readonly detail: Map<string, number>;
  /** Start counting again from zero. */
  reset(): void;
}

/**
 * Wrap every method of an open store so the time spent in it adds up; `recordSession` also counts sessions. The
 * engine and the scheduler call the store through this object, so they go through the wrappers from now on.
 */
export function timeStore(store: object): StoreTiming {
  const target = store as Record<string, unknown>;
  const timing: StoreTiming = {
    ms: 0,
    sessions: 0,
    detail: new Map(),
    reset() {
      timing.ms = 0;
      timing.sessions = 0;
      timing.detail.clear();
    },
  };
  const prototype = Object.getPrototypeOf(store) as Record<string, unknown>;
  for (const name of Object.getOwnPropertyNames(prototype)) {
    const method = prototype[name];
    if (name === 'constructor' || typeof method !== 'function') continue;
    target[name] = async (...args: unknown[]) => {
      const started = performance.now();
      try {
        return await (method as (...inner: unknown[]) => Promise<unknown>).apply(store, args);
      } finally {
        const elapsed = performance.now() - started;
        timing.ms += elapsed;
        if (process.env.BENCH_STORE_DETAIL === '1') {
          timing.detail.set(name, (timing.detail.get(name) ?? 0) + elapsed);
        }
        if (name === 'recordSession') timing.sessions += 1;
      }
    };
  }
  return timing;
}
