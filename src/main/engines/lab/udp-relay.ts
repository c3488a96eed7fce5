// The lab's UDP relay: receives datagrams from the sender and forwards them to the receiver after the
// seeded impairment (drop, duplicate, reorder, delay ± jitter, bandwidth cap with a bounded queue).
import { createSocket, type Socket } from 'node:dgram';
import type { RelayStats } from '../../../shared/contract/lab';
import { toEngineError } from '../common/errors';
import { Impairment, Link, type ImpairmentSettings } from './impairment';

export interface UdpRelayOptions extends ImpairmentSettings {
  seed: number;
  bandwidthKbps: number;
  maxQueueBytes: number;
  reorderHoldMs: number;
  target: { host: string; port: number };
}

export class UdpRelay {
  readonly stats: RelayStats = { units: 0, dropped: 0, duplicated: 0, reordered: 0, queueDropped: 0 };
  // Large buffers (capped by the kernel's rmem_max) so the relay itself rarely loses what it did not decide to.
  private readonly socket: Socket = createSocket({
    type: 'udp4',
    recvBufferSize: 4 * 1024 * 1024,
    sendBufferSize: 4 * 1024 * 1024,
  });
  private readonly model: Impairment;
  private readonly link: Link;
  private held: Buffer[] = [];
  private holdTimer?: NodeJS.Timeout;
  private pending = 0;
  private readonly timers = new Set<NodeJS.Timeout>();
  private closed = false;

  constructor(private readonly o: UdpRelayOptions) {
    this.model = new Impairment(o, o.seed);
    // The queue bound is expressed in time on the capped link: maxQueueBytes at the link's rate.
    this.link = new Link(
      o.bandwidthKbps,
      o.bandwidthKbps > 0 ? (o.maxQueueBytes * 8) / o.bandwidthKbps : Infinity,
    );
    this.socket.on('message', (msg) => this.onDatagram(msg));
  }

  start(): Promise<number> {
    return new Promise((resolve, reject) => {
      this.socket.once('error', (err) => reject(toEngineError(err, 'lab UDP relay')));
      this.socket.bind(0, '127.0.0.1', () => resolve(this.socket.address().port));
    });
  }

  /** Units accepted but not yet forwarded (scheduled or held). */
  get inFlight(): number {
    return this.pending + this.held.length;
  }

  close(): Promise<void> {
    this.closed = true;
    for (const t of this.timers) clearTimeout(t);
    if (this.holdTimer) clearTimeout(this.holdTimer);
    return new Promise((r) => this.socket.close(() => r()));
  }

  private onDatagram(msg: Buffer): void {
    if (this.closed) return;
    this.stats.units += 1;
    const d = this.model.decide();
    if (d.drop) {
      this.stats.dropped += 1;
      return;
    }
    const copies = d.duplicate ? 2 : 1;
    if (d.duplicate) this.stats.duplicated += 1;
    if (d.reorder && this.held.length === 0) {
      // Held back until the next datagram has been forwarded, so it arrives after it.
      this.stats.reordered += 1;
      for (let i = 0; i < copies; i++) this.held.push(msg);
      this.holdTimer = setTimeout(() => this.releaseHeld(d.delayMs), this.o.reorderHoldMs);
      return;
    }
    for (let i = 0; i < copies; i++) this.schedule(msg, d.delayMs);
    if (this.held.length) this.releaseHeld(d.delayMs);
  }

  private releaseHeld(delayMs: number): void {
    if (this.holdTimer) clearTimeout(this.holdTimer);
    this.holdTimer = undefined;
    const held = this.held;
    this.held = [];
    // A hair later than the datagram that overtook it, so the order on the wire is certain.
    for (const m of held) this.schedule(m, delayMs + 0.5);
  }

  private schedule(msg: Buffer, delayMs: number): void {
    const now = performance.now();
    const leaves = this.link.admit(now, msg.length + 28);
    if (leaves === undefined) {
      this.stats.queueDropped += 1;
      return;
    }
    const wait = leaves - now + delayMs;
    if (wait < 0.5) {
      this.forward(msg);
      return;
    }
    this.pending += 1;
    const t = setTimeout(() => {
      this.timers.delete(t);
      this.pending -= 1;
      this.forward(msg);
    }, wait);
    this.timers.add(t);
  }

  private forward(msg: Buffer): void {
    if (this.closed) return;
    this.socket.send(msg, this.o.target.port, this.o.target.host);
  }
}
