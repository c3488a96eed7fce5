// Announcing and browsing stay on the interfaces the user allows. Namespace "multi" has two LAN links:
// lanA to the namespace of "pa", lanB to the namespace of "pb" (198.18.2.0/24 and 198.18.3.0/24). In
// "multi", x runs with lanA only and y with lanB only. pa meets x, pb meets y — so both links carry
// DNS-SD — but pb never sees x and pa never sees y, although x and y announce all the time (every
// browse refresh) on the same links. Multicast never leaves these namespaces. Skipped without root.
import { describe, expect, it } from 'vitest';
import { bundled } from '../../helpers/bundle';
import { netnsUnavailable, startInNetns, twoLinkNamespaces, type NetnsProcess } from '../../helpers/netns';
import { tempDir } from './helpers';

const why = netnsUnavailable();
if (why) console.warn(`[messenger interfaces test] skipped: ${why}`);

describe('messenger: DNS-SD only on the allowed interfaces (network namespaces)', () => {
  it.skipIf(why !== undefined)(
    'an instance allowed one of two links is seen on that link only',
    async () => {
      const n = twoLinkNamespaces('wlmi', 2);
      const script = bundled('tests/integration/messenger/fixtures/lan-peer.ts');
      const run = (ns: string, name: string, dev: string, port: number) =>
        startInNetns(ns, name, script, [tempDir(), name, dev, String(port)]);
      const procs = {
        x: run(n.multi, 'x', n.lanA, 47110),
        y: run(n.multi, 'y', n.lanB, 47111),
        pa: run(n.nsA, 'pa', n.peerA, 47112),
        pb: run(n.nsB, 'pb', n.peerB, 47113),
      };
      const ids: Record<string, string> = {};
      for (const [name, p] of Object.entries(procs))
        ids[name] = String((await p.waitFor((o) => o.event === 'ready', 30_000, `${name} ready`)).id);
      const sees = (p: NetnsProcess, id: string) => p.lines.some((o) => o.event === 'peer' && o.id === id);
      const meets = (p: NetnsProcess, id: string, what: string) =>
        p.waitFor((o) => o.event === 'peer' && o.id === id && o.connected === true, 60_000, what);

      // Both links carry DNS-SD: each outside instance meets the one allowed on its link.
      await meets(procs.pa, ids.x!, 'pa meets x');
      await meets(procs.pb, ids.y!, 'pb meets y');
      await meets(procs.x, ids.pa!, 'x meets pa');
      await meets(procs.y, ids.pb!, 'y meets pb');
      // x and y go on announcing (every browse refresh, 1 s here) while we watch the other links.
      const until = Date.now() + 5000;
      while (Date.now() < until) {
        expect(sees(procs.pb, ids.x!), 'pb heard x on a link x is not allowed').toBe(false);
        expect(sees(procs.pa, ids.y!), 'pa heard y on a link y is not allowed').toBe(false);
        expect(sees(procs.x, ids.pb!), 'x browsed on a link it is not allowed').toBe(false);
        expect(sees(procs.y, ids.pa!), 'y browsed on a link it is not allowed').toBe(false);
        await new Promise((r) => setTimeout(r, 250));
      }
    },
    180_000,
  );
});
