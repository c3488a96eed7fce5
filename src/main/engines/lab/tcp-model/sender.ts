// The sending side of the TCP model, following Linux's tcp_output.c / tcp_input.c / tcp_recovery.c:
//   - segments are cut from the unsent bytes when the window opens (TCP_NODELAY: no Nagle), at most `mss`;
//   - congestion control is CUBIC (./cubic.ts) with slow start; cwnd counts packets, as in Linux;
//   - losses are detected by RACK (RFC 8985): a segment sent before one that has been delivered is lost
//     once it is older than the latest RTT plus a reordering window (0 while no reordering has been seen
//     and three segments are SACKed — the classic three-duplicate-ACK fast retransmit, RFC 5681 — else
//     min_rtt/4); the scoreboard is built from SACK blocks (RFC 2018, RFC 6675);
//   - fast recovery sends at the pace of Proportional Rate Reduction (RFC 6937);
//   - a Tail Loss Probe (RFC 8985 §7) fires 2·SRTT after the last send when nothing else would;
//   - the retransmission timer (RFC 6298) is SRTT + max(4·RTTVAR, 200 ms) — Linux's minimum — doubled
//     for each consecutive timeout of the same data (exponential backoff), reset by the next new ACK;
//     after a timeout cwnd drops to one packet and everything outstanding is retransmitted in slow start.
import { Cubic } from './cubic';
import type { EventQueue, Timer } from './events';
import type { Ack } from './receiver';
import { Scoreboard, type Seg } from './scoreboard';

export interface SenderOptions {
  mss: number;
  /** Linux's tcp_rto_min: 200 ms. */
  minRtoMs: number;
  maxRtoMs: number;
  /** First RTT sample (the handshake's), ms. */
  synRttMs: number;
  initialRwnd: number;
}

type CaState = 'open' | 'disorder' | 'cwr' | 'recovery' | 'loss';

export interface SenderStats {
  retransmissions: number;
  fastRecoveries: number;
  tailLossProbes: number;
  timeouts: number;
  /** Time with data waiting while the receiver's window was closed (flow control). */
  windowLimitedMs: number;
}

export class Sender {
  readonly stats: SenderStats = {
    retransmissions: 0,
    fastRecoveries: 0,
    tailLossProbes: 0,
    timeouts: 0,
    windowLimitedMs: 0,
  };
  readonly cc = new Cubic();
  /** Bytes the application has written. */
  written = 0;
  sndUna = 0;
  sndNxt = 0;
  private readonly sb = new Scoreboard();
  private rwnd: number;
  private state: CaState = 'open';
  private srtt: number;
  private rttvar: number;
  private minRtt: number;
  private backoff = 0;
  private rtoStamp = 0;
  private timer?: Timer;
  private reoDeadline?: number;
  private rack = { xmitTime: -1, endSeq: 0, rtt: 0 };
  private reordSeen = false;
  private highSeq = 0;
  private tlpHighSeq = 0;
  private tlpRetrans = false;
  private prr = { delivered: 0, out: 0, recoverFs: 1 };
  private cwndLimited = false;
  private maxInflight = 0;
  private windowClosedSince?: number;

  constructor(
    private readonly q: EventQueue,
    private readonly o: SenderOptions,
    private readonly transmit: (start: number, end: number, retransmission: boolean) => void,
  ) {
    this.rwnd = o.initialRwnd;
    // Linux seeds its estimator with the handshake's RTT (tcp_synack_rtt_meas).
    this.srtt = o.synRttMs;
    this.rttvar = o.synRttMs / 2;
    this.minRtt = o.synRttMs;
  }

  get rto(): number {
    const base = this.srtt + Math.max(4 * this.rttvar, this.o.minRtoMs);
    return Math.min(this.o.maxRtoMs, base * 2 ** this.backoff);
  }

  /** Bytes written but not yet acknowledged (what the socket's send buffer holds). */
  get buffered(): number {
    return this.written - this.sndUna;
  }

  get idle(): boolean {
    return this.sndUna >= this.written;
  }

  write(bytes: number): void {
    this.written += bytes;
    this.trySend();
    this.setTimer();
  }

  private inflight(): number {
    return this.sb.inflight;
  }

  private send(s: Seg, retransmission: boolean): void {
    const now = this.q.now;
    if (this.sb.packetsOut === 1 || !this.timer) this.rtoStamp = now;
    s.sentAt = now;
    s.xmits += 1;
    if (retransmission) {
      this.sb.markRetransmitted(s);
      this.stats.retransmissions += 1;
    }
    if (this.state === 'recovery') this.prr.out += 1;
    this.transmit(s.start, s.end, retransmission);
  }

  private trySend(): void {
    const now = this.q.now;
    this.cwndLimited = false;
    for (;;) {
      const inflight = this.inflight();
      const lost = this.sb.nextLost();
      const unsent = this.written - this.sndNxt;
      if (!lost && unsent <= 0) break;
      if (inflight >= this.cc.cwnd) {
        this.cwndLimited = true;
        break;
      }
      if (lost) {
        this.send(lost, true);
        continue;
      }
      const room = this.sndUna + this.rwnd - this.sndNxt;
      if (room <= 0) {
        this.windowClosedSince ??= now;
        break;
      }
      const seg: Seg = {
        start: this.sndNxt,
        end: this.sndNxt + Math.min(this.o.mss, unsent, room),
        sentAt: now,
        xmits: 0,
        sacked: false,
        lost: false,
        retrans: false,
      };
      this.sndNxt = seg.end;
      this.sb.push(seg);
      this.send(seg, false);
    }
    this.maxInflight = Math.max(this.maxInflight, this.inflight());
  }

  onAck(a: Ack): void {
    const now = this.q.now;
    let delivered = 0;
    let rttSample: number | undefined;
    const highestSacked = this.sb.highestSacked;
    const deliver = (s: Seg) => {
      delivered += 1;
      if (s.xmits === 1) {
        rttSample = now - s.sentAt;
        if (s.end < highestSacked) this.reordSeen = true; // delivered below a SACKed segment, never resent
      }
      // RACK (RFC 8985 §6.2): remember the most recently sent segment that has been delivered.
      if (s.xmits === 1 || now - s.sentAt >= this.minRtt) {
        if (s.sentAt > this.rack.xmitTime || (s.sentAt === this.rack.xmitTime && s.end > this.rack.endSeq)) {
          this.rack.xmitTime = s.sentAt;
          this.rack.endSeq = s.end;
        }
        this.rack.rtt = now - s.sentAt;
      }
    };
    const advanced = a.ack > this.sndUna;
    this.sb.ackTo(a.ack, deliver);
    this.sndUna = Math.max(this.sndUna, a.ack);
    for (const [bs, be] of a.sack) this.sb.sack(bs, be, deliver);
    if (a.dsack) this.reordSeen = true; // a spurious retransmission: the path reorders or duplicates
    this.rwnd = a.rwnd;
    const room = this.sndUna + this.rwnd - this.sndNxt;
    if (room > 0 && this.windowClosedSince !== undefined) {
      this.stats.windowLimitedMs += now - this.windowClosedSince;
      this.windowClosedSince = undefined;
    }
    if (rttSample !== undefined) this.rttUpdate(rttSample);
    if (advanced) {
      this.backoff = 0;
      this.rtoStamp = now;
    }
    // Episode ends (Linux: tcp_fastretrans_alert / tcp_try_undo_*, simplified: no undo).
    if ((this.state === 'recovery' || this.state === 'cwr') && this.sndUna >= this.highSeq) {
      this.cc.cwnd = Math.max(this.cc.ssthresh, 2);
      this.state = 'open';
    } else if (this.state === 'loss' && this.sndUna >= this.highSeq) this.state = 'open';
    if (this.tlpHighSeq && this.sndUna >= this.tlpHighSeq) {
      // The probe repaired a real loss (no D-SACK): reduce like a fast recovery would (Linux: CWR).
      if (this.tlpRetrans && !a.dsack && this.state === 'open') {
        this.cc.onLoss();
        this.cc.cwnd = Math.max(this.cc.ssthresh, 2);
      }
      this.tlpHighSeq = 0;
    }
    const inflightBefore = this.inflight();
    const newlyLost = this.rackDetect();
    if (newlyLost > 0 && (this.state === 'open' || this.state === 'disorder' || this.state === 'cwr'))
      this.enterRecovery(inflightBefore + newlyLost);
    if (this.state === 'open' && this.sb.sackedOut > 0) this.state = 'disorder';
    else if (this.state === 'disorder' && this.sb.sackedOut === 0) this.state = 'open';

    if (this.state === 'recovery') this.prrUpdate(delivered, newlyLost);
    else if (delivered > 0 && this.isCwndLimited()) this.cc.onAck(delivered, now, this.minRtt);
    this.trySend();
    this.setTimer();
  }

  private isCwndLimited(): boolean {
    // Linux's tcp_is_cwnd_limited: in slow start, while cwnd < 2 × the most packets in flight.
    if (this.cc.cwnd < this.cc.ssthresh) return this.cc.cwnd < 2 * this.maxInflight;
    return this.cwndLimited;
  }

  private rttUpdate(m: number): void {
    this.minRtt = Math.min(this.minRtt, m);
    const err = m - this.srtt;
    this.srtt += err / 8;
    this.rttvar += (Math.abs(err) - this.rttvar) / 4;
  }

  /** RACK loss detection; returns how many segments it newly marked lost and arms the reorder timer. */
  private rackDetect(): number {
    const now = this.q.now;
    this.reoDeadline = undefined;
    if (this.rack.xmitTime < 0) return 0;
    const sackedOut = this.sb.sackedOut;
    const reoWnd =
      !this.reordSeen && (this.state === 'recovery' || this.state === 'loss' || sackedOut >= 3)
        ? 0
        : Math.min(this.minRtt / 4, this.srtt);
    let lost = 0;
    for (const s of this.sb.all()) {
      if (s.sacked || (s.lost && !s.retrans)) continue;
      const sentBefore =
        s.sentAt < this.rack.xmitTime || (s.sentAt === this.rack.xmitTime && s.end < this.rack.endSeq);
      // Segments sent once are in sending order: past the first one sent too late, all are (and any
      // retransmitted one above it was resent later still), so the scan can stop.
      if (!sentBefore && s.xmits === 1) break;
      if (!sentBefore) continue;
      const remaining = s.sentAt + this.rack.rtt + reoWnd - now;
      if (remaining <= 0) {
        this.sb.markLost(s);
        lost += 1;
      } else this.reoDeadline = Math.max(this.reoDeadline ?? 0, now + remaining);
    }
    return lost;
  }

  private enterRecovery(inflight: number): void {
    this.state = 'recovery';
    this.stats.fastRecoveries += 1;
    this.highSeq = this.sndNxt;
    this.cc.onLoss();
    this.prr = { delivered: 0, out: 0, recoverFs: Math.max(1, inflight) };
  }

  /** Proportional Rate Reduction (RFC 6937, with slow-start reduction bound as in Linux). */
  private prrUpdate(delivered: number, newlyLost: number): void {
    this.prr.delivered += delivered;
    const inflight = this.inflight();
    const ssthresh = this.cc.ssthresh;
    let sndcnt: number;
    if (inflight > ssthresh) {
      sndcnt = Math.ceil((this.prr.delivered * ssthresh) / this.prr.recoverFs) - this.prr.out;
    } else {
      sndcnt = Math.min(ssthresh - inflight, Math.max(this.prr.delivered - this.prr.out, delivered) + 1);
    }
    if (this.prr.out === 0 && newlyLost > 0) sndcnt = Math.max(sndcnt, 1);
    this.cc.cwnd = inflight + Math.max(0, sndcnt);
  }

  private setTimer(): void {
    this.q.cancel(this.timer);
    this.timer = undefined;
    if (this.sb.packetsOut === 0) {
      if (this.windowClosedSince === undefined && this.sndNxt < this.written)
        this.windowClosedSince = this.q.now;
      return;
    }
    const now = this.q.now;
    const rtoAt = this.rtoStamp + this.rto;
    if (this.reoDeadline !== undefined) {
      this.arm('reo', this.reoDeadline);
    } else if ((this.state === 'open' || this.state === 'cwr') && !this.tlpHighSeq) {
      const pto = 2 * this.srtt + (this.sb.packetsOut === 1 ? this.o.minRtoMs : 2);
      this.arm('tlp', Math.min(now + pto, rtoAt));
    } else this.arm('rto', rtoAt);
  }

  private arm(kind: 'rto' | 'tlp' | 'reo', at: number): void {
    this.timer = this.q.at(at, () => this.onTimer(kind));
  }

  private onTimer(kind: 'rto' | 'tlp' | 'reo'): void {
    this.timer = undefined;
    if (kind === 'reo') {
      const inflightBefore = this.inflight();
      const lost = this.rackDetect();
      if (lost > 0 && (this.state === 'open' || this.state === 'disorder' || this.state === 'cwr'))
        this.enterRecovery(inflightBefore + lost);
      if (this.state === 'recovery') this.prrUpdate(0, lost);
    } else if (kind === 'tlp') this.probe();
    else this.timeout();
    this.trySend();
    this.setTimer();
  }

  /** Tail Loss Probe: new data if the windows allow, else the last segment again. */
  private probe(): void {
    this.stats.tailLossProbes += 1;
    const unsent = this.written - this.sndNxt;
    const room = this.sndUna + this.rwnd - this.sndNxt;
    if (unsent > 0 && room > 0) {
      const seg: Seg = {
        start: this.sndNxt,
        end: this.sndNxt + Math.min(this.o.mss, unsent, room),
        sentAt: this.q.now,
        xmits: 0,
        sacked: false,
        lost: false,
        retrans: false,
      };
      this.sndNxt = seg.end;
      this.sb.push(seg);
      this.send(seg, false);
      this.tlpRetrans = false;
    } else {
      const last = this.sb.lastUnsacked();
      if (!last) return;
      this.send(last, true);
      this.tlpRetrans = true;
    }
    this.tlpHighSeq = this.sndNxt;
    this.rtoStamp = this.q.now;
    // The RTO is armed next (setTimer sees tlpHighSeq set).
  }

  private timeout(): void {
    this.stats.timeouts += 1;
    // Linux's tcp_enter_loss: ssthresh is reduced on the first timeout of an episode only.
    if (this.state !== 'loss') this.cc.onTimeout();
    else this.cc.cwnd = 1;
    this.state = 'loss';
    this.highSeq = this.sndNxt;
    this.tlpHighSeq = 0;
    for (const s of this.sb.all()) this.sb.markLost(s);
    this.backoff += 1;
    this.rtoStamp = this.q.now;
    this.rack.xmitTime = -1;
  }

  /** Closes the flow-control bookkeeping at the end of a run. */
  finish(): void {
    if (this.windowClosedSince !== undefined) {
      this.stats.windowLimitedMs += this.q.now - this.windowClosedSince;
      this.windowClosedSince = undefined;
    }
  }
}
