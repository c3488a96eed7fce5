// One command on a fresh machine: install dependencies, then start the app (`npm run setup-and-start`).
// Tries the normal install first (which downloads Electron); where that download is blocked, installs
// again without the Electron binary and says so — `npm start` then opens the browser shell.
import { spawnSync } from 'node:child_process';

function npmCi(env) {
  return (
    spawnSync('npm', ['ci', '--no-audit', '--no-fund'], { stdio: 'inherit', env: { ...process.env, ...env } })
      .status === 0
  );
}

if (!npmCi({})) {
  console.log(
    'wirelab: install with the Electron binary failed (its download is probably blocked) — installing without it.',
  );
  if (!npmCi({ ELECTRON_SKIP_BINARY_DOWNLOAD: '1' })) process.exit(1);
}
const r = spawnSync('npm', ['start', '--', ...process.argv.slice(2)], { stdio: 'inherit' });
process.exit(r.status ?? 0);
