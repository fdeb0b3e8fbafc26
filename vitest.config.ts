import { defineConfig } from 'vitest/config';

const ALL_TESTS = ['tests/**/*.test.ts', 'src/**/*.test.ts', 'emulators/**/*.test.ts'];
// The multi-process worker test opens up to about 80 PostgreSQL connections; run on its own after the rest, it stays
// under PostgreSQL's default limit of 100 connections.
const ALONE = ['tests/distributed-workers.test.ts'];

export default defineConfig({
  test: {
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // Each file starts its own emulators on free ports; two forks keep a 2-core machine busy without starving it.
    pool: 'forks',
    poolOptions: { forks: { maxForks: 2, minForks: 1 } },
    projects: [
      { extends: true, test: { name: 'main', include: ALL_TESTS, exclude: ALONE, sequence: { groupOrder: 0 } } },
      { extends: true, test: { name: 'alone', include: ALONE, sequence: { groupOrder: 1 } } },
    ],
  },
});
