// Room-server discovery bound to one interface stays on that link. Namespace "multi" has two LAN links:
// lanA to the namespace of "pa", lanB to the namespace of "pb" (198.18.4.0/24 and 198.18.5.0/24). In
// "multi", x hosts and browses on lanA only and y on lanB only; pa and pb on their own link. pa and x
// find each other, pb and y too — so both links carry DNS-SD — but x never lists pb's server, y never
// pa's, and pa and pb never list the server of the other link. Linux hands multicast that arrived on
// lanA to y's socket as well once x joined the group there; the discovery drops packets from outside
// its link's networks (onlyFromLink). Multicast never leaves these namespaces. Skipped without root.
import { describe, expect, it } from 'vitest';
import { bundled } from '../../helpers/bundle';
import { netnsUnavailable, startInNetns, twoLinkNamespaces } from '../../helpers/netns';
import { tempDir } from './helpers';

const why = netnsUnavailable();
if (why) console.warn(`[chat interfaces test] skipped: ${why}`);

describe('chat: room-server discovery only on the interface it is bound to (network namespaces)', () => {
  it.skipIf(why !== undefined)(
    'servers on two links of one namespace are each found on their own link only',
    async () => {
      const n = twoLinkNamespaces('wlci', 4);
      // Each instance hosts a server named after it, announced on its interface, and looks for its peer.
      const script = bundled('tests/integration/chat/fixtures/lan-instance.ts');
      const procs = {
        x: startInNetns(n.multi, 'x', script, [tempDir(), 'x', n.lanA, 'pa']),
        y: startInNetns(n.multi, 'y', script, [tempDir(), 'y', n.lanB, 'pb']),
        pa: startInNetns(n.nsA, 'pa', script, [tempDir(), 'pa', n.peerA, 'x']),
        pb: startInNetns(n.nsB, 'pb', script, [tempDir(), 'pb', n.peerB, 'y']),
      };
      for (const [name, p] of Object.entries(procs))
        await p.waitFor((o) => o.type === 'found', 45_000, `${name} finding its peer`);
      const listed = (name: keyof typeof procs) =>
        procs[name].lines.filter((o) => o.type === 'up').map((o) => String(o.name));
      // A few seconds more of announcements and answers on both links before looking.
      await new Promise((r) => setTimeout(r, 3000));
      expect(listed('x')).toContain('pa');
      expect(listed('y')).toContain('pb');
      expect(listed('x'), 'x listed a server of a link it is not bound to').not.toContain('pb');
      expect(listed('y'), 'y listed a server of a link it is not bound to').not.toContain('pa');
      expect(listed('pa'), 'pa heard y on another link').not.toContain('y');
      expect(listed('pb'), 'pb heard x on another link').not.toContain('x');
    },
    150_000,
  );
});
