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
          sequence: { groupOrder: 0 },
        },
      },
      {
        test: {
          name: 'integration',
          include: ['tests/integration/**/*.test.ts'],
          environment: 'node',
          testTimeout: 30_000,
          hookTimeout: 30_000,
          // Socket tests on 2 cores: a few files at a time keeps timing-sensitive ones honest.
          maxWorkers: 2,
          sequence: { groupOrder: 1 },
        },
      },
    ],
  },
});
