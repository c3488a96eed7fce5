// `npm run bench`: bundles bench/run.ts with esbuild and runs it. Bundled like the app itself is
// (electron-vite), not through tsx, whose keepNames transform wraps every closure in a naming helper
// and measurably slows closure-heavy engines (the HTTP mock server ran ~20 % slower under it).
// Sections that start helper processes of their own still run those from source with tsx.
import { spawnSync } from 'node:child_process';
import { build } from 'esbuild';

await build({
  entryPoints: ['bench/run.ts'],
  outfile: '.bench/run.mjs',
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  packages: 'external',
  sourcemap: 'inline',
  logLevel: 'warning',
});
const r = spawnSync(process.execPath, ['--enable-source-maps', '.bench/run.mjs', ...process.argv.slice(2)], {
  stdio: 'inherit',
});
process.exit(r.status ?? 1);
