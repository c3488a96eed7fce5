// Interfaces for LAN discovery (DNS-SD over multicast DNS) and TXT record values, shared by the chat
// engine's server discovery and the messenger's presence: multicast goes out of an interface chosen
// by its IPv4 address, only packets from that interface's networks are heard, and a TXT value may
// arrive as a string or as bytes.
import type { EventEmitter } from 'node:events';
import { isIPv4 } from 'node:net';
import { networkInterfaces } from 'node:os';
import type { ErrorCode } from '../../../shared/errors';
import { EngineError } from './errors';

/** Resolves an interface name or one of its IPv4 addresses to the IPv4 address multicast should use. */
export function interfaceIPv4(spec: string, code: ErrorCode): string {
  if (isIPv4(spec)) return spec;
  const list = networkInterfaces()[spec];
  const v4 = list?.find((a) => a.family === 'IPv4');
  if (!v4)
    throw new EngineError(
      code,
      `interface "${spec}" has no IPv4 address (known: ${Object.keys(networkInterfaces()).join(', ')})`,
    );
  return v4.address;
}

/** Every interface with an IPv4 address that is not loopback: where a LAN messenger announces by default. */
export function lanInterfaces(): { name: string; address: string }[] {
  const out: { name: string; address: string }[] = [];
  for (const [name, addrs] of Object.entries(networkInterfaces())) {
    const v4 = addrs?.find((a) => a.family === 'IPv4' && !a.internal);
    if (v4) out.push({ name, address: v4.address });
  }
  return out;
}

export function txtString(txt: unknown, key: string): string | undefined {
  if (!txt || typeof txt !== 'object') return undefined;
  const v = (txt as Record<string, unknown>)[key];
  if (typeof v === 'string') return v;
  if (v instanceof Uint8Array) return Buffer.from(v).toString('utf8');
  return undefined;
}

export interface Network {
  base: number;
  mask: number;
}

function ipv4ToInt(ip: string): number {
  return ip.split('.').reduce((n, part) => ((n << 8) | Number(part)) >>> 0, 0);
}

/** The IPv4 networks of the interface that has `address`. */
export function linkNetworks(address: string): Network[] {
  for (const addrs of Object.values(networkInterfaces())) {
    const v4 = (addrs ?? []).filter((a) => a.family === 'IPv4');
    if (!v4.some((a) => a.address === address)) continue;
    return v4.map((a) => {
      const mask = ipv4ToInt(a.netmask);
      return { base: ipv4ToInt(a.address) & mask, mask };
    });
  }
  return [];
}

export function onNetworks(networks: Network[], ip: string): boolean {
  if (!isIPv4(ip)) return false;
  const n = ipv4ToInt(ip);
  return networks.some((w) => (n & w.mask) >>> 0 === w.base >>> 0);
}

/**
 * Drops the queries and responses bonjour's multicast-dns socket hears from outside `networks`, before
 * its responder or browsers see them. Needed for a socket meant for one interface: Linux hands a
 * multicast packet to every socket in the group whatever interface it arrived on (IP_MULTICAST_ALL) as
 * soon as any program — avahi, another instance — joined the group there, so a socket "on" one
 * interface would otherwise hear, answer and dial the peers of every other link. `bonjour` is a
 * bonjour-service instance, which keeps its multicast-dns socket private: the interface-restriction
 * tests (messenger and chat, in network namespaces) fail if that ever changes.
 */
export function onlyFromLink(bonjour: object, networks: Network[]): void {
  const mdns = (bonjour as unknown as { server?: { mdns?: EventEmitter } }).server?.mdns;
  if (!mdns) return;
  const emit = mdns.emit.bind(mdns);
  mdns.emit = (event: string | symbol, ...args: unknown[]): boolean => {
    if (event === 'query' || event === 'response' || event === 'packet') {
      const from = (args[1] as { address?: string } | undefined)?.address;
      if (!from || !onNetworks(networks, from)) return false;
    }
    return emit(event, ...args);
  };
}
