// `npm run dist`: package with electron-builder (build/electron-builder.yml) where Electron can be
// downloaded; otherwise say why in one line and exit 1.
import { spawnSync } from 'node:child_process';
import { resolveElectron } from './electron-binary.mjs';

const electron = resolveElectron({ needDisplay: false });
if (!electron.path) {
  console.error(`wirelab dist: cannot package here — ${electron.why}.`);
  process.exit(1);
}
let r = spawnSync('npx', ['electron-vite', 'build'], { stdio: 'inherit' });
if (r.status !== 0) process.exit(r.status ?? 1);
r = spawnSync(
  'npx',
  ['electron-builder', '--config', 'build/electron-builder.yml', ...process.argv.slice(2)],
  { stdio: 'inherit' },
);
process.exit(r.status ?? 1);
