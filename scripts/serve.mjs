// `npm run serve -- [--port N] [--data-dir D]`: build if needed, then the browser shell.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

if (
  !existsSync('out/main/cli.js') ||
  !existsSync('out/main/host.js') ||
  !existsSync('out/renderer/index.html')
) {
  const r = spawnSync('npx', ['electron-vite', 'build'], { stdio: 'inherit' });
  if (r.status !== 0) process.exit(r.status ?? 1);
}
const child = spawn(process.execPath, ['bin/wirelab.mjs', 'serve', ...process.argv.slice(2)], {
  stdio: 'inherit',
});
child.on('exit', (code) => process.exit(code ?? 0));
for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => child.kill(sig));
