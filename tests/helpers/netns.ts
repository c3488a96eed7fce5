// Network namespaces for LAN tests (multicast, DNS-SD, cut links) that must never touch the host's
// network: whether `ip netns` can be used here, `ip` itself, an interface brought up with an address and a
// multicast route, and a process started inside a namespace that speaks JSON lines on stdout.
import { spawn, spawnSync, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { onTestFinished } from 'vitest';

/** Why namespaces cannot be made here (not Linux, not root, no `ip netns`), or undefined when they can. */
export function netnsUnavailable(): string | undefined {
  if (process.platform !== 'linux') return 'not Linux';
  if (typeof process.getuid === 'function' && process.getuid() !== 0)
    return 'not root (ip netns needs CAP_SYS_ADMIN)';
  const r = spawnSync('ip', ['netns', 'list'], { encoding: 'utf8' });
  if (r.error || r.status !== 0) return `ip netns unavailable: ${r.error?.message ?? r.stderr.trim()}`;
  return undefined;
}

/** Runs `ip` and throws with its stderr when it fails. */
export function ip(...args: string[]): void {
  const r = spawnSync('ip', args, { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`ip ${args.join(' ')}: ${r.stderr.trim()}`);
}

/** Loopback and `dev` up in `ns`, `dev` with address `cidr` and the multicast route (mDNS goes out on it). */
export function upLanInterface(ns: string, dev: string, cidr: string): void {
  ip('-n', ns, 'link', 'set', 'lo', 'up');
  ip('-n', ns, 'addr', 'add', cidr, 'dev', dev);
  ip('-n', ns, 'link', 'set', dev, 'up');
  ip('-n', ns, 'route', 'add', '224.0.0.0/4', 'dev', dev);
}

export type JsonLine = Record<string, unknown>;

export interface NetnsProcess {
  proc: ChildProcessWithoutNullStreams;
  /** Every JSON line printed so far, in order. */
  lines: JsonLine[];
  /** The first line matching pred; throws (with the process's recent stderr) after ms or when it exits. */
  waitFor(pred: (o: JsonLine) => boolean, ms: number, what: string): Promise<JsonLine>;
}

/**
 * Starts `node script ...args` inside namespace ns, SIGKILLed when the test finishes. Lines that are not
 * JSON are kept with stderr (its last 4,000 characters) for the error a failed wait throws.
 */
export function startInNetns(ns: string, name: string, script: string, args: string[]): NetnsProcess {
  const proc = spawn('ip', ['netns', 'exec', ns, process.execPath, script, ...args], { stdio: 'pipe' });
  const lines: JsonLine[] = [];
  let buf = '';
  let stderr = '';
  const keep = (text: string): void => {
    stderr = (stderr + text).slice(-4000);
  };
  proc.stdout.on('data', (d: Buffer) => {
    buf += d.toString();
    let nl: number;
    while ((nl = buf.indexOf('\n')) >= 0) {
      const line = buf.slice(0, nl);
      buf = buf.slice(nl + 1);
      try {
        lines.push(JSON.parse(line) as JsonLine);
      } catch {
        keep(`${line}\n`);
      }
    }
  });
  proc.stderr.on('data', (d: Buffer) => keep(d.toString()));
  onTestFinished(() => {
    proc.kill('SIGKILL');
  });
  return {
    proc,
    lines,
    async waitFor(pred, ms, what) {
      const start = Date.now();
      for (;;) {
        const hit = lines.find(pred);
        if (hit) return hit;
        if (Date.now() - start > ms || proc.exitCode !== null) {
          const recent = JSON.stringify(lines.slice(-20));
          throw new Error(
            `${name}: timeout waiting for ${what}; last lines ${recent}; stderr ${stderr.slice(-2000)}`,
          );
        }
        await new Promise((r) => setTimeout(r, 50));
      }
    },
  };
}
