// Runs on `npm install` / `npm ci` in a checkout so that `npx wirelab` and `npm start` work right after
// install. Builds once, quietly: one line on success; the build's own output only when it fails.
// Skipped when WIRELAB_SKIP_PREPARE=1 (CI builds as a separate, counted step).
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

if (process.env.WIRELAB_SKIP_PREPARE === '1') process.exit(0);
if (!existsSync('src/main')) process.exit(0);
const t0 = Date.now();
const r = spawnSync('npx', ['electron-vite', 'build'], {
  stdio: ['ignore', 'pipe', 'pipe'],
  encoding: 'utf8',
  // The build's listing is a few hundred kB at most; keep it to show on failure.
  maxBuffer: 64 * 1024 * 1024,
  shell: process.platform === 'win32',
});
if (r.status !== 0) {
  const tail = `${r.stdout ?? ''}${r.stderr ?? ''}`.trimEnd().split('\n').slice(-60).join('\n');
  if (tail) console.error(tail);
  console.error('wirelab: build after install failed (output above); run `npm run build` to retry.');
  process.exit(r.status ?? 1);
}
console.log(
  `wirelab: built in ${((Date.now() - t0) / 1000).toFixed(0)} s (npx wirelab, npm start and npm run serve are ready)`,
);
