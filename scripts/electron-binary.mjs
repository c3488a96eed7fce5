// Where is the Electron binary, and if it cannot run here, why — in one line. Used by `npm start`,
// `npm run dist` and the Electron e2e spec. Resolution runs in a child process because the electron
// package tries to download a missing binary on first use and prints its progress; that attempt is
// kept (it works where the network allows) but its noise is captured.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

/** @returns {{ path?: string, why?: string }} */
export function resolveElectron({ needDisplay = true } = {}) {
  const r = spawnSync(process.execPath, ['-e', "process.stdout.write(String(require('electron')))"], {
    encoding: 'utf8',
    timeout: 120_000,
  });
  const path = r.status === 0 ? r.stdout.trim() : '';
  if (!path || !existsSync(path)) {
    const detail =
      `${r.stderr ?? ''}`.split('\n').find((l) => /Error:/.test(l)) ?? 'download skipped or blocked';
    return {
      why: `the Electron binary is not installed (${detail.replace(/^.*?Error:\s*/, '').slice(0, 160)})`,
    };
  }
  if (needDisplay && process.platform === 'linux' && !process.env.DISPLAY && !process.env.WAYLAND_DISPLAY) {
    return { path, why: 'there is no display (DISPLAY/WAYLAND_DISPLAY unset)' };
  }
  return { path };
}
