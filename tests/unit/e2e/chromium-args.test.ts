// The e2e run's Chromium arguments against what Playwright actually passes: Chromium keeps only the last
// --disable-features, so ours must come last and carry every feature Playwright disables.
import { chromium } from '@playwright/test';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { CHROMIUM_ARGS, WIRELAB_DISABLED_FEATURES } from '../../e2e/chromium-args';

const dir = mkdtempSync(join(tmpdir(), 'wirelab-chromium-args-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The command line Playwright builds for `args`, read by a stand-in executable that records it. */
async function commandLine(args: readonly string[]): Promise<string[]> {
  const out = join(dir, 'argv.txt');
  const exe = join(dir, 'chromium');
  writeFileSync(exe, `#!/bin/sh\nfor a in "$@"; do printf '%s\\n' "$a"; done > '${out}'\nexit 3\n`);
  chmodSync(exe, 0o755);
  await chromium.launch({ executablePath: exe, args: [...args], timeout: 10_000 }).then(
    (b) => b.close(),
    () => undefined, // the stand-in exits at once; only its record matters
  );
  return readFileSync(out, 'utf8').split('\n').filter(Boolean);
}

const features = (argv: string[]) =>
  argv
    .filter((a) => a.startsWith('--disable-features='))
    .map((a) => a.slice('--disable-features='.length).split(','));

describe.skipIf(process.platform === 'win32')('e2e Chromium arguments', () => {
  it('disable every feature Playwright disables, in the --disable-features Chromium reads (the last)', async () => {
    const plain = features(await commandLine([]));
    expect(plain).toHaveLength(1);
    const playwrights = plain[0] ?? [];
    expect(playwrights.length).toBeGreaterThan(3);

    const ours = features(await commandLine(CHROMIUM_ARGS));
    const effective = ours.at(-1) ?? [];
    const missing = playwrights.filter((f) => !effective.includes(f));
    expect(missing, 'features Playwright disables that tests/e2e/chromium-args.ts lacks').toEqual([]);
    for (const f of WIRELAB_DISABLED_FEATURES) expect(effective).toContain(f);
  });
});
