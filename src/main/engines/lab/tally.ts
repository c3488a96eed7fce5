// What a lab receiver counts for one protocol: first deliveries, duplicates, order, read boundaries and
// per-message latency. Pure bookkeeping over sequence numbers and timestamps; knows no sockets.
import type { ProtocolResult, RelayStats, ResultSource } from '../../../shared/contract/lab';

export class Tally {
  delivered = 0;
  duplicated = 0;
  outOfOrder = 0;
  reads = 0;
  boundariesKept = 0;
  mergedReads = 0;
  splitMessages = 0;
  deliveredBytes = 0;
  lastDeliverAt = 0;
  private maxSeq = -1;
  private readonly seen: Uint8Array;
  readonly latency: Float64Array;

  constructor(
    readonly count: number,
    readonly size: number,
    private readonly sendTimes: Float64Array,
  ) {
    this.seen = new Uint8Array(count);
    this.latency = new Float64Array(count).fill(Number.NaN);
  }

  /** One complete message with sequence number `seq` reached the application at `now`. */
  message(seq: number, now: number): void {
    if (seq < 0 || seq >= this.count) return;
    if (this.seen[seq]) {
      this.duplicated += 1;
      return;
    }
    this.seen[seq] = 1;
    this.delivered += 1;
    this.deliveredBytes += this.size;
    this.lastDeliverAt = now;
    if (seq < this.maxSeq) this.outOfOrder += 1;
    else this.maxSeq = seq;
    this.latency[seq] = now - (this.sendTimes[seq] as number);
  }

  result(
    protocol: 'tcp' | 'udp',
    sent: number,
    start: number,
    relay: RelayStats,
    seriesPoints: number,
    source: { source: ResultSource; sourceText: string },
  ): ProtocolResult {
    const lat: number[] = [];
    for (const v of this.latency) if (!Number.isNaN(v)) lat.push(v);
    lat.sort((a, b) => a - b);
    const q = (p: number) =>
      lat.length ? (lat[Math.min(lat.length - 1, Math.floor(p * lat.length))] as number) : 0;
    const round = (v: number) => Math.round(v * 1000) / 1000;
    const durationMs = this.lastDeliverAt > start ? this.lastDeliverAt - start : 0;
    return {
      protocol,
      ...source,
      sent,
      delivered: this.delivered,
      lost: sent - this.delivered,
      duplicated: this.duplicated,
      outOfOrder: this.outOfOrder,
      reads: this.reads,
      boundariesKept: this.boundariesKept,
      mergedReads: this.mergedReads,
      splitMessages: this.splitMessages,
      latency: {
        min: round(lat[0] ?? 0),
        p50: round(q(0.5)),
        p95: round(q(0.95)),
        p99: round(q(0.99)),
        max: round(lat.at(-1) ?? 0),
        mean: round(lat.length ? lat.reduce((a, b) => a + b, 0) / lat.length : 0),
      },
      series: this.series(start, seriesPoints),
      throughputBps: durationMs > 0 ? Math.round((this.deliveredBytes * 1000) / durationMs) : 0,
      durationMs: round(durationMs),
      relay: { ...relay },
    };
  }

  /** Latency over send time: per bucket of consecutive messages, the worst latency (spikes stay visible). */
  private series(start: number, points: number): { t: number; ms: number }[] {
    const out: { t: number; ms: number }[] = [];
    const per = Math.max(1, Math.ceil(this.count / points));
    for (let b = 0; b < this.count; b += per) {
      let worst = Number.NaN;
      for (let i = b; i < Math.min(this.count, b + per); i++) {
        const v = this.latency[i] as number;
        if (!Number.isNaN(v) && !(v <= worst)) worst = v;
      }
      if (!Number.isNaN(worst))
        out.push({
          t: Math.round(((this.sendTimes[b] as number) - start) * 10) / 10,
          ms: Math.round(worst * 100) / 100,
        });
    }
    return out;
  }
}

/**
 * Reassembles fixed-size messages from TCP reads and counts how reads and messages line up: a read with
 * bytes of two or more messages is "merged", a message that needed two or more reads is "split".
 */
export class StreamFramer {
  private offset = 0;
  private partial: Buffer = Buffer.alloc(0);

  constructor(
    private readonly tally: Tally,
    private readonly size: number,
  ) {}

  read(chunk: Buffer, now: number): void {
    const t = this.tally;
    t.reads += 1;
    const first = Math.floor(this.offset / this.size);
    const last = Math.floor((this.offset + chunk.length - 1) / this.size);
    if (last > first) t.mergedReads += 1;
    const startsMidMessage = this.offset % this.size !== 0;
    this.offset += chunk.length;
    let buf = this.partial.length ? Buffer.concat([this.partial, chunk]) : chunk;
    let firstComplete = true;
    while (buf.length >= this.size) {
      // The first message completed by this read was split if it began in an earlier read.
      if (firstComplete && startsMidMessage) t.splitMessages += 1;
      firstComplete = false;
      t.message(buf.readUInt32BE(0), now);
      buf = buf.subarray(this.size);
    }
    this.partial = Buffer.from(buf);
  }
}

/**
 * The same counting for a stream known only by its read sizes (the TCP model, the kernel check): the
 * bytes are the lab's messages in order, so a read's offset says which messages it completes.
 */
export class ReadReplay {
  private offset = 0;

  constructor(
    private readonly tally: Tally,
    private readonly size: number,
  ) {}

  read(length: number, now: number): void {
    if (length <= 0) return;
    const t = this.tally;
    const size = this.size;
    t.reads += 1;
    const first = Math.floor(this.offset / size);
    const last = Math.floor((this.offset + length - 1) / size);
    if (last > first) t.mergedReads += 1;
    const startsMidMessage = this.offset % size !== 0;
    const end = this.offset + length;
    let firstComplete = true;
    for (let m = Math.floor(this.offset / size); (m + 1) * size <= end; m++) {
      if (firstComplete && startsMidMessage) t.splitMessages += 1;
      firstComplete = false;
      t.message(m, now);
    }
    this.offset = end;
  }
}

/** Message `seq` of `size` bytes: sequence number, size, then a recognisable filler. */
export function makeMessage(seq: number, size: number): Buffer {
  const b = Buffer.alloc(size, 0x2e);
  b.writeUInt32BE(seq, 0);
  b.writeUInt32BE(size, 4);
  return b;
}
