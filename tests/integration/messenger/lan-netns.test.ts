// Three Wirelab instances on a LAN with no host: three network namespaces on one bridge (a fourth
// namespace holds the bridge), 198.18.1.0/24. They find each other by DNS-SD only (no addresses given),
// then a direct conversation (alpha and gamma) and a three-person group carry 1,000 messages each while
// links are cut (ip link set down on the bridge side) and gamma is SIGKILLed and restarted. At the end
// every member has every message exactly once and in the same order; what was written to gamma while it
// was away reaches it after it returns — the group messages although their sender is cut off by then
// (filled from the third member), the direct ones from alpha's outbox — and what gamma writes to alpha
// while alpha is cut off waits in gamma's outbox. Multicast never leaves these namespaces. Skipped,
// saying why, without root.
import { spawnSync, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { describe, expect, it, onTestFinished } from 'vitest';
import { bundled } from '../../helpers/bundle';
import {
  ip,
  netnsUnavailable,
  startInNetns,
  upLanInterface,
  type JsonLine,
  type NetnsProcess,
} from '../../helpers/netns';
import { tempDir } from './helpers';

const why = netnsUnavailable();
if (why) console.warn(`[messenger LAN test] skipped: ${why}`);

type Line = JsonLine;

class Peer {
  private child!: NetnsProcess;
  id = '';
  private ref = 0;

  constructor(
    readonly name: string,
    readonly ns: string,
    readonly dir: string,
    readonly dev: string,
  ) {}

  get proc(): ChildProcessWithoutNullStreams {
    return this.child.proc;
  }

  get lines(): Line[] {
    return this.child.lines;
  }

  async start(): Promise<void> {
    const script = bundled('tests/integration/messenger/fixtures/lan-peer.ts');
    this.child = startInNetns(this.ns, this.name, script, [this.dir, this.name, this.dev, '47100']);
    const ready = await this.waitFor((o) => o.event === 'ready', 30_000, 'ready');
    this.id = String(ready.id);
  }

  kill(): Promise<void> {
    return new Promise((resolve) => {
      this.proc.once('exit', () => resolve());
      this.proc.kill('SIGKILL');
    });
  }

  waitFor(pred: (o: Line) => boolean, ms: number, what: string): Promise<Line> {
    return this.child.waitFor(pred, ms, what);
  }

  async call(cmd: Line): Promise<Line> {
    const ref = ++this.ref;
    this.proc.stdin.write(`${JSON.stringify({ ...cmd, ref })}\n`);
    const answer = await this.waitFor((o) => o.ref === ref, 30_000, `answer to ${String(cmd.cmd)}`);
    if (answer.error) throw new Error(`${this.name} ${String(cmd.cmd)}: ${String(answer.error)}`);
    return answer;
  }

  async connectedTo(others: Peer[]): Promise<boolean> {
    const { peers } = (await this.call({ cmd: 'peers' })) as { peers: { id: string; connected: boolean }[] };
    return others.every((o) => peers.some((p) => p.id === o.id && p.connected));
  }

  async ids(conv: string): Promise<string[]> {
    return ((await this.call({ cmd: 'ids', conv })) as { ids: string[] }).ids;
  }

  burst(conv: string, count: number, prefix: string): Promise<Line> {
    return this.call({ cmd: 'burst', conv, count, prefix });
  }
}

describe('messenger: three instances on a LAN without a host (network namespaces)', () => {
  it.skipIf(why !== undefined)(
    'see each other by DNS-SD; a DM and a group carry 1,000 messages each through cut links and a kill',
    async () => {
      const tag = `${process.pid % 100000}`;
      const sw = `wlm-sw-${tag}`;
      const names = ['alpha', 'beta', 'gamma'] as const;
      const nss = names.map((n) => `wlm-${n[0]}-${tag}`);
      onTestFinished(() => {
        for (const ns of [...nss, sw]) spawnSync('ip', ['netns', 'del', ns]);
      });
      ip('netns', 'add', sw);
      ip('-n', sw, 'link', 'add', 'br0', 'type', 'bridge');
      ip('-n', sw, 'link', 'set', 'br0', 'up');
      const swDev = (i: number) => `vs${i}${tag}`;
      const peers: Peer[] = [];
      for (let i = 0; i < 3; i++) {
        const ns = nss[i]!;
        const dev = `vm${i}${tag}`;
        ip('netns', 'add', ns);
        ip('link', 'add', dev, 'netns', ns, 'type', 'veth', 'peer', 'name', swDev(i), 'netns', sw);
        ip('-n', sw, 'link', 'set', swDev(i), 'master', 'br0');
        ip('-n', sw, 'link', 'set', swDev(i), 'up');
        upLanInterface(ns, dev, `198.18.1.${i + 1}/24`);
        peers.push(new Peer(names[i]!, ns, tempDir(), dev));
      }
      const cut = (i: number) => ip('-n', sw, 'link', 'set', swDev(i), 'down');
      const mend = (i: number) => ip('-n', sw, 'link', 'set', swDev(i), 'up');
      const [a, b, c] = peers as [Peer, Peer, Peer];
      await Promise.all(peers.map((p) => p.start()));

      // No addresses were given to anyone: they meet through DNS-SD and connect directly.
      for (const p of peers)
        await expect
          .poll(() => p.connectedTo(peers.filter((o) => o !== p)), { timeout: 60_000, interval: 500 })
          .toBe(true);

      const dm = String(
        ((await a.call({ cmd: 'dm', peer: c.id })) as { conversation: { id: string } }).conversation.id,
      );
      await c.call({ cmd: 'dm', peer: a.id });
      const group = String(
        (
          (await a.call({ cmd: 'group', name: 'team', members: [b.id, c.id] })) as {
            conversation: { id: string };
          }
        ).conversation.id,
      );
      await expect.poll(async () => (await c.ids(group)).length, { timeout: 30_000 }).toBe(1);

      // Phase 1: everyone writes while gamma's link is cut and mended (gamma's direct messages wait).
      await Promise.all([
        a.burst(dm, 250, 'a-dm-'),
        a.burst(group, 200, 'a-g1-'),
        b.burst(group, 200, 'b-g1-'),
        c.burst(group, 200, 'c-g1-'),
      ]);
      cut(2);
      await Promise.all([c.burst(dm, 250, 'c-dm-'), a.burst(group, 50, 'a-g1cut-')]);
      await new Promise((r) => setTimeout(r, 3000));
      mend(2);
      // gamma's own messages must be out before it dies: nobody else could ever have them.
      const phase1 = 1 + 200 * 3 + 50;
      for (const p of peers)
        await expect
          .poll(async () => (await p.ids(group)).length, { timeout: 60_000, interval: 500 })
          .toBe(phase1);

      // Phase 2: gamma is killed; alpha and beta write (beta's link cut for a while); then alpha is cut
      // off and gamma comes back: alpha's group messages can only come from beta, and gamma's direct
      // messages to alpha wait until alpha's link is mended.
      await c.kill();
      cut(1);
      await Promise.all([a.burst(dm, 250, 'a-dm2-'), a.burst(group, 200, 'a-g2-')]);
      mend(1);
      await b.burst(group, 149, 'b-g2-');
      const groupTotal = 1 + 200 * 3 + 50 + 200 + 149;
      await expect
        .poll(async () => (await b.ids(group)).length, { timeout: 60_000, interval: 500 })
        .toBe(groupTotal)
        .catch(async (err: Error) => {
          const state = await Promise.all([a, b].map((p) => p.call({ cmd: 'peers' })));
          throw new Error(
            `${err.message}; peers ${JSON.stringify(state)}; a ${a.lines
              .filter((l) => l.event)
              .slice(-30)
              .map((l) => JSON.stringify(l))
              .join(' ')} b ${b.lines
              .filter((l) => l.event)
              .slice(-30)
              .map((l) => JSON.stringify(l))
              .join(' ')}`,
          );
        });
      cut(0);
      await c.start();
      await expect
        .poll(async () => (await c.ids(group)).length, { timeout: 60_000, interval: 500 })
        .toBe(groupTotal);
      await c.burst(dm, 250, 'c-dm2-');
      mend(0);

      // Everyone has everything once, in one order.
      for (const p of peers)
        await expect
          .poll(async () => (await p.ids(group)).length, { timeout: 60_000, interval: 500 })
          .toBe(groupTotal);
      const [ga, gb, gc] = await Promise.all(peers.map((p) => p.ids(group)));
      expect(new Set(ga).size).toBe(groupTotal);
      expect(gb).toEqual(ga);
      expect(gc).toEqual(ga);
      for (const p of [a, c])
        await expect
          .poll(async () => (await p.ids(dm)).length, { timeout: 60_000, interval: 500 })
          .toBe(1000);
      const [da, dc] = await Promise.all([a.ids(dm), c.ids(dm)]);
      expect(new Set(da).size).toBe(1000);
      expect(dc).toEqual(da);
    },
    300_000,
  );
});
