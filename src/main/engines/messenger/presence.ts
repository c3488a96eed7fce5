// Presence on the LAN by DNS-SD over multicast DNS (bonjour-service): we announce `_wirelab._tcp` with a
// TXT record — v (protocol version), id (instance id), nick, st (online/away), fp (certificate SHA-256) —
// and browse for the others. One mDNS socket per allowed interface (multicast membership and outgoing
// packets on that interface's IPv4 address), so announcing stays on the interfaces the user allows.
// Nothing here exists while discovery is off: no socket is opened. A status change is announced by
// withdrawing (goodbye, TTL 0) and republishing the record; peers with an open connection hear it
// over the connection first, and the connection — not the record — says whether they are online.
// Packets are taken only from senders on the interface's own IPv4 networks: Linux hands a multicast
// packet to every socket in the group whatever interface it arrived on (IP_MULTICAST_ALL) as soon as any
// program — avahi, another instance — joined the group there, so a socket "on" one interface would
// otherwise hear, answer and dial peers of every other link.
import type { EventEmitter } from 'node:events';
import { isIPv4 } from 'node:net';
import { networkInterfaces } from 'node:os';
import { Bonjour, type Browser, type Service, type ServiceConfig } from 'bonjour-service';
import { MESSENGER_DEFAULTS } from '../../../shared/contract/messenger';
import { interfaceIPv4, txtString } from '../common/lan-interfaces';
import { isInstanceId } from './protocol';

export interface Announcement {
  id: string;
  nick: string;
  status: 'online' | 'away';
  port: number;
  fingerprint: string;
}

export interface AnnouncedPeer {
  id: string;
  nick: string;
  status: 'online' | 'away';
  fingerprint?: string;
  version: number;
  host: string;
  port: number;
  /** The interface (our IPv4 address) it was heard on. */
  via: string;
}

export interface PresenceHooks {
  up(peer: AnnouncedPeer): void;
  down(id: string, via: string): void;
  error(message: string): void;
}

interface OnInterface {
  address: string;
  bonjour: Bonjour;
  service?: Service;
  browser?: Browser;
}

export class Presence {
  private readonly on: OnInterface[] = [];
  private refreshTimer?: NodeJS.Timeout;

  /** `interfaces`: names or IPv4 addresses (resolved now; an unknown one throws MESSENGER… coded). */
  constructor(
    interfaces: string[],
    private readonly refreshMs: number,
    private readonly hooks: PresenceHooks,
  ) {
    for (const spec of interfaces) {
      const address = interfaceIPv4(spec, 'CHAT_DISCOVERY_FAILED');
      // Binding the socket to the unicast address would filter out multicast on Linux, hence 0.0.0.0.
      const opts = { interface: address, bind: '0.0.0.0' } as unknown as Partial<ServiceConfig>;
      const bonjour = new Bonjour(opts, (err: Error) => hooks.error(`${spec}: ${err.message}`));
      // Packets from outside the interface's own networks arrived on another link (see the top).
      onlyFrom(bonjour, linkNetworks(address));
      this.on.push({ address, bonjour });
    }
  }

  get addresses(): string[] {
    return this.on.map((o) => o.address);
  }

  announce(a: Announcement): void {
    for (const o of this.on) {
      o.service = o.bonjour.publish({
        // Instance names must be unique on the link: the id is; the nickname travels in TXT.
        name: `${a.nick.slice(0, 40)} [${a.id}]`,
        type: MESSENGER_DEFAULTS.serviceType,
        protocol: 'tcp',
        port: a.port,
        host: `wirelab-${a.id}.local`,
        probe: false,
        disableIPv6: true,
        txt: {
          v: String(MESSENGER_DEFAULTS.protocolVersion),
          id: a.id,
          nick: a.nick,
          st: a.status,
          fp: a.fingerprint,
        },
      });
      o.service.on('error', (err: Error) => this.hooks.error(err.message));
    }
  }

  /** Goodbye on every interface (TTL 0): browsers drop us at once. */
  async withdraw(): Promise<void> {
    await Promise.all(
      this.on.map(
        (o) =>
          new Promise<void>((resolve) => {
            const s = o.service;
            o.service = undefined;
            if (!s) return resolve();
            const t = setTimeout(resolve, 1000);
            s.stop?.(() => {
              clearTimeout(t);
              resolve();
            });
          }),
      ),
    );
  }

  async reannounce(a: Announcement): Promise<void> {
    await this.withdraw();
    this.announce(a);
  }

  browse(): void {
    for (const o of this.on) {
      if (o.browser) continue;
      const b = o.bonjour.find({ type: MESSENGER_DEFAULTS.serviceType, protocol: 'tcp' });
      const up = (s: Service) => {
        const p = toPeer(s, o.address);
        if (p) this.hooks.up(p);
      };
      b.on('up', up);
      b.on('txt-update', up);
      b.on('srv-update', up);
      b.on('down', (s: Service) => {
        const id = txtString(s.txt, 'id');
        if (id && isInstanceId(id)) this.hooks.down(id, o.address);
      });
      o.browser = b;
    }
    if (!this.refreshTimer) {
      this.refreshTimer = setInterval(() => {
        for (const o of this.on) {
          o.browser?.expire();
          o.browser?.update();
        }
      }, this.refreshMs);
      this.refreshTimer.unref();
    }
  }

  async close(): Promise<void> {
    clearInterval(this.refreshTimer);
    this.refreshTimer = undefined;
    await this.withdraw();
    for (const o of this.on) {
      o.browser?.stop();
      o.browser = undefined;
    }
    await Promise.all(this.on.map((o) => new Promise<void>((resolve) => o.bonjour.destroy(() => resolve()))));
    this.on.length = 0;
  }
}

interface Network {
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
 * its responder or browsers see them. (bonjour-service keeps its multicast-dns instance private; the
 * interface-restriction test fails if that ever changes.)
 */
function onlyFrom(bonjour: Bonjour, networks: Network[]): void {
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

function toPeer(s: Service, via: string): AnnouncedPeer | undefined {
  const id = txtString(s.txt, 'id');
  const nick = txtString(s.txt, 'nick');
  if (!id || !isInstanceId(id) || !nick) return undefined;
  const referer = s.referer?.address;
  const addresses = (s.addresses ?? []).filter((a) => isIPv4(a));
  // The packet's source is reachable by definition; A records may list other interfaces' addresses.
  const host = referer && isIPv4(referer) ? referer : addresses[0];
  if (!host) return undefined;
  const fp = txtString(s.txt, 'fp');
  return {
    id,
    nick,
    status: txtString(s.txt, 'st') === 'away' ? 'away' : 'online',
    fingerprint: fp ? fp : undefined,
    version: Number(txtString(s.txt, 'v') ?? '0'),
    host,
    port: s.port,
    via,
  };
}
