// `npm start`: the Electron app; where Electron cannot start (no binary, no display) say why in one
// line and start the browser shell instead, printing its URL.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

function build() {
  if (
    existsSync('out/main/index.js') &&
    existsSync('out/renderer/index.html') &&
    existsSync('out/preload/index.cjs')
  )
    return;
  const r = spawnSync('npx', ['electron-vite', 'build'], { stdio: 'inherit' });
  if (r.status !== 0) process.exit(r.status ?? 1);
}

function whyNoElectron() {
  let binary;
  try {
    binary = require('electron'); // the package's index resolves the downloaded binary's path, or throws
  } catch (err) {
    return `the Electron binary is not installed (${String(err.message).split('\n')[0]})`;
  }
  if (typeof binary !== 'string' || !existsSync(binary))
    return 'the Electron binary is not installed (download skipped or blocked)';
  if (process.platform === 'linux' && !process.env.DISPLAY && !process.env.WAYLAND_DISPLAY)
    return 'there is no display (DISPLAY/WAYLAND_DISPLAY unset)';
  return undefined;
}

build();
const why = whyNoElectron();
const extra = process.argv.slice(2);
if (why) {
  console.log(`wirelab: Electron cannot start here: ${why} — starting the browser shell instead.`);
  const child = spawn(process.execPath, ['bin/wirelab.mjs', 'serve', ...extra], { stdio: 'inherit' });
  child.on('exit', (code) => process.exit(code ?? 0));
  for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => child.kill(sig));
} else {
  const child = spawn(require('electron'), ['.', ...extra], { stdio: 'inherit' });
  child.on('exit', (code) => process.exit(code ?? 0));
}
