// Screenshot a page of the app in Debian's Chromium, as users see it:
//   npx tsx scripts/screenshot.ts /tcp/server out.png [--dark] [--width 1280] [--height 860]
// Starts a browser shell with a throwaway data dir (run `npm run build` first).
import { chromium } from '@playwright/test';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startBrowserShell } from '../src/server/browser-shell';
import { CHROMIUM_ARGS, CHROMIUM_PATH } from '../tests/e2e/chromium-args';

const [route = '/', out = 'screenshot.png', ...rest] = process.argv.slice(2);
const dark = rest.includes('--dark');
const num = (flag: string, def: number) => {
  const i = rest.indexOf(flag);
  return i >= 0 ? Number(rest[i + 1]) : def;
};
const dir = mkdtempSync(join(tmpdir(), 'wirelab-shot-'));
const shell = await startBrowserShell({
  port: 0,
  dataDir: dir,
  rendererDir: join(import.meta.dirname, '..', 'out', 'renderer'),
  version: 'dev',
  // Never browse mDNS from a screenshot run (this machine's outside interface).
  chatDiscovery: false,
});
const browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: [...CHROMIUM_ARGS] });
try {
  const page = await browser.newPage({
    viewport: { width: num('--width', 1280), height: num('--height', 860) },
    colorScheme: dark ? 'dark' : 'light',
  });
  await page.goto(`${shell.url}#${route}`);
  await page.getByTestId('shell-info').waitFor();
  await page.waitForTimeout(300);
  await page.screenshot({ path: out, fullPage: false });
  console.log(`wrote ${out}`);
} finally {
  await browser.close();
  await shell.close();
  rmSync(dir, { recursive: true, force: true });
}
