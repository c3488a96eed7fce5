// `npm test`: lint, format check, typecheck, unit + integration (Vitest), build, e2e (Playwright in
// Debian Chromium). Every step runs even when an earlier one failed, so one run shows everything; the
// last line sums the test runners: "N passed, N failed, N skipped". Exit code 1 when anything failed.
//
// The steps run in lanes side by side, because on two cores a sequence leaves the machine idle for
// minutes: the kernel check (tests/integration/lab/kernel-check.test.ts) spends most of its time
// waiting on paced packets, and Vitest's socket tests and the e2e run wait on timers and pages between
// their CPU bursts. Lanes:
//   tests:  Vitest, its unit and integration projects side by side (everything but the kernel check)
//   kernel: the kernel check alone (Vitest), at a higher CPU priority where allowed, so the other lanes
//           do not disturb the kernel TCP it measures
//   e2e:    build → Playwright
//   checks: lint, format, typecheck (its node and web programs as two steps), two at a time, at a
//           low CPU priority (nice 10)
// The checks are pure CPU work with nothing timed in them, so they mostly take the CPU the test lanes
// leave idle instead of competing with timed tests (a socket test's deadline, a page's update) for it;
// when the test lanes are done they get both cores. Each step's output goes to test-results/logs/<step>.log
// and is printed as one block when the step ends (the whole of it when the step failed, its last lines
// otherwise), so lanes never interleave.
//
// `node scripts/test-all.mjs [step…]` runs only the named steps (lint, format, typecheck, vitest, kernel,
// build, e2e); `--serial` runs them one after another (for timing a step alone).
import { spawn } from 'node:child_process';
import { createWriteStream, existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { setPriority } from 'node:os';
import { resolve } from 'node:path';

const args = process.argv.slice(2);
const serial = args.includes('--serial');
const only = args.filter((a) => !a.startsWith('--'));
const want = (name) => only.length === 0 || only.includes(name);
mkdirSync('test-results/logs', { recursive: true });

const KERNEL_CHECK = 'tests/integration/lab/kernel-check.test.ts';
/** Lines of a passing step's output shown in the run's log (the step's log file has all of it). */
const TAIL_OK = 12;
/** Lines of a failing step's output shown (its log file has all of it). */
const TAIL_FAILED = 400;

const t0 = Date.now();
const secs = (ms) => (ms / 1000).toFixed(1);
const clock = () => {
  const s = Math.round((Date.now() - t0) / 1000);
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}`;
};

function localBin(name) {
  const file = `node_modules/.bin/${name}`;
  return process.platform !== 'win32' && existsSync(file) ? file : undefined;
}

const steps = [];
const running = new Map();

/**
 * Runs one step; resolves true when it exited 0. `priority` is a nice value tried on the child (only
 * root may raise priority; elsewhere the step runs at the normal one). `group` is the name the step is
 * selected by on the command line when it is part of one (typecheck-node → typecheck).
 */
function run(name, cmd, cmdArgs, { env = {}, priority, group } = {}) {
  if (!want(group ?? name)) return Promise.resolve(undefined);
  const started = Date.now();
  const logFile = `test-results/logs/${name}.log`;
  const log = createWriteStream(logFile);
  const lines = [];
  let partial = '';
  const keep = (chunk) => {
    log.write(chunk);
    const parts = (partial + chunk.toString()).split('\n');
    partial = parts.pop() ?? '';
    for (const l of parts) {
      lines.push(l);
      // Only the tail is ever printed; the log file keeps everything.
      if (lines.length > TAIL_FAILED) lines.shift();
    }
  };
  console.log(`${clock()} ▶ ${name}: ${cmd} ${cmdArgs.join(' ')}`);
  // The package's own binary rather than `npx`, which starts npm (about a second of CPU) for each step.
  const bin = cmd === 'npx' ? localBin(cmdArgs[0]) : undefined;
  const child = spawn(bin ?? cmd, bin ? cmdArgs.slice(1) : cmdArgs, {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, ...env },
  });
  if (priority !== undefined) {
    try {
      setPriority(child.pid, priority);
    } catch {
      // Not permitted (not root): the normal priority.
    }
  }
  running.set(name, started);
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  return new Promise((resolve) => {
    const done = (code) => {
      if (partial) lines.push(partial);
      log.end();
      running.delete(name);
      const ok = code === 0;
      const seconds = (Date.now() - started) / 1000;
      steps.push({ name, ok, seconds });
      const shown = ok ? lines.slice(-TAIL_OK) : lines;
      console.log(
        `\n━━ ${name}: ${ok ? 'ok' : 'FAILED'} in ${seconds.toFixed(1)} s` +
          (shown.length < lines.length || !ok ? ` (full output: ${logFile})` : ''),
      );
      for (const l of shown) console.log(`   ${l}`);
      console.log('');
      resolve(ok);
    };
    child.on('error', (err) => {
      keep(`${cmd}: ${err.message}\n`);
      done(-1);
    });
    child.on('close', (code) => done(code));
  });
}

function readJson(file) {
  try {
    return JSON.parse(readFileSync(file, 'utf8'));
  } catch {
    return undefined;
  }
}

/**
 * User + system CPU seconds of the steps, on Linux: the figure to compare runs by on a shared machine,
 * where wall time depends on the neighbours. It counts the processes that were waited for (the steps
 * and the children they reaped); a process a step leaves orphaned (a browser, an engine host) is not
 * in it, so it reads lower than the whole run's CPU time (565 here where a subreaper counted 878).
 */
function childrenCpuSeconds() {
  try {
    // /proc/self/stat: fields after the command's closing parenthesis; cutime and cstime are the 14th
    // and 15th of them, in clock ticks (100 a second on Linux).
    const fields = readFileSync('/proc/self/stat', 'utf8').split(') ')[1]?.split(' ') ?? [];
    const ticks = Number(fields[13]) + Number(fields[14]);
    return Number.isFinite(ticks) ? ticks / 100 : undefined;
  } catch {
    return undefined;
  }
}

const totals = { passed: 0, failed: 0, skipped: 0 };
/**
 * The failed tests by name, listed again under the summary: a failing step's output can be hundreds of
 * lines further up, and a CI page that keeps only the end of the log should still say what failed.
 */
const failures = [];
/** Failed tests listed under the summary at most (the step logs have all of them). */
const FAILURES_LISTED = 30;
// ANSI colour codes, as Vitest and Playwright write them into messages.
const ANSI = new RegExp(`${String.fromCharCode(27)}\\[[0-9;]*m`, 'g');
const firstLine = (text) =>
  String(text ?? '')
    .replace(ANSI, '')
    .split('\n')
    .map((l) => l.trim())
    .find((l) => l.length > 0)
    ?.slice(0, 200) ?? '';

function countVitest(file, ok) {
  const v = readJson(file);
  if (v) {
    totals.passed += v.numPassedTests;
    totals.failed += v.numFailedTests;
    totals.skipped += (v.numPendingTests ?? 0) + (v.numTodoTests ?? 0);
    for (const f of v.testResults ?? []) {
      const file = String(f.name ?? '').replace(`${process.cwd()}/`, '');
      // A suite that failed to load has no tests but must count as a failure.
      if (f.status === 'failed' && f.assertionResults.length === 0) {
        totals.failed += 1;
        failures.push(`${file}: ${firstLine(f.message) || 'failed to load'}`);
      }
      for (const a of f.assertionResults ?? [])
        if (a.status === 'failed')
          failures.push(`${file} › ${a.fullName ?? a.title}: ${firstLine(a.failureMessages?.[0])}`);
    }
  } else if (ok === false) totals.failed += 1;
}

function vitest(name, json, files, group) {
  if (!want(group ?? name)) return Promise.resolve(undefined);
  rmSync(json, { force: true });
  return run(
    name,
    'npx',
    ['vitest', 'run', '--reporter=dot', '--reporter=json', `--outputFile.json=${json}`, ...files],
    // The kernel check alone: its relay is real time already; its sender and receiver get the CPU
    // before the lint, typecheck and e2e work running beside it.
    name === 'kernel' ? { priority: -10 } : { group },
  ).then((ok) => countVitest(json, ok));
}

/**
 * The CPU priority of the checks lane: well below the test lanes (a nice-0 process gets about ten times
 * its share), so the checks mostly take CPU the tests leave idle, but not the lowest, so another job on
 * the machine does not starve them.
 */
const CHECKS_NICE = 10;

/** The lint, format and typecheck steps, each a function starting it. */
function checkSteps() {
  const priority = CHECKS_NICE;
  const steps = [];
  // package.json's typecheck script, one step per program ("a && b"): two processes the two cores can
  // share. Each part is started as the package's own binary, without npm or a shell (a shell would
  // start the compiler before the lower priority is set on it).
  const script = readJson('package.json')?.scripts?.typecheck;
  const parts = script ? script.split('&&').map((p) => p.trim()) : [];
  if (process.platform === 'win32' || parts.length === 0 || parts.some((p) => /["'`$|;<>()\\]/.test(p)))
    steps.push(() => run('typecheck', 'npm', ['run', '-s', 'typecheck'], { priority }));
  else
    for (const part of parts) {
      const program = /-p\s+tsconfig\.(\w+)\.json/.exec(part)?.[1] ?? String(steps.length + 1);
      steps.push(() =>
        run(`typecheck-${program}`, 'npx', part.split(/\s+/), { priority, group: 'typecheck' }),
      );
    }
  steps.push(() =>
    run(
      'lint',
      'npx',
      [
        'eslint',
        '.',
        '--max-warnings=0',
        // Re-runs lint only the files that changed (the cache is keyed by content).
        '--cache',
        '--cache-strategy',
        'content',
        '--cache-location',
        'node_modules/.cache/eslint/',
      ],
      { priority },
    ),
  );
  steps.push(() =>
    run(
      'format',
      'npx',
      ['prettier', '--check', '.', '--log-level', 'warn', '--cache', '--cache-strategy', 'content'],
      { priority },
    ),
  );
  return steps;
}

/** Runs `steps` (functions returning promises), at most `width` at a time. */
async function pool(steps, width) {
  const queue = [...steps];
  const worker = async () => {
    for (let next = queue.shift(); next; next = queue.shift()) await next();
  };
  await Promise.all(Array.from({ length: Math.min(width, queue.length) }, worker));
}

const checksLane = () => pool(checkSteps(), serial ? 1 : 2);
// The unit and integration projects as two processes side by side: one Vitest process runs projects
// whose worker limits differ one after the other, and the integration files, which mostly wait on
// sockets and timers, started only after the unit files (70 s into a run on two cores).
async function testsLane() {
  const unit = () => vitest('vitest-unit', 'test-results/vitest-unit.json', ['--project', 'unit'], 'vitest');
  const integration = () =>
    vitest(
      'vitest',
      'test-results/vitest.json',
      ['--project', 'integration', '--exclude', KERNEL_CHECK],
      'vitest',
    );
  if (serial) {
    await unit();
    await integration();
  } else await Promise.all([unit(), integration()]);
}
const kernelLane = () => vitest('kernel', 'test-results/vitest-kernel.json', [KERNEL_CHECK]);

async function e2eLane() {
  // WIRELAB_OUT_DIR: build into that folder and test it (the e2e fixtures read the same variable), so
  // several checkouts' runs, or a run beside a developer's `out/`, do not overwrite each other.
  const outDir = process.env.WIRELAB_OUT_DIR;
  const built = await run('build', 'npx', [
    'electron-vite',
    'build',
    ...(outDir ? ['--outDir', resolve(outDir)] : []),
  ]);
  if (!want('e2e')) return;
  rmSync('test-results/e2e.json', { force: true });
  if (built === false) {
    console.log('e2e skipped: the build failed');
    totals.failed += 1;
    return;
  }
  if (!existsSync(process.env.CHROMIUM_PATH ?? '/usr/bin/chromium')) {
    console.log('e2e: /usr/bin/chromium is missing (apt-get install -y chromium)');
    totals.failed += 1;
    return;
  }
  // Artifacts in a folder of this run's own: Playwright empties its output folder when it starts, and a
  // single spec run by hand meanwhile (test-results/e2e) would delete this run's traces under it.
  const ok = await run('e2e', 'npx', ['playwright', 'test', '--output', 'test-results/e2e-all']);
  const p = readJson('test-results/e2e.json');
  if (p?.stats) {
    totals.passed += p.stats.expected + (p.stats.flaky ?? 0);
    totals.failed += p.stats.unexpected;
    totals.skipped += p.stats.skipped;
    listPlaywrightFailures(p.suites ?? [], []);
  } else if (!ok) totals.failed += 1;
}

/** Adds the unexpected results of a Playwright JSON report's suite tree to `failures`. */
function listPlaywrightFailures(suites, titles) {
  for (const suite of suites) {
    const path = suite.title ? [...titles, suite.title] : titles;
    for (const spec of suite.specs ?? [])
      for (const test of spec.tests ?? [])
        if (test.status === 'unexpected') {
          const last = test.results?.at(-1);
          failures.push(
            `${spec.file ?? path[0]} › ${[...path.slice(1), spec.title].join(' › ')}: ` +
              firstLine(last?.error?.message ?? last?.errors?.[0]?.message ?? last?.status),
          );
        }
    listPlaywrightFailures(suite.suites ?? [], path);
  }
}

// A line a minute while steps run, so a quiet terminal is not mistaken for a hang.
const heartbeat = setInterval(() => {
  if (running.size === 0) return;
  const now = Date.now();
  const list = [...running].map(([n, s]) => `${n} ${Math.round((now - s) / 1000)} s`).join(', ');
  console.log(`${clock()} … running: ${list}`);
}, 60_000);

if (serial) {
  await checksLane();
  await testsLane();
  await kernelLane();
  await e2eLane();
} else {
  await Promise.all([kernelLane(), e2eLane(), testsLane(), checksLane()]);
}
clearInterval(heartbeat);

const cpu = childrenCpuSeconds();
console.log(
  `━━ summary (${secs(Date.now() - t0)} s in all${serial ? ', one step at a time' : ''}` +
    `${cpu === undefined ? '' : `; ${cpu.toFixed(0)} CPU seconds`})`,
);
for (const s of steps)
  console.log(`${s.ok ? 'ok  ' : 'FAIL'} ${s.name.padEnd(15)} ${s.seconds.toFixed(1)} s`);
const gatesFailed = steps.some((s) => !s.ok);
if (failures.length > 0) {
  console.log(`failed tests (${failures.length}):`);
  for (const f of failures.slice(0, FAILURES_LISTED)) console.log(`  ✗ ${f}`);
  if (failures.length > FAILURES_LISTED)
    console.log(`  … ${failures.length - FAILURES_LISTED} more in test-results/logs/`);
}
console.log(`${totals.passed} passed, ${totals.failed} failed, ${totals.skipped} skipped`);
process.exit(gatesFailed || totals.failed > 0 ? 1 : 0);
