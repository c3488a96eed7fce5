// `npm test`: lint, format check, typecheck, unit + integration (Vitest), build, e2e (Playwright in
// Debian Chromium). Every step runs even when an earlier one failed, so one run shows everything; the
// last line sums the test runners: "N passed, N failed, N skipped". Exit code 1 when anything failed.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';

const only = process.argv.slice(2);
const want = (name) => only.length === 0 || only.includes(name);
mkdirSync('test-results', { recursive: true });

const steps = [];
function run(name, cmd, args, env = {}) {
  if (!want(name)) return undefined;
  console.log(`\n━━ ${name}: ${cmd} ${args.join(' ')}`);
  const t0 = Date.now();
  const r = spawnSync(cmd, args, { stdio: 'inherit', env: { ...process.env, ...env } });
  const ok = r.status === 0;
  steps.push({ name, ok, seconds: (Date.now() - t0) / 1000 });
  return ok;
}

const totals = { passed: 0, failed: 0, skipped: 0 };
function readJson(file) {
  try {
    return JSON.parse(readFileSync(file, 'utf8'));
  } catch {
    return undefined;
  }
}

run('lint', 'npx', ['eslint', '.', '--max-warnings=0']);
run('format', 'npx', ['prettier', '--check', '.', '--log-level', 'warn']);
run('typecheck', 'npm', ['run', '-s', 'typecheck']);

if (want('vitest')) {
  rmSync('test-results/vitest.json', { force: true });
  const ok = run('vitest', 'npx', [
    'vitest',
    'run',
    '--reporter=default',
    '--reporter=json',
    '--outputFile.json=test-results/vitest.json',
  ]);
  const v = readJson('test-results/vitest.json');
  if (v) {
    totals.passed += v.numPassedTests;
    totals.failed += v.numFailedTests;
    totals.skipped += (v.numPendingTests ?? 0) + (v.numTodoTests ?? 0);
    // A suite that failed to load has no tests but must count as a failure.
    totals.failed += (v.testResults ?? []).filter(
      (f) => f.status === 'failed' && f.assertionResults.length === 0,
    ).length;
  } else if (!ok) totals.failed += 1;
}

const built = run('build', 'npx', ['electron-vite', 'build']);

if (want('e2e')) {
  rmSync('test-results/e2e.json', { force: true });
  if (built === false) {
    console.log('e2e skipped: the build failed');
    totals.failed += 1;
  } else if (!existsSync(process.env.CHROMIUM_PATH ?? '/usr/bin/chromium')) {
    console.log('e2e: /usr/bin/chromium is missing (apt-get install -y chromium)');
    totals.failed += 1;
  } else {
    const ok = run('e2e', 'npx', ['playwright', 'test']);
    const p = readJson('test-results/e2e.json');
    if (p?.stats) {
      totals.passed += p.stats.expected + (p.stats.flaky ?? 0);
      totals.failed += p.stats.unexpected;
      totals.skipped += p.stats.skipped;
    } else if (!ok) totals.failed += 1;
  }
}

console.log('\n━━ summary');
for (const s of steps)
  console.log(`${s.ok ? 'ok  ' : 'FAIL'} ${s.name.padEnd(10)} ${s.seconds.toFixed(1)} s`);
const gatesFailed = steps.some((s) => !s.ok);
console.log(`${totals.passed} passed, ${totals.failed} failed, ${totals.skipped} skipped`);
process.exit(gatesFailed || totals.failed > 0 ? 1 : 0);
