// Where is the Electron binary, and if it cannot run here, why — in one line. Used by `npm start`,
// `npm run dist` and the Electron e2e spec. Reads the electron package's own record (path.txt) instead
// of `require('electron')`, which would try to download a missing binary — and print its progress — at
// every start; where the download is blocked that is a long wait for the same failure each time.
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

const FETCH_HINT = '`node node_modules/electron/install.js` downloads it';

/** @returns {{ path?: string, why?: string }} */
export function resolveElectron({ needDisplay = true } = {}) {
  let pkgDir;
  try {
    pkgDir = dirname(createRequire(import.meta.url).resolve('electron/package.json'));
  } catch {
    return { why: 'the electron package is not installed (run npm install)' };
  }
  const pathFile = join(pkgDir, 'path.txt');
  const recorded = existsSync(pathFile) ? readFileSync(pathFile, 'utf8').trim() : '';
  const override = process.env.ELECTRON_OVERRIDE_DIST_PATH;
  const path = override ? join(override, recorded || 'electron') : recorded && join(pkgDir, 'dist', recorded);
  if (!path || !existsSync(path))
    return { why: `the Electron binary is not installed (download skipped or blocked; ${FETCH_HINT})` };
  if (needDisplay && process.platform === 'linux' && !process.env.DISPLAY && !process.env.WAYLAND_DISPLAY) {
    return { path, why: 'there is no display (DISPLAY/WAYLAND_DISPLAY unset)' };
  }
  return { path };
}
