import { defineConfig } from '@playwright/test';
import { CHROMIUM_ARGS, CHROMIUM_PATH } from './tests/e2e/chromium-args';

// E2E against the browser shell with real engines, in Debian's Chromium (Playwright's own browser
// download is not available here). Each test gets engines started on a fresh data dir, in its worker's
// shell and engine host (tests/e2e/fixtures.ts), so tests never share state.
// No mDNS from e2e runs unless a spec explicitly turns discovery on inside a namespace it created.
process.env.WIRELAB_NO_DISCOVERY ??= '1';

// Traces cost CPU in every test, passed or failed: recording the screencast made Chromium encode frames
// throughout (tcp.spec.ts: 53 s of CPU with a full trace, 40 s with DOM snapshots only, 36 s without),
// so a run records none; a failed test keeps its screenshot. To chase a failure, run with
// WIRELAB_E2E_TRACE=snapshots (the DOM before and after each step of a failed test) or =full (and the
// screencast); `npx playwright show-trace` opens the trace.zip in the test's output folder.
const TRACE_MODES = {
  off: { mode: 'off' },
  snapshots: { mode: 'retain-on-failure', snapshots: true, screenshots: false, sources: true },
  full: { mode: 'retain-on-failure', snapshots: true, screenshots: true, sources: true },
} as const;
const TRACE =
  TRACE_MODES[(process.env.WIRELAB_E2E_TRACE ?? 'off') as keyof typeof TRACE_MODES] ?? TRACE_MODES.off;

export default defineConfig({
  testDir: 'tests/e2e',
  // Playwright empties its output folder when it starts; `npm test` runs Vitest beside it and keeps its
  // reports and step logs in test-results/, so the e2e artifacts (traces, screenshots) get a folder of
  // their own.
  outputDir: 'test-results/e2e',
  // Hang detectors, not speed checks: `npm test` runs the e2e tests beside Vitest and the typecheck, and
  // on a busy two-core machine one test takes 15–30 s and one page update can take several seconds.
  timeout: 120_000,
  expect: { timeout: 20_000 },
  fullyParallel: false,
  // Three on two cores: an e2e test spends most of its time waiting (the page's timers, engines'
  // intervals, reconnects); with two workers the run's CPU time was well under half of its wall time on
  // two cores.
  workers: 3,
  retries: 0,
  reporter: [['list'], ['json', { outputFile: 'test-results/e2e.json' }]],
  use: {
    trace: TRACE,
    screenshot: 'only-on-failure',
  },
  projects: [
    {
      name: 'chromium',
      testIgnore: /electron\.spec\.ts/,
      use: {
        browserName: 'chromium',
        // One browser context per worker, reset by Playwright between tests (pages closed, storage
        // cleared, viewport and media emulation reset, the page sent to about:blank): a fresh context
        // per test cost about 0.4 s of CPU in Chromium, some 30 s over a run. The app keeps nothing in
        // the page but the shell's token (sessionStorage); its state is in the data dir, new per test.
        reuseContext: true,
        launchOptions: {
          executablePath: CHROMIUM_PATH,
          args: [...CHROMIUM_ARGS],
        },
      },
    },
    { name: 'electron', testMatch: /electron\.spec\.ts/ },
  ],
});
