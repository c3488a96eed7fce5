// Address rules of the UDP engine: which socket family a host needs, what counts as a multicast group,
// how an interface choice is spelled for each family, and the largest payload toward a destination.
// Pure except for DNS lookups and the list of local interfaces; knows nothing of sessions or events.
import { lookup } from '../common/resolve';
import { isIP } from 'node:net';
import { networkInterfaces } from 'node:os';
import { UDP_DEFAULTS, type UdpFamily } from '../../../shared/contract/udp';
import { EngineError, toEngineError } from '../common/errors';

/** udp6 for IPv6 literals and names that resolve to IPv6 first; udp4 otherwise. */
export async function familyForHost(host: string): Promise<UdpFamily> {
  const v = isIP(host);
  if (v === 4) return 'udp4';
  if (v === 6) return 'udp6';
  try {
    const r = await lookup(host);
    return r.family === 6 ? 'udp6' : 'udp4';
  } catch (err) {
    throw toEngineError(err, `resolve ${host}`);
  }
}

export function isMulticastGroup(group: string): 4 | 6 | 0 {
  const v = isIP(group);
  if (v === 4) {
    const first = Number(group.split('.')[0]);
    return first >= 224 && first <= 239 ? 4 : 0;
  }
  if (v === 6) return /^ff[0-9a-f]{2}:/i.test(group) ? 6 : 0;
  return 0;
}

/** Throws INVALID_MULTICAST_GROUP / ADDRESS_FAMILY_MISMATCH unless `group` is a group of the socket's family. */
export function checkGroup(group: string, family: UdpFamily): void {
  const v = isMulticastGroup(group);
  if (v === 0)
    throw new EngineError('INVALID_MULTICAST_GROUP', `"${group}" is not a multicast group address`);
  if ((v === 4) !== (family === 'udp4')) {
    throw new EngineError('ADDRESS_FAMILY_MISMATCH', `group ${group} is IPv${v}, the socket is ${family}`);
  }
}

/**
 * The interface argument Node expects: IPv4 wants the interface's own address; IPv6 wants "::%name"
 * (a scope), so a bare interface name is turned into that. Unknown names are INVALID_INPUT here rather
 * than an opaque EINVAL from the kernel.
 */
export function interfaceArg(iface: string, family: UdpFamily): string {
  if (family === 'udp4') {
    if (isIP(iface) !== 4) {
      const addr = networkInterfaces()[iface]?.find((a) => a.family === 'IPv4')?.address;
      if (!addr)
        throw new EngineError(
          'INVALID_INPUT',
          `interface "${iface}": give an IPv4 address of a local interface (or an interface name with one)`,
        );
      return addr;
    }
    return iface;
  }
  if (isIP(iface) === 6) return iface;
  const name = iface.startsWith('%') ? iface.slice(1) : iface;
  if (!networkInterfaces()[name])
    throw new EngineError('INVALID_INPUT', `no network interface named "${name}"`);
  return `::%${name}`;
}

/**
 * Where a datagram really goes: a udp6 socket reaches IPv4 hosts through IPv4-mapped addresses; a
 * udp4 socket cannot reach IPv6 at all.
 */
export function destinationFor(
  host: string,
  family: UdpFamily,
  ipv6Only: boolean,
): { address: string; ipv4Path: boolean } {
  const v = isIP(host);
  if (family === 'udp4') {
    if (v === 6)
      throw new EngineError('ADDRESS_FAMILY_MISMATCH', `${host} is IPv6 and this socket is IPv4 (udp4)`);
    return { address: host, ipv4Path: true };
  }
  if (v === 4) {
    if (ipv6Only)
      throw new EngineError('ADDRESS_FAMILY_MISMATCH', `${host} is IPv4 and this socket is IPv6-only`);
    return { address: `::ffff:${host}`, ipv4Path: true };
  }
  return { address: host, ipv4Path: v === 6 ? /^::ffff:\d/i.test(host) : false };
}

export function maxPayload(ipv4Path: boolean): number {
  return ipv4Path ? UDP_DEFAULTS.maxPayloadIPv4 : UDP_DEFAULTS.maxPayloadIPv6;
}

export function checkSize(bytes: number, ipv4Path: boolean): void {
  const max = maxPayload(ipv4Path);
  if (bytes > max) {
    throw new EngineError(
      'DATAGRAM_TOO_LARGE',
      `${bytes} bytes; one UDP datagram carries at most ${max} bytes over ${ipv4Path ? 'IPv4' : 'IPv6'}`,
    );
  }
}

/** "a.b.c.d:p" or "[v6]:p". */
export { formatPeer } from '../common/net';
