// The real Electron app, where an Electron binary exists (not on the CI machines of this project, whose
// network blocks the download): window opens from app://, the preload exposes only the typed API, and
// the TCP workbench works through IPC. Elsewhere it skips and says why.
import { test, expect, _electron as electron } from '@playwright/test';
import { mkdtempSync } from 'node:fs';
import { resolveElectron } from '../../scripts/electron-binary.mjs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const bin = resolveElectron();

test('Electron app: secure window, typed API only, TCP through IPC', async () => {
  const why = bin.path && !bin.why ? undefined : bin.why;
  if (why) console.log(`electron e2e skipped: ${why}`);
  test.skip(!!why, why);
  const userData = mkdtempSync(join(tmpdir(), 'wirelab-electron-'));
  const app = await electron.launch({ executablePath: bin.path, args: ['.', `--user-data-dir=${userData}`] });
  try {
    const win = await app.firstWindow();
    expect(win.url()).toMatch(/^app:\/\/wirelab\//);
    const shape = await win.evaluate(() => ({
      keys: Object.keys((globalThis as unknown as { wirelab: object }).wirelab).sort(),
      hasRequire: typeof (globalThis as unknown as { require?: unknown }).require,
      hasProcess: typeof (globalThis as unknown as { process?: unknown }).process,
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
