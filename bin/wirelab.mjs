#!/usr/bin/env node
// The `wirelab` command: runs the built CLI (out/main/cli.js). Built on install by `prepare`.
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const cli = join(dirname(fileURLToPath(import.meta.url)), '..', 'out', 'main', 'cli.js');
if (!existsSync(cli)) {
  process.stderr.write('wirelab: not built yet — run `npm run build` in the Wirelab folder\n');
  process.exit(1);
}
process.env.WIRELAB_CLI_MAIN = '1';
await import(pathToFileURL(cli).href);
