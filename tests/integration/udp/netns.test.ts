// Broadcast and multicast between two network namespaces joined by a veth pair (198.18.7.0/24 and
// IPv6 link-local), so nothing ever leaves through the machine's own interfaces. Skipped, with the
// reason printed, where the kernel or the user's rights refuse `ip netns`.
import { afterAll, describe, expect, it } from 'vitest';
import { execFileSync, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { bundled } from '../../helpers/bundle';

const tag = `${process.pid % 100000}`;
const NS_A = `wl7a-${tag}`;
const NS_B = `wl7b-${tag}`;
const IF_A = `w7a${tag}`;
const IF_B = `w7b${tag}`;
// Bundled once (tests/helpers/bundle.ts): a peer starts in a fraction of a second instead of compiling
// the engine through tsx in every child.
const PEER_ENTRY = 'tests/integration/udp/netns-peer.ts';
const TTL_PROBE = fileURLToPath(new URL('./ttl-probe.py', import.meta.url));
const ROOT = fileURLToPath(new URL('../../../', import.meta.url));

function sh(args: string[]): string {
  return execFileSync('ip', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}
function inNs(ns: string, cmd: string[]): string {
  return execFileSync('ip', ['netns', 'exec', ns, ...cmd], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

function teardown(): void {
  for (const ns of [NS_A, NS_B]) {
    try {
      sh(['netns', 'del', ns]);
    } catch {
      // not created
    }
  }
}

function setup(): string | undefined {
  try {
    sh(['netns', 'add', NS_A]);
    sh(['netns', 'add', NS_B]);
    sh(['link', 'add', IF_A, 'type', 'veth', 'peer', 'name', IF_B]);
    sh(['link', 'set', IF_A, 'netns', NS_A]);
    sh(['link', 'set', IF_B, 'netns', NS_B]);
    for (const [ns, dev, addr] of [
      [NS_A, IF_A, '198.18.7.1/24'],
      [NS_B, IF_B, '198.18.7.2/24'],
    ] as const) {
      // No duplicate-address detection: the link-local IPv6 address is usable at once.
      inNs(ns, ['sh', '-c', `echo 0 > /proc/sys/net/ipv6/conf/${dev}/accept_dad`]);
      inNs(ns, ['ip', 'addr', 'add', addr, 'dev', dev]);
      inNs(ns, ['ip', 'link', 'set', 'lo', 'up']);
      inNs(ns, ['ip', 'link', 'set', dev, 'up']);
      inNs(ns, ['ip', 'route', 'add', '224.0.0.0/4', 'dev', dev]);
    }
    const deadline = Date.now() + 5000;
    while (
      !/fe80::/.test(inNs(NS_A, ['ip', '-6', 'addr', 'show', 'dev', IF_A])) ||
      !/fe80::/.test(inNs(NS_B, ['ip', '-6', 'addr', 'show', 'dev', IF_B]))
    ) {
      if (Date.now() > deadline) return 'no IPv6 link-local address appeared on the veth pair';
      execFileSync('sleep', ['0.1']);
    }
    return undefined;
  } catch (err) {
    teardown();
    return `network namespaces unavailable: ${(err as Error).message.split('\n')[0]}`;
  }
}

const skipReason = setup();
process.once('exit', teardown);
if (skipReason) console.log(`[udp netns tests skipped] ${skipReason}`);
afterAll(teardown);

interface Line {
  ready?: number;
  datagram?: string;
  /** From the TTL probe: the TTL or hop limit the datagram arrived with. */
  ttl?: number;
  from?: { address: string; port: number; family: string };
  sent?: unknown;
  error?: string;
  message?: string;
}

type Running = { lines: Line[]; ready: Promise<number>; exited: Promise<number> };

/** An app UDP endpoint in `ns`, configured by `job` (see netns-peer.ts). */
function peer(ns: string, job: Record<string, unknown>): Running {
  return inNamespace(ns, [process.execPath, bundled(PEER_ENTRY), JSON.stringify(job)]);
}

/** A plain receiver in `ns` that joins `group` and reports each datagram's TTL / hop limit. */
function ttlProbe(
  ns: string,
  family: 'udp4' | 'udp6',
  group: string,
  where: string,
  expect: number,
): Running {
  return inNamespace(ns, ['python3', TTL_PROBE, family, group, where, String(expect), '8000']);
}

function inNamespace(ns: string, cmd: string[]): Running {
  const child = spawn('ip', ['netns', 'exec', ns, ...cmd], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  const lines: Line[] = [];
  let buf = '';
  let stderr = '';
  let onReady: (p: number) => void = () => {};
  let onFail: (e: Error) => void = () => {};
  const ready = new Promise<number>((res, rej) => ((onReady = res), (onFail = rej)));
  child.stdout.on('data', (d: Buffer) => {
    buf += d.toString();
    for (let i = buf.indexOf('\n'); i >= 0; i = buf.indexOf('\n')) {
      const l = JSON.parse(buf.slice(0, i)) as Line;
      buf = buf.slice(i + 1);
      lines.push(l);
      if (l.ready !== undefined) onReady(l.ready);
      if (l.error) onFail(new Error(`${l.error}: ${l.message}`));
    }
  });
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<number>((res) =>
    child.on('exit', (code) => {
      onFail(new Error(`peer exited ${code}: ${stderr.slice(0, 500)}`));
      res(code ?? -1);
    }),
  );
  return { lines, ready, exited };
}

describe.skipIf(skipReason !== undefined)('UDP broadcast and multicast between two namespaces', () => {
  it('IPv4 broadcast: a socket with broadcast on reaches a receiver on the subnet', async () => {
    const rx = peer(NS_B, { family: 'udp4', host: '0.0.0.0', port: 0, expect: 1, timeoutMs: 8000 });
    const port = await rx.ready;
    const tx = peer(NS_A, {
      family: 'udp4',
      host: '198.18.7.1',
      port: 0,
      broadcast: true,
      send: { host: '198.18.7.255', port, text: 'hello subnet' },
    });
    expect(await tx.exited).toBe(0);
    await rx.exited;
    expect(rx.lines.find((l) => l.datagram)).toMatchObject({
      datagram: 'hello subnet',
      from: { address: '198.18.7.1' },
    });
  });

  it('IPv4 broadcast without the broadcast option is refused with PERMISSION_DENIED', async () => {
    const tx = peer(NS_A, {
      family: 'udp4',
      host: '198.18.7.1',
      port: 0,
      send: { host: '198.18.7.255', port: 9, text: 'x' },
    });
    expect(await tx.exited).toBe(1);
    expect(tx.lines.find((l) => l.error)).toMatchObject({ error: 'PERMISSION_DENIED' });
  });

  it('IPv4 multicast: join 239.7.7.7 on the veth interface, receive from the other namespace', async () => {
    const rx = peer(NS_B, {
      family: 'udp4',
      host: '0.0.0.0',
      port: 0,
      join: { group: '239.7.7.7', iface: '198.18.7.2' },
      expect: 1,
      timeoutMs: 8000,
    });
    const port = await rx.ready;
    const tx = peer(NS_A, {
      family: 'udp4',
      host: '0.0.0.0',
      port: 0,
      multicastInterface: '198.18.7.1',
      multicastTtl: 1,
      send: { host: '239.7.7.7', port, text: 'to the group' },
    });
    expect(await tx.exited).toBe(0);
    await rx.exited;
    expect(rx.lines.find((l) => l.datagram)).toMatchObject({
      datagram: 'to the group',
      from: { address: '198.18.7.1' },
    });
  });

  it('IPv4 multicast: a socket that did not join receives nothing', async () => {
    const rx = peer(NS_B, { family: 'udp4', host: '0.0.0.0', port: 0, expect: 1, timeoutMs: 1500 });
    const port = await rx.ready;
    const tx = peer(NS_A, {
      family: 'udp4',
      host: '0.0.0.0',
      port: 0,
      multicastInterface: '198.18.7.1',
      send: { host: '239.7.7.8', port, text: 'unheard' },
    });
    expect(await tx.exited).toBe(0);
    await rx.exited;
    expect(rx.lines.filter((l) => l.datagram)).toHaveLength(0);
  });

  it('IPv4 multicast: after leave, the group datagrams no longer arrive', async () => {
    const rx = peer(NS_B, {
      family: 'udp4',
      host: '0.0.0.0',
      port: 0,
      join: { group: '239.7.7.9', iface: '198.18.7.2' },
      leaveAgain: true,
      expect: 1,
      timeoutMs: 1500,
    });
    const port = await rx.ready;
    const tx = peer(NS_A, {
      family: 'udp4',
      host: '0.0.0.0',
      port: 0,
      multicastInterface: '198.18.7.1',
      send: { host: '239.7.7.9', port, text: 'after leave' },
    });
    expect(await tx.exited).toBe(0);
    await rx.exited;
    expect(rx.lines.filter((l) => l.datagram)).toHaveLength(0);
  });

  it('IPv6 multicast: join ff12::7 by interface name, send with the hop limit on the veth scope', async () => {
    const rx = peer(NS_B, {
      family: 'udp6',
      host: '::',
      port: 0,
      join: { group: 'ff12::7', iface: IF_B },
      expect: 1,
      timeoutMs: 8000,
    });
    const port = await rx.ready;
    const tx = peer(NS_A, {
      family: 'udp6',
      host: '::',
      port: 0,
      multicastInterface: IF_A,
      multicastTtl: 1,
      send: { host: 'ff12::7', port, text: 'v6 group' },
    });
    expect(await tx.exited).toBe(0);
    await rx.exited;
    const got = rx.lines.find((l) => l.datagram);
    expect(got).toMatchObject({ datagram: 'v6 group', from: { family: 'IPv6' } });
    expect(got?.from?.address).toMatch(/^fe80::/);
  });

  for (const [family, group, rxWhere, txIface] of [
    ['udp4', '239.7.7.10', '198.18.7.2', '198.18.7.1'],
    ['udp6', 'ff12::10', IF_B, IF_A],
  ] as const) {
    const what = family === 'udp4' ? 'TTL' : 'hop limit';
    it(`the multicast ${what} set in the app is the one on the wire, and changing it on a live socket takes effect (${family})`, async () => {
      const rx = ttlProbe(NS_B, family, group, rxWhere, 2);
      const port = await rx.ready;
      const tx = peer(NS_A, {
        family,
        host: family === 'udp4' ? '0.0.0.0' : '::',
        port: 0,
        multicastInterface: txIface,
        multicastTtl: 7,
        send: { host: group, port, text: 'first' },
        then: { multicastTtl: 42, text: 'second' },
      });
      expect(await tx.exited).toBe(0);
      await rx.exited;
      // One hop on the veth pair and no router between: the receiver sees exactly what was set.
      expect(rx.lines.filter((l) => l.datagram)).toEqual([
        { datagram: 'first', ttl: 7 },
        { datagram: 'second', ttl: 42 },
      ]);
    });
  }
});
