// Data events of a byte stream, coalesced: consecutive reads (or writes) of one peer within a short
// window become one event holding the first `maxBytes` and the true total. TCP keeps no message
// boundaries, so one row per window is as true as one row per read — and at full speed it turns tens of
// thousands of events a second into a few per peer, which is what keeps the engine near a bare socket.
// Order is kept: only the newest pending event of a peer grows, and any other event flushes first.
export interface CoalescedData {
  dir: 'in' | 'out';
  peer: string;
  at: number;
  data: Uint8Array;
  bytes: number;
  truncated: boolean;
  /** Socket reads (or writes) merged into this event. */
  reads: number;
}

interface Pending {
  dir: 'in' | 'out';
  peer: string;
  at: number;
  buf: Uint8Array;
  filled: number;
  bytes: number;
  reads: number;
}

export interface CoalescerOptions {
  /** How long a peer's data may wait to be merged (ms); 0 emits every read at once. */
  windowMs: number;
  /** Bytes of data kept per event; the rest is counted. */
  maxBytes: number;
}

export class DataCoalescer {
  private queue: Pending[] = [];
  private readonly tail = new Map<string, Pending>();
  private timer?: NodeJS.Timeout;

  constructor(
    private readonly options: CoalescerOptions,
    private readonly out: (d: CoalescedData) => void,
  ) {}

  push(dir: 'in' | 'out', peer: string, chunk: Uint8Array): void {
    const max = this.options.maxBytes;
    let p = this.tail.get(peer);
    if (!p || p.dir !== dir) {
      p = {
        dir,
        peer,
        at: Date.now(),
        buf: new Uint8Array(Math.min(max, chunk.length)),
        filled: 0,
        bytes: 0,
        reads: 0,
      };
      this.queue.push(p);
      this.tail.set(peer, p);
    }
    const room = max - p.filled;
    if (room > 0 && chunk.length > 0) {
      const take = Math.min(room, chunk.length);
      if (p.filled + take > p.buf.length) {
        const grown = new Uint8Array(Math.min(max, Math.max(p.buf.length * 2, p.filled + take)));
        grown.set(p.buf.subarray(0, p.filled));
        p.buf = grown;
      }
      p.buf.set(chunk.subarray(0, take), p.filled);
      p.filled += take;
    }
    p.bytes += chunk.length;
    p.reads += 1;
    if (this.options.windowMs <= 0) this.flush();
    else this.timer ??= setTimeout(() => this.flush(), this.options.windowMs);
  }

  /** Emits everything pending, in order. Call before any other event about these peers. */
  flush(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    if (this.queue.length === 0) return;
    const items = this.queue;
    this.queue = [];
    this.tail.clear();
    for (const p of items) {
      this.out({
        dir: p.dir,
        peer: p.peer,
        at: p.at,
        data: p.filled === p.buf.length ? p.buf : p.buf.slice(0, p.filled),
        bytes: p.bytes,
        truncated: p.bytes > p.filled,
        reads: p.reads,
      });
    }
  }
}
