// The connections between us and every peer: one TLS listener, a dialer with backoff, the hello/welcome
// handshake with certificate pinning, one connection kept per pair (the one opened by the lower
// instance id when both exist), and who is online. What travels on an open connection is mesh.ts.
import { createServer as createTlsServer, type Server as TlsServer, type TLSSocket } from 'node:tls';
import type { AppCertificate } from '../common/app-cert';
import { EngineError } from '../common/errors';
import { closeServer, listen } from '../common/net';
import type { StoredMessage } from './conversation';
import type { Identity } from './identity';
import { PeerLink, dial, type LinkOptions } from './peer-link';
import { newPeer, peerInfo, presenceOf, type PeerState } from './peers';
import type { AnnouncedPeer } from './presence';
import { PROTOCOL_VERSION, type PeerFrame, type WireMessage } from './protocol';
import type { MessengerStore } from './store';
import type { MeshEvent } from './events';
import { isFileFrame, type FileFrame } from './files-protocol';

export interface MeshOptions extends LinkOptions {
  host: string;
  port: number;
  connectTimeoutMs: number;
  reconnectMinMs: number;
  reconnectMaxMs: number;
  maxPeers: number;
  fillBatch: number;
  syncIntervalMs: number;
}

export interface MeshDeps {
  store: MessengerStore;
  identity: Identity;
  cert: AppCertificate;
  me(): { nick: string; status: 'online' | 'away' };
  emit(e: MeshEvent): void;
  /** A message was stored (received or filled): the service turns it into events. */
  stored(m: StoredMessage, created: boolean): void;
  acked(m: StoredMessage[], by: string): void;
  /** File transfer (files.ts): its frames, the link kept with a peer coming and going, drains. */
  files?: {
    onFrame(peer: string, f: FileFrame): void;
    linkUp(peer: string): void;
    linkDown(peer: string): void;
    drain(link: PeerLink): void;
  };
}

interface AddressDial {
  host: string;
  port: number;
  backoffMs: number;
  timer?: NodeJS.Timeout;
  dialing: boolean;
}

export function toWire(m: StoredMessage): WireMessage {
  const { id: _id, mine: _mine, late: _late, storedAt: _at, ...wire } = m;
  return wire;
}

export abstract class PeerConnections {
  readonly peers = new Map<string, PeerState>();
  private server?: TlsServer;
  protected readonly links = new Set<PeerLink>();
  protected readonly expected = new WeakMap<PeerLink, string | undefined>();
  protected readonly fromAddress = new WeakMap<PeerLink, AddressDial>();
  protected readonly addresses = new Map<string, AddressDial>();
  protected closed = false;
  port = 0;

  constructor(
    protected readonly options: MeshOptions,
    protected readonly deps: MeshDeps,
  ) {
    const self = deps.store.self;
    for (const [id, k] of deps.identity.known) {
      if (id === self || this.peers.size >= options.maxPeers) continue;
      const p = newPeer(id, k.nick, 'history');
      p.host = k.host;
      p.port = k.port;
      p.lastSeen = k.lastSeen;
      p.offlineSince = k.lastSeen;
      this.peers.set(id, p);
    }
  }

  protected get self(): string {
    return this.deps.store.self;
  }

  async start(): Promise<{ host: string; port: number }> {
    const server = createTlsServer({
      cert: this.deps.cert.certPem,
      key: this.deps.cert.keyPem,
      // Both sides show their certificate: each pins the other's fingerprint per instance id.
      requestCert: true,
      rejectUnauthorized: false,
      minVersion: 'TLSv1.2',
    });
    server.on('secureConnection', (socket: TLSSocket) => this.accept(socket));
    server.on('tlsClientError', () => undefined);
    const addr = await listen(server, this.options.port, this.options.host);
    this.server = server;
    this.port = addr.port;
    for (const p of this.peers.values()) {
      this.touch(p);
      this.scheduleDial(p, 0);
    }
    return addr;
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const a of this.addresses.values()) clearTimeout(a.timer);
    for (const p of this.peers.values()) clearTimeout(p.retryTimer);
    const closing = [...this.links].map(
      (l) =>
        new Promise<void>((resolve) => {
          if (l.socket.destroyed) return resolve();
          l.socket.once('close', () => resolve());
          if (l.state === 'open') l.end({ t: 'bye' });
          else l.destroy();
        }),
    );
    if (this.server) await closeServer(this.server);
    await Promise.race([Promise.all(closing), new Promise((r) => setTimeout(r, 2000).unref())]);
    for (const l of this.links) l.destroy();
  }

  private linkOptions(): LinkOptions {
    const { maxFrameBytes, maxQueuedBytes, helloTimeoutMs, pingIntervalMs } = this.options;
    return { maxFrameBytes, maxQueuedBytes, helloTimeoutMs, pingIntervalMs };
  }

  /** A frame on an open connection (after the handshake). */
  protected abstract traffic(link: PeerLink, f: PeerFrame): void;
  /** A connection became the one kept for `p`: exchange acks, ask for gaps. */
  protected abstract linkUp(link: PeerLink, p: PeerState): void;
  /** The socket takes more again. */
  protected abstract drained(link: PeerLink): void;

  private hooks = {
    frame: (l: PeerLink, f: PeerFrame) =>
      l.state === 'handshake'
        ? this.handshake(l, f)
        : isFileFrame(f) && this.deps.files
          ? this.deps.files.onFrame(l.peerId!, f)
          : this.traffic(l, f),
    drain: (l: PeerLink) => {
      this.drained(l);
      this.deps.files?.drain(l);
    },
    closed: (l: PeerLink, failure: EngineError | undefined) => this.onClosed(l, failure),
  };

  private accept(socket: TLSSocket): void {
    if (this.closed || this.links.size >= this.options.maxPeers * 2 + 8) {
      socket.destroy();
      return;
    }
    socket.setNoDelay(true);
    const link = new PeerLink(socket, 'in', this.linkOptions(), this.hooks);
    this.links.add(link);
  }

  // ---- who is there ------------------------------------------------------------------------------

  private peerFor(id: string, nick: string, source: PeerState['source']): PeerState | undefined {
    const have = this.peers.get(id);
    if (have) return have;
    if (this.peers.size >= this.options.maxPeers) return undefined;
    const p = newPeer(id, nick, source);
    this.peers.set(id, p);
    return p;
  }

  info(p: PeerState) {
    return peerInfo(p, this.deps.identity.pinned(p.id), this.deps.store.outboxSize(p.id));
  }

  /** Reports a peer after a change: appeared (first time this run), gone (now offline) or changed. */
  touch(p: PeerState): void {
    const presence = presenceOf(p);
    const at = Date.now();
    if (presence !== 'offline') p.lastSeen = at;
    if (!p.appeared) {
      p.appeared = true;
      p.reported = presence;
      this.deps.emit({ type: 'peer.appeared', peer: this.info(p) });
      return;
    }
    if (presence === 'offline' && p.reported !== 'offline') {
      p.offlineSince = at;
      p.reported = presence;
      this.deps.identity.remember(p.id, { lastSeen: at });
      this.deps.emit({ type: 'peer.gone', peer: this.info(p) });
      return;
    }
    p.reported = presence;
    this.deps.emit({ type: 'peer.changed', peer: this.info(p) });
  }

  announced(a: AnnouncedPeer): void {
    if (a.id === this.self || a.version !== PROTOCOL_VERSION) return;
    const p = this.peerFor(a.id, a.nick, 'dns-sd');
    if (!p) return;
    if (p.source === 'history' || p.source === 'incoming') p.source = 'dns-sd';
    p.nick = a.nick;
    p.status = a.status;
    p.announcedFp = a.fingerprint;
    if (p.source !== 'address') {
      p.host = a.host;
      p.port = a.port;
    }
    p.mdns.add(a.via);
    p.gone = false;
    const pinned = this.deps.identity.pinned(a.id);
    if (pinned && a.fingerprint && pinned !== a.fingerprint)
      p.certChanged = { presented: a.fingerprint, pinned };
    this.deps.identity.remember(a.id, { nick: a.nick, host: p.host, port: p.port });
    this.touch(p);
    if (!p.link) {
      p.backoffMs = 0;
      this.scheduleDial(p, 0);
    }
  }

  announcementGone(id: string, via: string): void {
    const p = this.peers.get(id);
    if (!p || !p.mdns.delete(via)) return;
    this.touch(p);
  }

  /** A peer by address: dialed (with backoff) until it answers; then it is a peer like any other. */
  addAddress(host: string, port: number): void {
    const key = `${host}|${port}`;
    if (this.addresses.has(key)) return;
    const a: AddressDial = { host, port, backoffMs: 0, dialing: false };
    this.addresses.set(key, a);
    this.dialAddress(a);
  }

  private nextBackoff(ms: number): number {
    return Math.min(Math.max(ms * 2, this.options.reconnectMinMs), this.options.reconnectMaxMs);
  }

  private scheduleDial(p: PeerState, delay = p.backoffMs): void {
    if (this.closed || p.dialing || p.link || p.certChanged || !p.host || !p.port) return;
    clearTimeout(p.retryTimer);
    p.retryTimer = setTimeout(() => void this.dialPeer(p), delay);
    p.retryTimer.unref();
  }

  private async dialPeer(p: PeerState): Promise<void> {
    if (this.closed || p.dialing || p.link || !p.host || !p.port) return;
    p.dialing = true;
    p.backoffMs = this.nextBackoff(p.backoffMs);
    const link = await this.open(p.host, p.port, p.id);
    if (!link) {
      p.dialing = false;
      this.scheduleDial(p);
    }
  }

  private dialAddress(a: AddressDial): void {
    if (this.closed || a.dialing) return;
    a.dialing = true;
    void this.open(a.host, a.port, undefined, a).then((link) => {
      if (link) return;
      a.dialing = false;
      a.backoffMs = this.nextBackoff(a.backoffMs);
      a.timer = setTimeout(() => this.dialAddress(a), a.backoffMs);
      a.timer.unref();
    });
  }

  /** Connects and says hello; the link goes on in onFrame (welcome) and onClosed. */
  private async open(
    host: string,
    port: number,
    expect?: string,
    a?: AddressDial,
  ): Promise<PeerLink | undefined> {
    let socket: TLSSocket;
    try {
      socket = await dial({
        host,
        port,
        certPem: this.deps.cert.certPem,
        keyPem: this.deps.cert.keyPem,
        connectTimeoutMs: this.options.connectTimeoutMs,
      });
    } catch {
      return undefined;
    }
    if (this.closed) {
      socket.destroy();
      return undefined;
    }
    const link = new PeerLink(socket, 'out', this.linkOptions(), this.hooks);
    this.links.add(link);
    this.expected.set(link, expect);
    if (a) this.fromAddress.set(link, a);
    const me = this.deps.me();
    link.send({
      t: 'hello',
      v: PROTOCOL_VERSION,
      id: this.self,
      nick: me.nick,
      status: me.status,
      port: this.port,
      ...(expect ? { to: expect } : {}),
    });
    return link;
  }

  // ---- handshake -------------------------------------------------------------------------------

  /** Trust on first use per instance id; a changed certificate is refused until the user trusts it. */
  private certificateOk(link: PeerLink, id: string, nick: string, announced?: string): boolean {
    const fp = link.peerFingerprint;
    if (!fp) {
      link.fail(new EngineError('TLS_ERROR', 'the peer presented no certificate'), true);
      return false;
    }
    const pinned = this.deps.identity.pinned(id);
    const expected = pinned ?? announced;
    if (expected && expected.toUpperCase() !== fp.toUpperCase()) {
      const p = this.peerFor(id, nick, link.direction === 'in' ? 'incoming' : 'address');
      if (p) {
        p.certChanged = { presented: fp, pinned: expected };
        this.touch(p);
      }
      this.deps.emit({ type: 'cert', peer: id, event: 'changed', fingerprint: fp, previous: expected });
      link.fail(
        new EngineError('MESSENGER_CERT_CHANGED', `${nick} (${id}) presented ${fp}; expected ${expected}`),
        true,
      );
      return false;
    }
    const cert = link.peerCertificate;
    if (!pinned) {
      this.deps.identity.pin(id, fp, nick, cert);
      this.deps.emit({ type: 'cert', peer: id, event: 'pinned', fingerprint: fp });
    } else if (cert) this.deps.identity.rememberCert(id, cert);
    return true;
  }

  private handshake(link: PeerLink, f: PeerFrame): void {
    if (f.t === 'error') {
      link.fail(new EngineError('CONNECTION_RESET', `${f.code}: ${f.message}`));
      return;
    }
    const wanted = link.direction === 'in' ? 'hello' : 'welcome';
    if (f.t !== wanted || (f.t !== 'hello' && f.t !== 'welcome')) {
      link.fail(new EngineError('MESSENGER_BAD_FRAME', `expected ${wanted}, got ${f.t}`), true);
      return;
    }
    if (f.v !== PROTOCOL_VERSION) {
      link.fail(
        new EngineError('MESSENGER_VERSION', `peer speaks version ${f.v}; we speak ${PROTOCOL_VERSION}`),
        true,
      );
      return;
    }
    // Out: the instance we dialed must answer (an address can change hands). In: the caller must mean us.
    const meant = link.direction === 'out' ? this.expected.get(link) : f.t === 'hello' ? f.to : undefined;
    const reached = link.direction === 'out' ? f.id : this.self;
    if (f.id === this.self || (meant !== undefined && meant !== reached)) {
      const what = f.id === this.self ? 'this instance itself' : `${reached}, not ${meant}`;
      link.fail(new EngineError('MESSENGER_IDENTITY_MISMATCH', `the connection reached ${what}`), true);
      return;
    }
    const known = this.peers.get(f.id);
    if (!this.certificateOk(link, f.id, f.nick, known?.announcedFp)) return;
    const source: PeerState['source'] =
      link.direction === 'in' ? 'incoming' : this.fromAddress.has(link) ? 'address' : 'dns-sd';
    const p = this.peerFor(f.id, f.nick, source);
    if (!p) {
      link.fail(new EngineError('LIMIT_EXCEEDED', `at most ${this.options.maxPeers} peers (maxPeers)`), true);
      return;
    }
    if (link.direction === 'in') {
      const me = this.deps.me();
      link.send({
        t: 'welcome',
        v: PROTOCOL_VERSION,
        id: this.self,
        nick: me.nick,
        status: me.status,
        port: this.port,
      });
      if ((p.source === 'incoming' || p.source === 'history' || !p.host) && f.port > 0) {
        p.host = link.socket.remoteAddress;
        p.port = f.port;
      }
    } else {
      const a = this.fromAddress.get(link);
      if (a) {
        p.source = 'address';
        p.host = a.host;
        p.port = a.port;
        this.addresses.delete(`${a.host}|${a.port}`);
      }
      p.dialing = false;
    }
    p.nick = f.nick;
    p.status = f.status;
    p.gone = false;
    p.certChanged = undefined;
    this.deps.identity.remember(p.id, { nick: p.nick, host: p.host, port: p.port, lastSeen: Date.now() });
    this.established(link, p);
  }

  private established(link: PeerLink, p: PeerState): void {
    const old = p.link;
    if (old && old !== link && old.state === 'open') {
      // Both sides apply the same rule, so they keep the same connection.
      const preferred = this.self < p.id ? this.self : p.id;
      const initiator = (l: PeerLink) => (l.direction === 'out' ? this.self : p.id);
      // ...unless the kept one has gone quiet: after a cut link one side may hold a dead connection
      // until its keepalive notices, and must not refuse the live one meanwhile.
      const oldAlive = old.quietMs < this.options.pingIntervalMs;
      if (oldAlive && initiator(old) === preferred && initiator(link) !== preferred) {
        link.opened(p.id);
        link.end({ t: 'dup' });
        return;
      }
      old.end({ t: 'dup' });
    }
    p.link = link;
    link.opened(p.id);
    p.backoffMs = 0;
    clearTimeout(p.retryTimer);
    this.linkUp(link, p);
    this.deps.files?.linkUp(p.id);
    this.touch(p);
  }

  private onClosed(link: PeerLink, failure: EngineError | undefined): void {
    this.links.delete(link);
    const id = link.peerId ?? this.expected.get(link);
    const p = id ? this.peers.get(id) : undefined;
    if (
      failure &&
      failure.code !== 'CONNECTION_RESET' &&
      failure.code !== 'TIMEOUT' &&
      failure.code !== 'CONNECTION_REFUSED'
    )
      this.deps.emit({ type: 'error', code: failure.code, message: `${link.remote}: ${failure.message}` });
    if (!p) {
      const a = this.fromAddress.get(link);
      if (a && this.addresses.has(`${a.host}|${a.port}`)) {
        a.dialing = false;
        a.backoffMs = this.nextBackoff(a.backoffMs);
        a.timer = setTimeout(() => this.dialAddress(a), a.backoffMs);
        a.timer.unref();
      }
      return;
    }
    if (link.direction === 'out' && p.link !== link) p.dialing = false;
    if (p.link === link) {
      p.link = undefined;
      this.deps.files?.linkDown(p.id);
      this.touch(p);
    }
    if (!this.closed) this.scheduleDial(p);
  }

  trust(id: string, fingerprint: string): void {
    const p = this.peers.get(id);
    this.deps.identity.pin(id, fingerprint, p?.nick ?? id);
    this.deps.emit({ type: 'cert', peer: id, event: 'pinned', fingerprint });
    if (!p) return;
    p.certChanged = undefined;
    this.touch(p);
    p.backoffMs = 0;
    this.scheduleDial(p, 0);
  }
}
