// The lab's TCP model: a deterministic simulation of one Linux TCP connection carrying the lab's
// messages through the same seeded impairment as the kernel check's relay (./sender.ts and
// ./receiver.ts say which Linux behaviours are modelled, with their RFCs). No sockets and no clock:
// the same options and seed always give the same result, computed in milliseconds of CPU.
import { EventQueue } from './events';
import { Receiver } from './receiver';
import { Sender, type SenderStats } from './sender';
import { Impairment, Link } from '../impairment';

/** The lab's TCP path, as both the model and the kernel check (../kernel) run it. */
export interface TcpPathOptions {
  count: number;
  size: number;
  /** Messages per second. */
  rate: number;
  lossPct: number;
  dupPct: number;
  reorderPct: number;
  /** One-way delay each way (the round trip is twice this). */
  delayMs: number;
  jitterMs: number;
  bandwidthKbps: number;
  seed: number;
  mss: number;
  /** Minimum retransmission timeout (Linux: 200 ms). */
  rtoMs: number;
  rcvBufBytes: number;
  /** The receiving application stops reading at `pauseAtMs` for `pauseMs` (0 = never). */
  pauseAtMs: number;
  pauseMs: number;
  reorderHoldMs: number;
  maxQueueBytes: number;
  /** Simulated time after which the run is cut off. */
  maxRunMs: number;
}

export interface TcpModelOptions extends TcpPathOptions {
  /** Data packets (0-based, in the order sent, retransmissions included) dropped besides the seeded
   *  losses: scripted losses that show one recovery mechanism at a time (the unit tests use them). */
  dropPackets?: readonly number[];
}

export interface TcpModelResult {
  /** Application reads at the receiver: [ms since the first message was due, bytes]. */
  reads: [number, number][];
  sent: number;
  handshakeMs: number;
  teardownMs: number;
  /** Time the sending application was held back because its socket buffer was full. */
  senderBlockedMs: number;
  timedOut: boolean;
  stats: SenderStats & { acks: number };
  relay: { units: number; dropped: number; duplicated: number; reordered: number; queueDropped: number };
}

/** IPv4 + TCP + timestamp option bytes per segment on the wire. */
const HEADER_BYTES = 52;
const DELAYED_ACK_MS = 40;
const MAX_RTO_MS = 120_000;

export function simulateTcp(o: TcpModelOptions): TcpModelResult {
  const q = new EventQueue();
  const impair = new Impairment(o, o.seed);
  const link = new Link(
    o.bandwidthKbps,
    o.bandwidthKbps > 0 ? (o.maxQueueBytes * 8) / o.bandwidthKbps : Infinity,
  );
  const relay = { units: 0, dropped: 0, duplicated: 0, reordered: 0, queueDropped: 0 };
  const rtt = 2 * o.delayMs;
  let held: { start: number; end: number; copies: number }[] = [];
  let holdTimer: ReturnType<EventQueue['at']> | undefined;

  const receiver = new Receiver(
    q,
    {
      mss: o.mss,
      rcvBufBytes: o.rcvBufBytes,
      delayedAckMs: DELAYED_ACK_MS,
      pauseAt: o.pauseAtMs,
      pauseMs: o.pauseMs,
    },
    (a) => q.at(q.now + o.delayMs, () => sender.onAck(a)),
  );
  const arrive = (at: number, start: number, end: number) => q.at(at, () => receiver.onSegment(start, end));
  const releaseHeld = (at: number) => {
    q.cancel(holdTimer);
    holdTimer = undefined;
    for (const h of held) for (let i = 0; i < h.copies; i++) arrive(at + 0.0005, h.start, h.end);
    held = [];
  };
  // The relay's decisions, per data packet in the order they are sent (as kernel_tcp.py applies them).
  const onWire = (start: number, end: number) => {
    const now = q.now;
    const index = relay.units;
    relay.units += 1;
    const d = impair.decide();
    if (d.drop || o.dropPackets?.includes(index)) {
      relay.dropped += 1;
      return;
    }
    const leaves = link.admit(now, end - start + HEADER_BYTES);
    if (leaves === undefined) {
      relay.queueDropped += 1;
      return;
    }
    const copies = d.duplicate ? 2 : 1;
    if (d.duplicate) relay.duplicated += 1;
    if (d.reorder && held.length === 0) {
      relay.reordered += 1;
      held = [{ start, end, copies }];
      holdTimer = q.at(now + o.reorderHoldMs, () => releaseHeld(q.now + o.delayMs));
      return;
    }
    for (let i = 0; i < copies; i++) arrive(leaves + d.delayMs, start, end);
    if (held.length) releaseHeld(leaves + d.delayMs);
  };
  const sender = new Sender(
    q,
    { mss: o.mss, minRtoMs: o.rtoMs, maxRtoMs: MAX_RTO_MS, synRttMs: rtt, initialRwnd: o.rcvBufBytes },
    (start, end) => onWire(start, end),
  );

  // The application: message i is due at i/rate; a full socket buffer holds it (and those after) back.
  const interval = 1000 / o.rate;
  const sndBuf = () => Math.max(16_384, 2 * Math.max(10, sender.cc.cwnd) * o.mss);
  let next = 0;
  let blockedSince: number | undefined;
  let senderBlockedMs = 0;
  const pump = () => {
    const now = q.now;
    while (next < o.count && next * interval <= now + 1e-9) {
      if (sender.buffered + o.size > sndBuf()) {
        blockedSince ??= now;
        q.at(now + Math.max(0.25, interval), pump); // poll like an app waiting for 'drain'
        return;
      }
      if (blockedSince !== undefined) {
        senderBlockedMs += now - blockedSince;
        blockedSince = undefined;
      }
      sender.write(o.size);
      next += 1;
    }
    if (next < o.count) q.at(next * interval, pump);
  };
  q.at(0, pump);

  const timedOut = !q.drain(o.maxRunMs) || next < o.count || !sender.idle;
  sender.finish();
  return {
    reads: receiver.reads,
    sent: next,
    handshakeMs: rtt,
    // FIN to the receiver, whose application closes at once, and its FIN back.
    teardownMs: rtt,
    senderBlockedMs,
    timedOut,
    stats: { ...sender.stats, acks: receiver.acksSent },
    relay,
  };
}
