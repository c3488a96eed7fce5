import { defineConfig } from 'vitest/config';

// Two projects: unit (pure functions, schemas, encoders) and integration (engines over real sockets on
// 127.0.0.1 port 0). e2e lives in Playwright (tests/e2e).
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: ['tests/unit/**/*.test.ts'],
          environment: 'node',
          // A hang detector, not a speed check: `npm test` runs Vitest beside the e2e run, and a unit test that
          // starts ESLint or a worker takes seconds, not milliseconds, when both cores are busy.
          testTimeout: 30_000,
          hookTimeout: 30_000,
          sequence: { groupOrder: 0 },
        },
      },
      {
        test: {
          name: 'integration',
          include: ['tests/integration/**/*.test.ts'],
          environment: 'node',
          // A hang detector, not a speed check (speed lives in bench/): on a busy 2-core machine a socket test
          // that takes 3 s alone can take 30 s, and a timeout there is noise, not a finding.
          testTimeout: 60_000,
          hookTimeout: 60_000,
          // Socket tests on 2 cores: a few files at a time keeps timing-sensitive ones honest.
          maxWorkers: 2,
          sequence: { groupOrder: 1 },
        },
      },
    ],
  },
});
