// Playwright fixtures: a fresh app per test (real engines in an engine host, a new empty data dir, the
// worker's browser shell on port 0) and a page opened on its tokenised URL. `startShell` starts extra
// shells of a test's own (two instances, restarts).
import { test as base, expect, type Page } from '@playwright/test';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startBrowserShell, type BrowserShell } from '../../src/server/browser-shell';

export interface ShellHandle {
  shell: BrowserShell;
  dataDir: string;
}

// WIRELAB_OUT_DIR lets parallel builds (`electron-vite build --outDir DIR`) each test their own output.
export const RENDERER_DIR = join(
  import.meta.dirname,
  '..',
  '..',
  process.env.WIRELAB_OUT_DIR ?? 'out',
  'renderer',
);

export interface StartShellOptions {
  /**
   * Keep a warm spare engine host (the product's default). Off unless a test kills the engine host: the
   * spare is a second host process loading all the engines' code a second after every start, which
   * nothing uses in a test that never kills a host.
   */
  warmSpare?: boolean;
}

export async function startShell(dataDir?: string, opts: StartShellOptions = {}): Promise<ShellHandle> {
  const dir = dataDir ?? mkdtempSync(join(tmpdir(), 'wirelab-e2e-'));
  // Discovery off: no mDNS packet may leave through this machine's outside interface. Specs that test
  // discovery run shells inside a network namespace they create.
  const shell = await startBrowserShell({
    port: 0,
    dataDir: dir,
    rendererDir: RENDERER_DIR,
    version: 'e2e',
    chatDiscovery: false,
    // A restart on the same data dir takes the same port (and token), as `wirelab serve` does.
    reusePort: true,
    hostSupervision: { warmSpare: opts.warmSpare ?? false },
  });
  return { shell, dataDir: dir };
}

/**
 * The worker's shell, reused by its tests (see the `shell` fixture), and the fresh data dir its engines
 * run on, waiting for the next test. `current` is undefined once a test closed the shell.
 */
interface SharedShell {
  current: BrowserShell | undefined;
  dataDir: string | undefined;
}

async function closeQuietly(shell: BrowserShell | undefined): Promise<void> {
  await shell?.close().catch(() => undefined);
}

const freshDir = () => mkdtempSync(join(tmpdir(), 'wirelab-e2e-'));

export const test = base.extend<
  { warmSpare: boolean; shell: ShellHandle; app: Page },
  { sharedShell: SharedShell }
>({
  // `test.use({ warmSpare: true })` in specs that kill the engine host (see StartShellOptions).
  warmSpare: [false, { option: true }],
  sharedShell: [
    async ({}, use) => {
      const shared: SharedShell = { current: undefined, dataDir: undefined };
      await use(shared);
      await closeQuietly(shared.current);
      if (shared.dataDir) rmSync(shared.dataDir, { recursive: true, force: true });
    },
    { scope: 'worker' },
  ],
  // Each test gets a fresh app: engines started on a new, empty data dir. The worker keeps one shell
  // and its engine host for that, reopened on a new data dir after each test, instead of starting a
  // shell and a host process per test (about 0.7 s of CPU each, some 50 s over a run). The test's
  // pages are closed or sent to about:blank first, so none of them reconnects and writes into the next
  // test's data dir. A test that closes the shell, or kills or breaks its host, leaves the next test a
  // new one. Specs with a warm spare get a shell of their own.
  shell: async ({ warmSpare, sharedShell, page }, use) => {
    if (warmSpare) {
      const h = await startShell(undefined, { warmSpare });
      await use(h);
      await closeQuietly(h.shell);
      rmSync(h.dataDir, { recursive: true, force: true });
      return;
    }
    if (!sharedShell.current || !sharedShell.dataDir) {
      if (sharedShell.dataDir) rmSync(sharedShell.dataDir, { recursive: true, force: true });
      const h = await startShell();
      sharedShell.current = h.shell;
      sharedShell.dataDir = h.dataDir;
    }
    const own = sharedShell.current;
    const dataDir = sharedShell.dataDir;
    let closedByTest = false;
    // The test may close its shell (to start another on the same data dir): it is not reused then.
    await use({
      shell: {
        ...own,
        close: () => {
          closedByTest = true;
          return own.close();
        },
      },
      dataDir,
    });
    for (const p of page.context().pages()) {
      if (p === page) await p.goto('about:blank').catch(() => undefined);
      else await p.close().catch(() => undefined);
    }
    let next: string | undefined;
    if (!closedByTest) {
      const dir = freshDir();
      // Also frees what the test left running (servers, ports, the data dir's lock) before the next.
      next = await own.reopen(dir).then(
        () => dir,
        () => {
          rmSync(dir, { recursive: true, force: true });
          return undefined;
        },
      );
    }
    if (!next) {
      await closeQuietly(own);
      sharedShell.current = undefined;
    }
    sharedShell.dataDir = next;
    rmSync(dataDir, { recursive: true, force: true });
  },
  app: async ({ page, shell }, use) => {
    await page.goto(shell.shell.url);
    await expect(page.getByTestId('shell-info')).toContainText('browser shell');
    await use(page);
  },
});

export { expect };
