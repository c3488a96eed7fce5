// LAN discovery of chat servers: DNS-SD over multicast DNS (bonjour-service), service type
// `_wirelab-chat._tcp`, so avahi-browse / dns-sd see our servers and we would see theirs.
// TXT record: name (display name), tls ("1"/"0"), fp (SHA-256 certificate fingerprint, TLS only), v (protocol).
// Bound to one interface when asked: multicast membership and outgoing packets use that interface's IPv4
// address only. Created only when discovery is on — an instance with discovery off never opens the
// mDNS socket, which is how tests and benchmarks keep multicast off the machine's outside interface.
import { randomBytes } from 'node:crypto';
import { isIPv4 } from 'node:net';
import { Bonjour, type Browser, type Service, type ServiceConfig } from 'bonjour-service';
import { CHAT_DEFAULTS, type ChatEvent, type DiscoveredServer } from '../../../shared/contract/chat';
import { TypedEmitter } from '../common/emitter';
import { interfaceIPv4, linkNetworks, onlyFromLink, txtString } from '../common/lan-interfaces';
import { PROTOCOL_VERSION } from './protocol';

export interface DiscoveryOptions {
  /** Interface name (e.g. "eth0") or one of its IPv4 addresses; undefined = every interface. */
  interface?: string;
  /** How often the browser asks again and drops servers whose records expired. */
  refreshMs: number;
}

export interface Announcement {
  name: string;
  port: number;
  tls: boolean;
  fingerprint?: string;
}

/** Resolves an interface name or address to the IPv4 address multicast should use. */
export function interfaceAddress(spec: string): string {
  return interfaceIPv4(spec, 'CHAT_DISCOVERY_FAILED');
}

export class ChatDiscovery extends TypedEmitter<ChatEvent> {
  private bonjour?: Bonjour;
  private browser?: Browser;
  private refreshTimer?: NodeJS.Timeout;
  private readonly published = new Map<string, Service>();
  private readonly found = new Map<string, DiscoveredServer>();
  private readonly ownAddress?: string;

  constructor(
    readonly session: string,
    private readonly options: DiscoveryOptions,
  ) {
    super();
    this.ownAddress = options.interface ? interfaceAddress(options.interface) : undefined;
  }

  private instance(): Bonjour {
    if (!this.bonjour) {
      // These options go to multicast-dns (bonjour-service types them as ServiceConfig). Binding the
      // socket to the unicast address would filter out multicast on Linux, hence bind 0.0.0.0.
      const mdnsOptions = this.ownAddress ? { interface: this.ownAddress, bind: '0.0.0.0' } : {};
      this.bonjour = new Bonjour(mdnsOptions as unknown as Partial<ServiceConfig>, (err: Error) => {
        this.emit({
          engine: 'chat',
          type: 'host.error',
          session: this.session,
          at: Date.now(),
          code: 'CHAT_DISCOVERY_FAILED',
          message: err.message,
        });
      });
      // Bound to one interface: packets that arrived on another link are not ours (see onlyFromLink).
      if (this.ownAddress) onlyFromLink(this.bonjour, linkNetworks(this.ownAddress));
    }
    return this.bonjour;
  }

  /** Publishes one server; returns the key to withdraw it with. */
  announce(a: Announcement): string {
    const key = randomBytes(4).toString('hex');
    const service = this.instance().publish({
      // Instance names must be unique on the link; the display name travels in TXT.
      name: `${a.name.slice(0, 50)} [${key}]`,
      type: CHAT_DEFAULTS.serviceType,
      protocol: 'tcp',
      port: a.port,
      host: `wirelab-${key}.local`,
      probe: false,
      disableIPv6: true,
      txt: { name: a.name, tls: a.tls ? '1' : '0', fp: a.fingerprint ?? '', v: String(PROTOCOL_VERSION) },
    });
    service.on('error', (err: Error) => {
      this.emit({
        engine: 'chat',
        type: 'host.error',
        session: this.session,
        at: Date.now(),
        code: 'CHAT_DISCOVERY_FAILED',
        message: err.message,
      });
    });
    this.published.set(key, service);
    return key;
  }

  /** Sends the goodbye (TTL 0) so browsers drop the server at once. */
  withdraw(key: string): Promise<void> {
    const service = this.published.get(key);
    this.published.delete(key);
    if (!service) return Promise.resolve();
    return new Promise((resolve) => {
      const t = setTimeout(resolve, 1000);
      service.stop?.(() => {
        clearTimeout(t);
        resolve();
      });
    });
  }

  /** Starts browsing (idempotent) and returns the servers known now. */
  browse(): DiscoveredServer[] {
    if (!this.browser) {
      const browser = this.instance().find({ type: CHAT_DEFAULTS.serviceType, protocol: 'tcp' });
      browser.on('up', (s: Service) => this.onUp(s));
      browser.on('txt-update', (s: Service) => this.onUp(s));
      browser.on('srv-update', (s: Service) => this.onUp(s));
      browser.on('down', (s: Service) => this.onDown(s));
      this.browser = browser;
      this.refreshTimer = setInterval(() => {
        browser.expire();
        browser.update();
      }, this.options.refreshMs);
      this.refreshTimer.unref();
    }
    return this.servers();
  }

  servers(): DiscoveredServer[] {
    return [...this.found.values()].map((s) => ({ ...s, addresses: [...s.addresses] }));
  }

  async close(): Promise<void> {
    clearInterval(this.refreshTimer);
    await Promise.all([...this.published.keys()].map((k) => this.withdraw(k)));
    this.browser?.stop();
    this.browser = undefined;
    const b = this.bonjour;
    this.bonjour = undefined;
    if (b) await new Promise<void>((resolve) => b.destroy(() => resolve()));
  }

  private toServer(s: Service): DiscoveredServer {
    const addresses = (s.addresses ?? []).filter((a) => isIPv4(a));
    const referer = s.referer?.address;
    // The packet's source is reachable by definition; A records may list other interfaces' addresses.
    const host = referer && isIPv4(referer) ? referer : (addresses[0] ?? s.host);
    const fp = txtString(s.txt, 'fp');
    return {
      key: s.fqdn ?? s.name,
      name: txtString(s.txt, 'name') ?? s.name,
      host,
      addresses,
      port: s.port,
      tls: txtString(s.txt, 'tls') === '1',
      fingerprint: fp ? fp : undefined,
      seenAt: Date.now(),
    };
  }

  private onUp(s: Service): void {
    const server = this.toServer(s);
    this.found.set(server.key, server);
    this.emit({
      engine: 'chat',
      type: 'discovery.up',
      session: this.session,
      at: Date.now(),
      server: { ...server },
    });
  }

  private onDown(s: Service): void {
    const key = s.fqdn ?? s.name;
    const server = this.found.get(key) ?? this.toServer(s);
    this.found.delete(key);
    this.emit({ engine: 'chat', type: 'discovery.down', session: this.session, at: Date.now(), server });
  }
}
