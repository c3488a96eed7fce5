import { defineConfig } from '@playwright/test';

// E2E against the browser shell with real engines, in Debian's Chromium (Playwright's own browser
// download is not available here). Each spec starts its own shell on port 0 with a fresh data dir
// (tests/e2e/fixtures.ts), so specs never share state.
// No mDNS from e2e runs unless a spec explicitly turns discovery on inside a namespace it created.
process.env.WIRELAB_NO_DISCOVERY ??= '1';

export default defineConfig({
  testDir: 'tests/e2e',
  timeout: 60_000,
  expect: { timeout: 10_000 },
  fullyParallel: false,
  workers: 2,
  retries: 0,
  reporter: [['list'], ['json', { outputFile: 'test-results/e2e.json' }]],
  use: {
    trace: 'retain-on-failure',
    screenshot: 'only-on-failure',
  },
  projects: [
    {
      name: 'chromium',
      testIgnore: /electron\.spec\.ts/,
      use: {
        browserName: 'chromium',
        launchOptions: {
          executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
          args: [
            '--headless',
            '--no-sandbox',
            '--disable-gpu',
            '--disable-quic',
            '--no-first-run',
            '--disable-background-networking',
            '--disable-component-update',
            '--disable-sync',
          ],
        },
      },
    },
    { name: 'electron', testMatch: /electron\.spec\.ts/ },
  ],
});
