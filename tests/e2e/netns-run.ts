// Discovery specs send multicast (mDNS), which must never leave this machine: their outer test makes a
// network namespace, runs the same spec file again inside it (`ip netns exec`: browser shells, engines
// and Chromium all in there) with an environment flag that selects the inner test, and deletes the
// namespace afterwards, also on failure. Where namespaces cannot be made (not Linux, not root, no `ip`)
// the outer test is skipped with the reason.
import { spawnSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, test } from './fixtures';

/** Why namespaces cannot be made here, or undefined when they can. */
export function netnsUnavailable(): string | undefined {
  if (process.platform !== 'linux') return 'not Linux';
  if (typeof process.getuid === 'function' && process.getuid() !== 0)
    return 'not root (ip netns needs CAP_SYS_ADMIN)';
  const r = spawnSync('ip', ['netns', 'list'], { encoding: 'utf8' });
  if (r.error || r.status !== 0) return `ip netns unavailable: ${r.error?.message ?? r.stderr.trim()}`;
  return undefined;
}

/** Skips the calling test (with the reason, also printed) where namespaces cannot be made. */
export function skipWithoutNetns(label: string): void {
  const why = netnsUnavailable();
  if (why) console.warn(`[${label}] skipped: ${why}`);
  test.skip(why !== undefined, why ?? '');
}

export interface InnerRun {
  /** Namespace name prefix; the process id is appended. */
  prefix: string;
  /** `ip` argument lists run after `ip netns add <ns>` (interfaces, addresses, the multicast route). */
  setup: (ns: string) => string[][];
  /** The spec file to run inside. */
  spec: string;
  env: Record<string, string>;
  timeoutMs: number;
}

/**
 * Makes the namespace, runs `spec` inside it with `env` and expects its one inner test to pass; the
 * namespace is deleted in any case, the inner run's traces are kept (and named) only when it failed.
 */
export function runInsideNamespace(run: InnerRun): void {
  const ns = `${run.prefix}-${process.pid % 100000}`;
  const results = join(tmpdir(), `${ns}-results`);
  let passed = false;
  try {
    for (const args of [['netns', 'add', ns], ...run.setup(ns)]) {
      const r = spawnSync('ip', args, { encoding: 'utf8' });
      expect(r.status, `ip ${args.join(' ')}: ${r.stderr}`).toBe(0);
    }
    const inner = spawnSync(
      'ip',
      [
        'netns',
        'exec',
        ns,
        process.execPath,
        'node_modules/@playwright/test/cli.js',
        'test',
        run.spec,
        '--project',
        'chromium',
        '--workers',
        '1',
        '--reporter',
        'line',
        '--output',
        results,
      ],
      { encoding: 'utf8', env: { ...process.env, ...run.env }, timeout: run.timeoutMs },
    );
    const output = `${inner.stdout}\n${inner.stderr}`;
    expect(inner.status, `${output.slice(-4000)}\n(inner traces in ${results})`).toBe(0);
    expect(output).toMatch(/1 passed/);
    passed = true;
  } finally {
    spawnSync('ip', ['netns', 'del', ns]);
    if (passed) rmSync(results, { recursive: true, force: true });
  }
}
