// Programs that tests run as child processes, bundled once per test process with esbuild (a dev
// dependency): starting `node bundle.mjs` costs a fraction of a second, where `node --import tsx
// file.ts` compiles the whole import graph again in every child — seconds each on a busy machine.
import { buildSync } from 'esbuild';
import { mkdirSync, rmSync } from 'node:fs';
import { join, basename } from 'node:path';

const ROOT = join(import.meta.dirname, '..', '..');
// Inside the repository, so the bundle's bare imports (packages stay external) resolve from node_modules.
const DIR = join(ROOT, 'node_modules', '.cache', 'wirelab-test-bundles', String(process.pid));
const built = new Map<string, string>();
let exitHook = false;

/** Path of an ESM bundle of `entry` (a path relative to the repository root), built on first use. */
export function bundled(entry: string): string {
  const known = built.get(entry);
  if (known) return known;
  mkdirSync(DIR, { recursive: true });
  if (!exitHook) {
    exitHook = true;
    process.once('exit', () => rmSync(DIR, { recursive: true, force: true }));
  }
  const outfile = join(DIR, `${basename(entry).replace(/\.ts$/, '')}-${built.size}.mjs`);
  buildSync({
    entryPoints: [join(ROOT, entry)],
    outfile,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    packages: 'external',
    logLevel: 'error',
  });
  built.set(entry, outfile);
  return outfile;
}
