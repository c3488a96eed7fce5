// `npm run dist`: package with electron-builder (build/electron-builder.yml) where Electron can be
// downloaded; otherwise say why in one line and exit 1.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
let binary;
try {
  binary = require('electron');
} catch {
  binary = undefined;
}
if (typeof binary !== 'string' || !existsSync(binary)) {
  console.error(
    'wirelab dist: cannot package — the Electron binary could not be downloaded on this machine (ELECTRON_SKIP_BINARY_DOWNLOAD or no access to its release host).',
  );
  process.exit(1);
}
let r = spawnSync('npx', ['electron-vite', 'build'], { stdio: 'inherit' });
if (r.status !== 0) process.exit(r.status ?? 1);
const targets = process.argv.slice(2);
r = spawnSync(
  'npx',
  ['electron-builder', '--config', 'build/electron-builder.yml', ...(targets.length ? targets : [])],
  { stdio: 'inherit' },
);
process.exit(r.status ?? 1);
