// Playwright fixtures: a browser shell per test (real engines, port 0, fresh data dir) and a page
// opened on its tokenised URL. `startShell` can also start extra shells (two instances, restarts).
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

export const test = base.extend<{ warmSpare: boolean; shell: ShellHandle; app: Page }>({
  // `test.use({ warmSpare: true })` in specs that kill the engine host (see StartShellOptions).
  warmSpare: [false, { option: true }],
  shell: async ({ warmSpare }, use) => {
    const h = await startShell(undefined, { warmSpare });
    await use(h);
    await h.shell.close();
    rmSync(h.dataDir, { recursive: true, force: true });
  },
  app: async ({ page, shell }, use) => {
    await page.goto(shell.shell.url);
    await expect(page.getByTestId('shell-info')).toContainText('browser shell');
    await use(page);
  },
});

export { expect };
