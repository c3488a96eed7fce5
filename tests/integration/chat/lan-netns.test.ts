// Two Wirelab instances on a LAN: two network namespaces joined by a veth pair (198.18.0.0/15), an
// instance's chat engines in each. They find each other through mDNS (DNS-SD `_wirelab-chat._tcp`), chat
// both ways over TLS with the fingerprint from the TXT record, and a stopped server disappears from the
// other's list. Multicast never leaves these namespaces. Skipped, saying why, where `ip netns` is unavailable.
import { describe, expect, it, onTestFinished } from 'vitest';
import { spawnSync } from 'node:child_process';
import { tempDir } from './helpers';
import { bundled } from '../../helpers/bundle';
import { ip, netnsUnavailable, startInNetns, upLanInterface, type NetnsProcess } from '../../helpers/netns';

const why = netnsUnavailable();
if (why) console.warn(`[chat LAN test] skipped: ${why}`);

function startInstance(ns: string, dir: string, name: string, iface: string, peer: string): NetnsProcess {
  // Bundled once (tests/helpers/bundle.ts), so each instance starts without compiling through tsx.
  return startInNetns(ns, name, bundled('tests/integration/chat/fixtures/lan-instance.ts'), [
    dir,
    name,
    iface,
    peer,
  ]);
}

describe('chat: two instances on a LAN (network namespaces)', () => {
  it.skipIf(why !== undefined)(
    'find each other through mDNS and chat both ways; a stopped server disappears',
    async () => {
      const tag = `${process.pid % 100000}`;
      const nsA = `wlchat-a-${tag}`;
      const nsB = `wlchat-b-${tag}`;
      // Cleanup registered before anything exists, so a failure half-way still removes what was made.
      onTestFinished(() => {
        spawnSync('ip', ['netns', 'del', nsA]);
        spawnSync('ip', ['netns', 'del', nsB]);
      });
      ip('netns', 'add', nsA);
      ip('netns', 'add', nsB);
      ip('link', 'add', `vca${tag}`, 'netns', nsA, 'type', 'veth', 'peer', 'name', `vcb${tag}`, 'netns', nsB);
      for (const [ns, dev, addr] of [
        [nsA, `vca${tag}`, '198.18.0.1/24'],
        [nsB, `vcb${tag}`, '198.18.0.2/24'],
      ] as const) {
        upLanInterface(ns, dev, addr);
      }
      const a = startInstance(nsA, tempDir(), 'alpha', `vca${tag}`, 'beta');
      const b = startInstance(nsB, tempDir(), 'beta', `vcb${tag}`, 'alpha');
      const foundByA = await a.waitFor((o) => o.type === 'found', 45_000, 'discovering beta');
      const foundByB = await b.waitFor((o) => o.type === 'found', 45_000, 'discovering alpha');
      expect(foundByA).toMatchObject({ name: 'beta', host: '198.18.0.2', tls: true });
      expect(foundByB).toMatchObject({ name: 'alpha', host: '198.18.0.1', tls: true });
      expect(String(foundByA.fingerprint)).toMatch(/^[0-9A-F]{2}(:[0-9A-F]{2}){31}$/);
      // Both ways: each instance's local member reads the visitor from the other namespace.
      await b.waitFor(
        (o) => o.type === 'received' && o.from === 'alpha-visitor' && o.text === 'hello from alpha',
        20_000,
        'alpha → beta',
      );
      await a.waitFor(
        (o) => o.type === 'received' && o.from === 'beta-visitor' && o.text === 'hello from beta',
        20_000,
        'beta → alpha',
      );
      // `wirelab chat list` in beta's namespace sees both servers too (as avahi-browse would).
      const cli = bundled('src/cli/index.ts');
      const list = spawnSync(
        'ip',
        [
          'netns',
          'exec',
          nsB,
          process.execPath,
          cli,
          'chat',
          'list',
          '--wait',
          '4000',
          '--interface',
          `vcb${tag}`,
          '--json',
        ],
        {
          encoding: 'utf8',
          env: { ...process.env, WIRELAB_CLI_MAIN: '1' },
          timeout: 60_000,
        },
      );
      expect(list.status, list.stderr).toBe(0);
      const names = list.stdout
        .split('\n')
        .filter((l) => l.includes('"type":"server"'))
        .map((l) => (JSON.parse(l) as { name: string }).name)
        .sort();
      expect(names).toEqual(['alpha', 'beta']);
      // Stopping alpha's server withdraws its announcement: beta sees it go.
      a.proc.stdin.write('stop\n');
      await a.waitFor((o) => o.type === 'stopped', 10_000, 'alpha stopped');
      await b.waitFor((o) => o.type === 'down' && o.name === 'alpha', 10_000, 'alpha disappearing from beta');
    },
    120_000,
  );
});
