// `npm start`: the Electron app; where Electron cannot start (no binary, no display) say why in one
// line and start the browser shell instead, printing its URL.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { resolveElectron } from './electron-binary.mjs';

function build() {
  if (
    existsSync('out/main/index.js') &&
    existsSync('out/main/host.js') &&
    existsSync('out/renderer/index.html') &&
    existsSync('out/preload/index.cjs')
  )
    return;
  const r = spawnSync('npx', ['electron-vite', 'build'], { stdio: 'inherit' });
  if (r.status !== 0) process.exit(r.status ?? 1);
}

build();
const { path: electronPath, why } = resolveElectron();
const extra = process.argv.slice(2);
if (why) {
  console.log(`wirelab: Electron cannot start here: ${why} — starting the browser shell instead.`);
  const child = spawn(process.execPath, ['bin/wirelab.mjs', 'serve', ...extra], { stdio: 'inherit' });
  child.on('exit', (code) => process.exit(code ?? 0));
  for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => child.kill(sig));
} else {
  const child = spawn(electronPath, ['.', ...extra], { stdio: 'inherit' });
  child.on('exit', (code) => process.exit(code ?? 0));
}
