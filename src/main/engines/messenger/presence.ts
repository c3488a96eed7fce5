// Presence on the LAN by DNS-SD over multicast DNS (bonjour-service): we announce `_wirelab._tcp` with a
// TXT record — v (protocol version), id (instance id), nick, st (online/away), fp (certificate SHA-256) —
// and browse for the others. One mDNS socket per allowed interface (multicast membership and outgoing
// packets on that interface's IPv4 address), so announcing stays on the interfaces the user allows.
// Nothing here exists while discovery is off: no socket is opened. A status change is announced by
// withdrawing (goodbye, TTL 0) and republishing the record; peers with an open connection hear it
// over the connection first, and the connection — not the record — says whether they are online.
// Packets are taken only from senders on the interface's own IPv4 networks (onlyFromLink, in
// common/lan-interfaces.ts, says why).
import { isIPv4 } from 'node:net';
import { Bonjour, type Browser, type Service, type ServiceConfig } from 'bonjour-service';
import { MESSENGER_DEFAULTS } from '../../../shared/contract/messenger';
import { interfaceIPv4, linkNetworks, onlyFromLink, txtString } from '../common/lan-interfaces';
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
      onlyFromLink(bonjour, linkNetworks(address));
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
