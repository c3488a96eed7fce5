// The real Electron app, where an Electron binary exists (not on the CI machines of this project, whose
// network blocks the download): window opens from app://, the preload exposes only the typed API, and
// the TCP workbench works through IPC. Elsewhere it skips and says why.
import { test, expect, _electron as electron } from '@playwright/test';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const require = createRequire(import.meta.url);

function electronBinary(): { path?: string; why?: string } {
  try {
    const p = require('electron') as unknown;
    if (typeof p === 'string' && existsSync(p)) {
      if (process.platform === 'linux' && !process.env.DISPLAY && !process.env.WAYLAND_DISPLAY)
        return { why: 'no display (DISPLAY unset); run under xvfb-run' };
      return { path: p };
    }
    return { why: 'the Electron binary is not installed (ELECTRON_SKIP_BINARY_DOWNLOAD / download blocked)' };
  } catch (err) {
    return { why: `the Electron binary is not installed: ${String((err as Error).message).split('\n')[0]}` };
  }
}

const bin = electronBinary();

test('Electron app: secure window, typed API only, TCP through IPC', async () => {
  if (!bin.path) console.log(`electron e2e skipped: ${bin.why}`);
  test.skip(!bin.path, bin.why);
  const userData = mkdtempSync(join(tmpdir(), 'wirelab-electron-'));
  const app = await electron.launch({ executablePath: bin.path, args: ['.', `--user-data-dir=${userData}`] });
  try {
    const win = await app.firstWindow();
    expect(win.url()).toMatch(/^app:\/\/wirelab\//);
    const shape = await win.evaluate(() => ({
      keys: Object.keys((window as unknown as { wirelab: object }).wirelab).sort(),
      hasRequire: typeof (window as unknown as { require?: unknown }).require,
      hasProcess: typeof (window as unknown as { process?: unknown }).process,
    }));
    expect(shape.keys).toEqual(expect.arrayContaining(['app', 'tcp', 'onEvents', 'shell']));
    expect(shape.keys).not.toContain('invoke');
    expect(shape.hasRequire).toBe('undefined');
    expect(shape.hasProcess).toBe('undefined');
    await win.getByTestId('nav-tcp-server').click();
    await win.getByTestId('tcp-server-start').click();
    await expect(win.getByTestId('tcp-server-address')).toHaveText(/127\.0\.0\.1:\d+/);
    await expect(win.getByTestId('shell-info')).toContainText('electron shell');
  } finally {
    await app.close();
  }
});
