// The receiving side of the TCP model, acknowledging like Linux's tcp_input.c: out-of-order data and
// the segment that fills a hole are acknowledged at once with SACK blocks (RFC 2018) and a duplicate
// with a D-SACK (RFC 2883); in-order data is acknowledged at once during quick-ack (the first 16
// segments), when a small pushed segment has been read by the application, or when more than one full
// segment is unacknowledged; otherwise the delayed-ACK timer (40 ms, Linux's ATO minimum; RFC 9293
// §3.8.6.3) sends it. The window advertised is the receive buffer minus what the application has not
// read yet (RFC 9293 flow control).
import type { EventQueue, Timer } from './events';

export interface Ack {
  ack: number;
  /** SACK blocks [start, end) above `ack`, the most recent first. */
  sack: [number, number][];
  /** The segment that triggered this ACK was entirely old data (D-SACK). */
  dsack: boolean;
  rwnd: number;
}

export interface ReceiverOptions {
  mss: number;
  rcvBufBytes: number;
  delayedAckMs: number;
  /** The application does not read in [pauseAt, pauseAt + pauseMs). */
  pauseAt: number;
  pauseMs: number;
}

const QUICKACKS = 16;
/** Linux's initial receive-MSS guess (TCP_MSS_DEFAULT) until full-sized segments are seen. */
const INITIAL_RCV_MSS = 536;

export class Receiver {
  rcvNxt = 0;
  /** In-order bytes the application has not read yet. */
  unread = 0;
  readonly reads: [number, number][] = [];
  acksSent = 0;
  private ofo: [number, number][] = [];
  private lastSeen: [number, number] | undefined;
  private rcvWup = 0;
  private rcvMss = INITIAL_RCV_MSS;
  private quick = QUICKACKS;
  private delack?: Timer;
  private pushed = false;
  private resumeScheduled = false;

  constructor(
    private readonly q: EventQueue,
    private readonly o: ReceiverOptions,
    private readonly sendAck: (a: Ack) => void,
  ) {}

  get window(): number {
    let ofoBytes = 0;
    for (const [s, e] of this.ofo) ofoBytes += e - s;
    const free = Math.max(0, this.o.rcvBufBytes - this.unread - ofoBytes);
    // Receiver-side silly-window avoidance (RFC 9293 §3.8.6.2.2): less than a segment is advertised as 0.
    return free < this.o.mss ? 0 : free;
  }

  private paused(now: number): boolean {
    return now >= this.o.pauseAt && now < this.o.pauseAt + this.o.pauseMs;
  }

  onSegment(start: number, end: number): void {
    const now = this.q.now;
    const len = end - start;
    if (len >= this.rcvMss) this.rcvMss = Math.min(len, this.o.mss);
    else this.pushed = true;
    if (end <= this.rcvNxt || this.covered(start, end)) {
      this.ackNow(true);
      return;
    }
    this.lastSeen = [start, end];
    if (start > this.rcvNxt) {
      this.insertOfo(start, end);
      this.ackNow(false);
      return;
    }
    const hadHoles = this.ofo.length > 0;
    const before = this.rcvNxt;
    this.rcvNxt = end;
    while (this.ofo.length && (this.ofo[0] as [number, number])[0] <= this.rcvNxt) {
      const [, e] = this.ofo.shift() as [number, number];
      this.rcvNxt = Math.max(this.rcvNxt, e);
    }
    this.unread += this.rcvNxt - before;
    this.appRead(now);
    if (hadHoles || this.quick > 0) {
      if (this.quick > 0) this.quick -= 1;
      this.ackNow(false);
    } else if (this.rcvNxt - this.rcvWup > this.rcvMss || (this.pushed && this.unread === 0)) {
      this.ackNow(false);
    } else if (!this.delack) {
      this.delack = this.q.at(now + this.o.delayedAckMs, () => {
        this.delack = undefined;
        if (this.rcvNxt > this.rcvWup) this.ackNow(false);
      });
    }
  }

  /** The application takes everything readable unless it is paused; resumes (and updates the window) after. */
  private appRead(now: number): void {
    if (this.unread === 0) return;
    if (this.paused(now)) {
      if (!this.resumeScheduled) {
        this.resumeScheduled = true;
        this.q.at(this.o.pauseAt + this.o.pauseMs, () => {
          this.resumeScheduled = false;
          const wasClosed = this.window < this.o.mss;
          this.appRead(this.q.now);
          if (wasClosed) this.ackNow(false); // window update: the sender may go on
        });
      }
      return;
    }
    this.reads.push([now, this.unread]);
    this.unread = 0;
  }

  private covered(start: number, end: number): boolean {
    return this.ofo.some(([s, e]) => s <= start && end <= e);
  }

  private insertOfo(start: number, end: number): void {
    const out: [number, number][] = [];
    let s = start;
    let e = end;
    for (const b of this.ofo) {
      if (b[1] < s || b[0] > e) out.push(b);
      else {
        s = Math.min(s, b[0]);
        e = Math.max(e, b[1]);
      }
    }
    out.push([s, e]);
    out.sort((a, b) => a[0] - b[0]);
    this.ofo = out;
  }

  private ackNow(dsack: boolean): void {
    this.q.cancel(this.delack);
    this.delack = undefined;
    this.pushed = false;
    this.rcvWup = this.rcvNxt;
    this.acksSent += 1;
    // Most recent block first (RFC 2018 §4), then the others; at most 4 without timestamps, 3 with.
    const seen = this.lastSeen;
    const first = seen ? this.ofo.find((b) => b[0] <= seen[0] && seen[1] <= b[1]) : undefined;
    const sack = first ? [first, ...this.ofo.filter((b) => b !== first)] : [...this.ofo];
    this.sendAck({ ack: this.rcvNxt, sack: sack.slice(0, 3), dsack, rwnd: this.window });
  }
}
