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
          // One module graph per worker instead of one per file: importing the contract's schemas and the
          // engines again for each of ~70 files was three quarters of this project's CPU time (62 → 15 CPU
          // seconds on two cores). Unit tests keep no state between files: stores get a fresh Pinia and
          // fake API per test, fake timers are restored in afterEach, and the one mocked module
          // (`electron`, tests/unit/main/electron-main.test.ts) is imported by no other unit test.
          isolate: false,
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
          // It runs beside the whole e2e lane in `npm test`, so it gets about one core of two.
          testTimeout: 120_000,
          hookTimeout: 120_000,
          // Socket tests on 2 cores: a few files at a time keeps timing-sensitive ones honest.
          maxWorkers: 2,
          // One module graph per worker, as in the unit project: importing the engines, the contract and
          // undici again for each of ~80 files was about 80 of this project's 190 CPU seconds. Files
          // share no state: each starts its servers on port 0 and closes them in its own hooks; the
          // environment variables two files change (proxies, NO_PROXY) only keep requests to 127.0.0.1
          // off a proxy, and the one mocked-timer test restores real timers before it returns.
          isolate: false,
          sequence: { groupOrder: 1 },
        },
      },
    ],
  },
});
