// `npm run docs:errors`: writes docs/errors.md from src/shared/errors.ts (see errors-doc.mjs).
// `--check` only compares and exits 1 when the doc is out of date.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ERRORS_DOC, renderErrorsDoc } from './errors-doc.mjs';

const root = join(fileURLToPath(import.meta.url), '..', '..');
const doc = renderErrorsDoc(root);
const path = join(root, ERRORS_DOC);
if (process.argv.includes('--check')) {
  let current = '';
  try {
    current = readFileSync(path, 'utf8');
  } catch {
    // missing: out of date
  }
  if (current !== doc) {
    console.error(`${ERRORS_DOC} is out of date: run npm run docs:errors`);
    process.exit(1);
  }
} else {
  writeFileSync(path, doc);
  console.log(`wrote ${ERRORS_DOC}`);
}
