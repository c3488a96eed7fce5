// CUBIC congestion control (RFC 9438) as Linux's tcp_cubic.c applies it: cwnd in packets, beta 0.7,
// C 0.4, fast convergence, the Reno-friendly region; slow start below ssthresh (RFC 5681). HyStart is
// not modelled: under the lab's losses slow start ends at the first loss long before HyStart would.

const BETA = 0.7;
const C = 0.4;

export class Cubic {
  cwnd = 10; // RFC 6928 initial window, Linux's TCP_INIT_CWND
  ssthresh = Infinity;
  private lastMaxCwnd = 0;
  private epochStart = -1;
  private origin = 0;
  private k = 0;
  private cnt = 0;
  private ackCnt = 0;
  private renoCwnd = 0;

  /** `acked` packets were newly delivered at `now` (ms); `minRtt` in ms. Only while cwnd-limited. */
  onAck(acked: number, now: number, minRtt: number): void {
    if (this.cwnd < this.ssthresh) {
      const room = Math.min(acked, this.ssthresh - this.cwnd);
      this.cwnd += Math.max(0, Math.floor(room));
      acked -= room;
      if (acked <= 0) return;
    }
    if (this.epochStart < 0) {
      this.epochStart = now;
      this.ackCnt = 0;
      this.renoCwnd = this.cwnd;
      if (this.cwnd < this.lastMaxCwnd) {
        this.k = Math.cbrt((this.lastMaxCwnd - this.cwnd) / C);
        this.origin = this.lastMaxCwnd;
      } else {
        this.k = 0;
        this.origin = this.cwnd;
      }
    }
    const t = (now - this.epochStart + minRtt) / 1000;
    const target = this.origin + C * (t - this.k) ** 3;
    this.cnt = target > this.cwnd ? this.cwnd / (target - this.cwnd) : 100 * this.cwnd;
    // Reno-friendly region: never grow slower than Reno would with the same beta.
    this.ackCnt += acked;
    const renoGain = (3 * (1 - BETA)) / (1 + BETA);
    this.renoCwnd += (renoGain * acked) / this.cwnd;
    if (this.renoCwnd > this.cwnd) this.cnt = Math.min(this.cnt, this.cwnd / (this.renoCwnd - this.cwnd));
    this.cnt = Math.max(this.cnt, 1);
    while (this.ackCnt >= this.cnt) {
      this.ackCnt -= this.cnt;
      this.cwnd += 1;
    }
  }

  /** A loss (or ECN-like reduction): returns the new ssthresh; the caller decides when cwnd follows. */
  onLoss(): number {
    this.epochStart = -1;
    this.lastMaxCwnd = this.cwnd < this.lastMaxCwnd ? (this.cwnd * (1 + BETA)) / 2 : this.cwnd;
    this.ssthresh = Math.max(Math.floor(this.cwnd * BETA), 2);
    return this.ssthresh;
  }

  /** Retransmission timeout: one packet, slow start again up to the reduced ssthresh. */
  onTimeout(): void {
    this.onLoss();
    this.cwnd = 1;
  }
}
