import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { errorSentences } from '../../../src/shared/errors';
import { ERRORS_DOC, ERRORS_TS, parseErrorsTs, renderErrorsDoc } from '../../../scripts/errors-doc.mjs';

const root = join(__dirname, '..', '..', '..');

describe('docs/errors.md', () => {
  it('the generator reads every code and sentence of src/shared/errors.ts, in order', () => {
    const parsed = parseErrorsTs(readFileSync(join(root, ERRORS_TS), 'utf8'));
    expect(Object.fromEntries(parsed.map((c) => [c.code, c.sentence]))).toEqual(errorSentences);
    expect(parsed.map((c) => c.code)).toEqual(Object.keys(errorSentences));
  });

  it('is up to date (run npm run docs:errors after changing error codes or where they are raised)', () => {
    const want = renderErrorsDoc(root);
    let have = '';
    try {
      have = readFileSync(join(root, ERRORS_DOC), 'utf8');
    } catch {
      // a missing doc is out of date too
    }
    if (have !== want) expect.fail(`${ERRORS_DOC} is out of date: run npm run docs:errors`);
  });
});
