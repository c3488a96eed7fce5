// The lab's TCP relay. A user-space relay cannot drop bytes of a TCP stream without corrupting it, so
// it carries the bytes on real TCP connections (sender→relay, relay→receiver) and applies the same seeded
// decisions to segment-sized pieces, modelling what TCP itself would do with each:
//   lost       → the segment arrives one retransmission timeout later (doubling if lost again),
//   duplicated → discarded by the receiver's sequence numbers (costs link time, never reaches the app),
//   reordered  → the receiver buffers later bytes until it arrives,
// and, because TCP delivers in order, nothing overtakes a late segment (head-of-line blocking).
// Its queue is bounded: when full, it stops reading, so the sender's write() reports backpressure —
// real flow control on the real sender socket. The handshake and teardown are delayed like data.
import { connect, createServer, type Server, type Socket } from 'node:net';
import type { RelayStats } from '../../../shared/contract/lab';
import { toEngineError } from '../common/errors';
import { closeServer, listen } from '../common/net';
import { Impairment, Link, type ImpairmentSettings } from './impairment';

export interface TcpRelayOptions extends ImpairmentSettings {
  seed: number;
  bandwidthKbps: number;
  maxQueueBytes: number;
  reorderHoldMs: number;
  mss: number;
  rtoMs: number;
  target: { host: string; port: number };
}

interface Segment {
  data: Buffer;
  /** Undefined while a reordered segment waits for the one that overtakes it. */
  deliverAt?: number;
}

/** Retransmissions of one segment are capped (TCP would eventually give up; the lab moves on). */
const MAX_RETRIES = 6;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export class TcpRelay {
  readonly stats: RelayStats = { units: 0, dropped: 0, duplicated: 0, reordered: 0, queueDropped: 0 };
  retransmissions = 0;
  /** performance.now() when the modelled handshake finished and data could flow. */
  readyAt?: number;
  private readonly server: Server;
  private readonly model: Impairment;
  private readonly link: Link;
  private readonly queue: Segment[] = [];
  private queuedBytes = 0;
  private lastDeliverAt = 0;
  private pumpTimer?: NodeJS.Timeout;
  private holdTimer?: NodeJS.Timeout;
  private down?: Socket;
  private up?: Socket;
  private upBlocked = false;
  private downEnded = false;
  private closed = false;

  constructor(private readonly o: TcpRelayOptions) {
    this.model = new Impairment(o, o.seed);
    this.link = new Link(o.bandwidthKbps, Infinity);
    this.server = createServer(
      { pauseOnConnect: true, noDelay: true, allowHalfOpen: true },
      (s) => void this.onConnection(s),
    );
  }

  async start(): Promise<number> {
    return (await listen(this.server, 0, '127.0.0.1')).port;
  }

  get queued(): number {
    return this.queue.length;
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.pumpTimer) clearTimeout(this.pumpTimer);
    if (this.holdTimer) clearTimeout(this.holdTimer);
    this.down?.destroy();
    this.up?.destroy();
    await closeServer(this.server);
  }

  private async onConnection(down: Socket): Promise<void> {
    if (this.down) {
      down.destroy(); // one connection per run
      return;
    }
    this.down = down;
    down.on('error', () => undefined);
    await sleep(this.o.delayMs); // SYN reaches the far side
    if (this.closed) return;
    // allowHalfOpen on both legs: the relay, not Node, decides when each FIN crosses.
    const up = connect({
      host: this.o.target.host,
      port: this.o.target.port,
      noDelay: true,
      allowHalfOpen: true,
    });
    this.up = up;
    try {
      await new Promise<void>((resolve, reject) => {
        up.once('connect', resolve);
        up.once('error', (err) => reject(toEngineError(err, 'lab TCP relay upstream')));
      });
    } catch {
      down.destroy();
      return;
    }
    up.on('error', () => undefined);
    up.on('drain', () => {
      this.upBlocked = false;
      this.pump();
    });
    // The receiver's FIN travels back to the sender after the path delay.
    up.on('end', () => setTimeout(() => down.end(), this.o.delayMs));
    up.on('close', () => down.destroy());
    await sleep(this.o.delayMs); // SYN-ACK back to the sender
    if (this.closed) return;
    this.readyAt = performance.now();
    down.on('data', (chunk: Buffer) => this.onChunk(chunk));
    down.on('end', () => {
      this.downEnded = true;
      this.maybeForwardEnd();
    });
    down.resume();
  }

  private onChunk(chunk: Buffer): void {
    for (let off = 0; off < chunk.length; off += this.o.mss)
      this.onSegment(chunk.subarray(off, Math.min(off + this.o.mss, chunk.length)));
    if (this.queuedBytes > this.o.maxQueueBytes) this.down?.pause();
    this.pump();
  }

  private onSegment(data: Buffer): void {
    const now = performance.now();
    this.stats.units += 1;
    const d = this.model.decide();
    let arrival = (this.link.admit(now, data.length + 40) ?? now) + d.delayMs;
    if (d.drop) {
      this.stats.dropped += 1;
      let backoff = this.o.rtoMs;
      arrival += backoff;
      this.retransmissions += 1;
      for (let k = 1; k < MAX_RETRIES && this.model.lostAgain(); k++) {
        backoff *= 2;
        arrival += backoff;
        this.retransmissions += 1;
      }
    }
    if (d.duplicate) {
      this.stats.duplicated += 1;
      this.link.admit(now, data.length + 40); // the copy uses the link, then the receiver drops it
    }
    const seg: Segment = { data: Buffer.from(data) };
    const waiting = this.queue.find((s) => s.deliverAt === undefined);
    if (waiting) {
      // This segment overtook the reordered one: both reach the application when the late one lands.
      this.settle(waiting, arrival + 0.1);
    }
    if (d.reorder && !waiting && !d.drop) {
      this.stats.reordered += 1;
      this.holdTimer = setTimeout(
        () => this.settle(seg, performance.now() + d.delayMs),
        this.o.reorderHoldMs,
      );
    } else {
      seg.deliverAt = Math.max(arrival, this.lastDeliverAt);
      this.lastDeliverAt = seg.deliverAt;
    }
    this.queue.push(seg);
    this.queuedBytes += seg.data.length;
  }

  private settle(seg: Segment, at: number): void {
    if (seg.deliverAt !== undefined) return;
    if (this.holdTimer) clearTimeout(this.holdTimer);
    this.holdTimer = undefined;
    seg.deliverAt = Math.max(at, this.lastDeliverAt);
    this.lastDeliverAt = seg.deliverAt;
    // Segments queued behind it cannot be delivered earlier (in-order delivery).
    let after = false;
    for (const s of this.queue) {
      if (s === seg) after = true;
      else if (after && s.deliverAt !== undefined && s.deliverAt < seg.deliverAt) s.deliverAt = seg.deliverAt;
    }
    this.pump();
  }

  private pump(): void {
    if (this.pumpTimer) clearTimeout(this.pumpTimer);
    this.pumpTimer = undefined;
    if (this.closed || !this.up) return;
    const now = performance.now();
    while (!this.upBlocked && this.queue.length) {
      const head = this.queue[0] as Segment;
      if (head.deliverAt === undefined) return; // waiting for reorder; settle() pumps again
      if (head.deliverAt > now + 0.5) {
        this.pumpTimer = setTimeout(() => this.pump(), head.deliverAt - now);
        return;
      }
      this.queue.shift();
      this.queuedBytes -= head.data.length;
      if (!this.up.write(head.data)) this.upBlocked = true;
    }
    if (this.queuedBytes < this.o.maxQueueBytes / 2 && this.down?.isPaused()) this.down.resume();
    this.maybeForwardEnd();
  }

  private maybeForwardEnd(): void {
    if (!this.downEnded || this.queue.length || !this.up) return;
    const up = this.up;
    this.downEnded = false;
    setTimeout(() => up.end(), this.o.delayMs); // the sender's FIN crosses the path
  }
}
