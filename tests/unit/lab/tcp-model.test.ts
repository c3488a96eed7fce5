import { describe, expect, it } from 'vitest';
import { simulateTcp, type TcpModelOptions } from '../../../src/main/engines/lab/tcp-model';
import { EventQueue } from '../../../src/main/engines/lab/tcp-model/events';
import { Cubic } from '../../../src/main/engines/lab/tcp-model/cubic';

const base: TcpModelOptions = {
  count: 20,
  size: 64,
  rate: 1000,
  lossPct: 0,
  dupPct: 0,
  reorderPct: 0,
  delayMs: 5,
  jitterMs: 0,
  bandwidthKbps: 0,
  seed: 1,
  mss: 1460,
  rtoMs: 200,
  rcvBufBytes: 65536,
  pauseAtMs: 0,
  pauseMs: 0,
  reorderHoldMs: 1000,
  maxQueueBytes: 1 << 20,
  maxRunMs: 60_000,
};

/** Latency of every message: when the read holding its last byte happened, minus when it was due. */
function latencies(o: TcpModelOptions, reads: [number, number][]): number[] {
  const out: number[] = [];
  let off = 0;
  for (const [t, n] of reads) {
    off += n;
    while (out.length < Math.floor(off / o.size)) out.push(t - (out.length * 1000) / o.rate);
  }
  return out;
}

function run(extra: Partial<TcpModelOptions>) {
  const o = { ...base, ...extra };
  const r = simulateTcp(o);
  return { r, lat: latencies(o, r.reads) };
}

describe('TCP model', () => {
  it('without loss every message takes the one-way delay, and nothing is resent', () => {
    const { r, lat } = run({ count: 200 });
    expect(lat).toHaveLength(200);
    expect(Math.max(...lat)).toBeCloseTo(5, 6);
    expect(r.stats.retransmissions).toBe(0);
    expect(r.handshakeMs).toBe(10);
    expect(r.timedOut).toBe(false);
  });

  it('is deterministic: the same options and seed give the same reads; another seed does not', () => {
    const o = { count: 2000, lossPct: 3, dupPct: 1, reorderPct: 1 };
    expect(run(o).r).toEqual(run(o).r);
    expect(run({ ...o, seed: 2 }).r.reads).not.toEqual(run(o).r.reads);
  });

  it('one lost segment in the middle: fast retransmit after three SACKed segments, about one RTT late', () => {
    const { r, lat } = run({ dropPackets: [5] });
    expect(r.stats).toMatchObject({ retransmissions: 1, fastRecoveries: 1, timeouts: 0, tailLossProbes: 0 });
    // Sent at 5 ms; the next segment is SACKed at 16 ms; RACK declares it lost at 5 + RTT 10 + min_rtt/4
    // = 17.5 ms (before the third SACK at 18 ms would); the resend arrives 5 ms later.
    expect(lat[5]).toBeCloseTo(17.5, 3);
    // Head-of-line blocking: the messages behind it wait for it.
    expect(lat[6]).toBeCloseTo(16.5, 3);
    expect(lat[9]).toBeGreaterThan(5);
    expect(lat[19]).toBeCloseTo(5, 6);
  });

  it('a lost tail is found by a tail loss probe two round trips later, not by the retransmission timeout', () => {
    const { r, lat } = run({ count: 10, dropPackets: [8, 9] });
    expect(r.stats).toMatchObject({ tailLossProbes: 1, timeouts: 0, retransmissions: 2 });
    // Probe at 17 + 2·SRTT + 2 ms = 39 ms re-sends the last segment; its SACK lets RACK mark the other lost.
    expect(lat[8]).toBeGreaterThan(35);
    expect(lat[8]).toBeLessThan(60);
  });

  it('with one packet out, the probe waits 2·SRTT + 200 ms (room for a delayed ACK), as Linux does', () => {
    const { r, lat } = run({ count: 10, dropPackets: [9] });
    expect(r.stats).toMatchObject({ tailLossProbes: 1, timeouts: 0 });
    expect(lat[9]).toBeGreaterThan(220);
    expect(lat[9]).toBeLessThan(240);
  });

  it('when the probe is lost too, the retransmission timeout repairs it; a second timeout waits twice as long', () => {
    const once = run({ count: 10, dropPackets: [8, 9, 10] });
    expect(once.r.stats).toMatchObject({ tailLossProbes: 1, timeouts: 1 });
    // RTO = SRTT + max(4·RTTVAR, 200 ms) after the probe.
    expect((once.lat[8] as number) - 39).toBeGreaterThan(200);
    expect((once.lat[8] as number) - 39).toBeLessThan(240);
    const twice = run({ count: 10, dropPackets: [8, 9, 10, 11] });
    expect(twice.r.stats.timeouts).toBe(2);
    const extra = (twice.lat[8] as number) - (once.lat[8] as number);
    expect(extra).toBeGreaterThan(400); // exponential backoff: the second timer is twice the first
    expect(extra).toBeLessThan(480);
  });

  it('the receive window holds the sender back while the application does not read; nothing is lost', () => {
    const { r, lat } = run({ count: 1000, rcvBufBytes: 4096, pauseAtMs: 300, pauseMs: 200 });
    expect(lat).toHaveLength(1000);
    expect(r.stats.windowLimitedMs).toBeGreaterThan(50);
    expect(r.stats.windowLimitedMs).toBeLessThan(200);
    expect(r.stats.retransmissions).toBe(0);
    const noPause = run({ count: 1000, rcvBufBytes: 4096 });
    expect(noPause.r.stats.windowLimitedMs).toBe(0);
  });

  it('delayed ACKs: full-sized segments are acknowledged every second one after quick-ack', () => {
    const { r } = run({ count: 400, size: 1460, rate: 2000 });
    expect(r.relay.units).toBe(400);
    expect(r.stats.acks).toBeLessThan(0.6 * 400 + 16);
    expect(r.stats.acks).toBeGreaterThan(0.4 * 400);
  });

  it('slow start fills a long fat path: goodput is limited by the window at first, then grows', () => {
    // 16 Mbit/s offered on a 100 ms round trip: the first round trip carries only the initial window.
    const { r, lat } = run({ count: 4000, size: 1000, rate: 2000, delayMs: 50, rcvBufBytes: 1 << 22 });
    expect(r.relay.units).toBeGreaterThan(2700);
    expect(lat[0]).toBeCloseTo(50, 0);
    expect(lat[100]).toBeGreaterThan(100); // waited for the window to open
    expect(lat[3999]).toBeCloseTo(50, 0); // by then the window is large enough
  });
});

describe('TCP model parts', () => {
  it('the event queue runs events in time order, ties in scheduling order, and skips cancelled ones', () => {
    const q = new EventQueue();
    const seen: string[] = [];
    q.at(5, () => seen.push('b'));
    q.at(1, () => seen.push('a'));
    const c = q.at(3, () => seen.push('x'));
    q.at(5, () => seen.push('c'));
    q.cancel(c);
    expect(q.drain(4)).toBe(false);
    expect(q.drain(100)).toBe(true);
    expect(seen).toEqual(['a', 'b', 'c']);
  });

  it('CUBIC: β 0.7 on a loss, one packet after a timeout, slow start below ssthresh', () => {
    const c = new Cubic();
    c.onAck(10, 0, 10);
    expect(c.cwnd).toBe(20);
    expect(c.onLoss()).toBe(14);
    c.cwnd = 14;
    c.onTimeout();
    expect(c.cwnd).toBe(1);
    expect(c.ssthresh).toBe(9);
  });
});
