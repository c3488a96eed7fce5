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

export interface TwoLinks {
  /** The namespace with both links, `lanA` (198.18.<a>.1/24) and `lanB` (198.18.<a+1>.1/24). */
  multi: string;
  lanA: string;
  lanB: string;
  /** The namespaces at the other ends, each with its end of one link (`peerA`: .2 on A, `peerB` on B). */
  nsA: string;
  nsB: string;
  peerA: string;
  peerB: string;
}

/**
 * Three namespaces: one ("multi") on two LAN links, each link's other end in a namespace of its own.
 * `prefix` (a few letters) names them, `subnet` is the third octet of link A's 198.18.x.0/24 (B gets
 * the next). The multicast route in "multi" points at lanA, so a socket meant for lanB only hears lanA
 * through Linux's IP_MULTICAST_ALL — what the interface-restriction tests check. Deleted when the test
 * finishes, also on failure.
 */
export function twoLinkNamespaces(prefix: string, subnet: number): TwoLinks {
  const tag = `${process.pid % 100000}`;
  const n: TwoLinks = {
    multi: `${prefix}-m-${tag}`,
    nsA: `${prefix}-a-${tag}`,
    nsB: `${prefix}-b-${tag}`,
    lanA: `${prefix}la${tag}`,
    lanB: `${prefix}lb${tag}`,
    peerA: `${prefix}pa${tag}`,
    peerB: `${prefix}pb${tag}`,
  };
  onTestFinished(() => {
    for (const ns of [n.multi, n.nsA, n.nsB]) spawnSync('ip', ['netns', 'del', ns]);
  });
  for (const ns of [n.multi, n.nsA, n.nsB]) ip('netns', 'add', ns);
  ip('link', 'add', n.lanA, 'netns', n.multi, 'type', 'veth', 'peer', 'name', n.peerA, 'netns', n.nsA);
  ip('link', 'add', n.lanB, 'netns', n.multi, 'type', 'veth', 'peer', 'name', n.peerB, 'netns', n.nsB);
  ip('-n', n.multi, 'link', 'set', 'lo', 'up');
  for (const [dev, cidr] of [
    [n.lanA, `198.18.${subnet}.1/24`],
    [n.lanB, `198.18.${subnet + 1}.1/24`],
  ] as const) {
    ip('-n', n.multi, 'addr', 'add', cidr, 'dev', dev);
    ip('-n', n.multi, 'link', 'set', dev, 'up');
  }
  ip('-n', n.multi, 'route', 'add', '224.0.0.0/4', 'dev', n.lanA);
  upLanInterface(n.nsA, n.peerA, `198.18.${subnet}.2/24`);
  upLanInterface(n.nsB, n.peerB, `198.18.${subnet + 1}.2/24`);
  return n;
}
