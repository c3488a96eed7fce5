// Which link a DNS-SD packet came from, told by its source address: only senders on the allowed
// interface's own IPv4 networks count (presence.ts explains why the socket alone cannot tell).
import { describe, expect, it } from 'vitest';
import { linkNetworks, onNetworks } from '../../../src/main/engines/common/lan-interfaces';

const net = (base: string, bits: number) => {
  const toInt = (ip: string) => ip.split('.').reduce((n, p) => ((n << 8) | Number(p)) >>> 0, 0);
  const mask = bits === 0 ? 0 : (0xffffffff << (32 - bits)) >>> 0;
  return { base: toInt(base) & mask, mask };
};

describe('presence: packets from the allowed link only', () => {
  it('takes sources inside the interface networks, refuses the others and non-IPv4 ones', () => {
    const nets = [net('198.18.2.0', 24), net('10.20.0.0', 16)];
    for (const ok of ['198.18.2.1', '198.18.2.254', '10.20.255.3'])
      expect(onNetworks(nets, ok), ok).toBe(true);
    for (const no of ['198.18.3.2', '10.21.0.1', '192.168.1.1', 'fe80::1', '', 'x'])
      expect(onNetworks(nets, no), no).toBe(false);
    expect(onNetworks([], '198.18.2.1')).toBe(false);
  });

  it('reads the networks of the interface owning an address (loopback here)', () => {
    const nets = linkNetworks('127.0.0.1');
    expect(onNetworks(nets, '127.0.0.53')).toBe(true);
    expect(onNetworks(nets, '128.0.0.1')).toBe(false);
    expect(linkNetworks('203.0.113.250')).toEqual([]);
  });
});
