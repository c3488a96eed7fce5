// The sender's retransmission queue and SACK scoreboard (RFC 6675), with Linux's counters kept
// incrementally — packets out, SACKed, lost, retransmitted — so that "packets in flight" and "next lost
// segment" cost O(1) however large the window grows.

export interface Seg {
  start: number;
  end: number;
  /** Time of the latest (re)transmission. */
  sentAt: number;
  xmits: number;
  sacked: boolean;
  lost: boolean;
  /** Retransmitted and not yet delivered or marked lost again. */
  retrans: boolean;
}

export class Scoreboard {
  sackedOut = 0;
  lostOut = 0;
  retransOut = 0;
  /** Highest sequence number SACKed so far. */
  highestSacked = 0;
  private segs: Seg[] = [];
  private head = 0;
  /** Lost segments not yet retransmitted. */
  private pendingLost = 0;

  get packetsOut(): number {
    return this.segs.length - this.head;
  }

  /** Linux's tcp_packets_in_flight: packets out − (SACKed + lost) + retransmitted. */
  get inflight(): number {
    return this.packetsOut - this.sackedOut - this.lostOut + this.retransOut;
  }

  push(s: Seg): void {
    this.segs.push(s);
  }

  *all(): Generator<Seg> {
    for (let i = this.head; i < this.segs.length; i++) yield this.segs[i] as Seg;
  }

  /** The highest segment not SACKed (the tail loss probe's retransmission). */
  lastUnsacked(): Seg | undefined {
    for (let i = this.segs.length - 1; i >= this.head; i--) {
      const s = this.segs[i] as Seg;
      if (!s.sacked) return s;
    }
    return undefined;
  }

  /** The first segment marked lost and not yet retransmitted. */
  nextLost(): Seg | undefined {
    if (this.pendingLost === 0) return undefined;
    for (const s of this.all()) if (s.lost && !s.retrans && !s.sacked) return s;
    return undefined;
  }

  /** Removes every segment below `ack`; `delivered` is told about those not SACKed before. */
  ackTo(ack: number, delivered: (s: Seg) => void): void {
    while (this.head < this.segs.length && (this.segs[this.head] as Seg).end <= ack) {
      const s = this.segs[this.head++] as Seg;
      if (s.sacked) this.sackedOut--;
      else {
        if (s.lost) {
          this.lostOut--;
          if (!s.retrans) this.pendingLost--;
        }
        if (s.retrans) this.retransOut--;
        delivered(s);
      }
    }
    if (this.head > 1024 && this.head * 2 > this.segs.length) {
      this.segs = this.segs.slice(this.head);
      this.head = 0;
    }
  }

  /** Marks the segments inside [start, end) SACKed; `delivered` is told about each newly SACKed one. */
  sack(start: number, end: number, delivered: (s: Seg) => void): void {
    let lo = this.head;
    let hi = this.segs.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if ((this.segs[mid] as Seg).start < start) lo = mid + 1;
      else hi = mid;
    }
    for (let i = lo; i < this.segs.length; i++) {
      const s = this.segs[i] as Seg;
      if (s.end > end) break;
      if (s.sacked) continue;
      if (s.lost) {
        this.lostOut--;
        if (!s.retrans) this.pendingLost--;
      }
      if (s.retrans) this.retransOut--;
      s.retrans = false;
      s.sacked = true;
      this.sackedOut++;
      this.highestSacked = Math.max(this.highestSacked, s.end);
      delivered(s);
    }
  }

  markLost(s: Seg): void {
    if (s.sacked) return;
    const pending = s.lost && !s.retrans;
    if (!s.lost) {
      s.lost = true;
      this.lostOut++;
    }
    if (s.retrans) {
      s.retrans = false;
      this.retransOut--;
    }
    if (!pending) this.pendingLost++;
  }

  markRetransmitted(s: Seg): void {
    if (s.lost && !s.retrans && !s.sacked) this.pendingLost--;
    if (!s.retrans) {
      s.retrans = true;
      this.retransOut++;
    }
  }
}
