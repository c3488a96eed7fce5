// Runs on `npm install` / `npm ci` in a checkout so that `npx wirelab` and `npm start` work right after
// install. Builds once; skipped when WIRELAB_SKIP_PREPARE=1 (CI builds as a separate, counted step).
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

if (process.env.WIRELAB_SKIP_PREPARE === '1') process.exit(0);
if (!existsSync('src/main')) process.exit(0);
const r = spawnSync('npx', ['electron-vite', 'build'], {
  stdio: 'inherit',
  shell: process.platform === 'win32',
});
if (r.status !== 0) {
  console.error('wirelab: build after install failed; run `npm run build` to see why.');
  process.exit(r.status ?? 1);
}
