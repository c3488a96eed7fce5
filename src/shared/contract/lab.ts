// TCP-vs-UDP lab contract: one run sends the same numbered messages over TCP and over UDP at once,
// through an impairment relay on loopback, and reports each of the seed's differences as a number.
import { z } from 'zod';
import { method } from './define';
import { empty } from './common';

/** Documented defaults and bounds of a lab run (docs/lab.md). */
export const LAB_DEFAULTS = {
  count: 1000,
  maxCount: 100_000,
  /** Bytes per message, including the 8-byte header (sequence number + size). */
  size: 64,
  minSize: 16,
  maxSize: 8192,
  /** Messages per second, per protocol. */
  rate: 1000,
  maxRate: 20_000,
  lossPct: 0,
  dupPct: 0,
  reorderPct: 0,
  delayMs: 5,
  jitterMs: 0,
  /** 0 = no bandwidth cap. */
  bandwidthKbps: 0,
  seed: 1,
  /** TCP model: segment size the relay cuts the stream into. */
  mss: 1460,
  /** TCP model: a lost segment arrives this much later (Linux's minimum retransmission timeout is 200 ms). */
  rtoMs: 200,
  /** A reordered unit waits for the next one at most this long. */
  reorderHoldMs: 1000,
  /** Bytes the relay queues per direction before it stops reading (TCP) or drops (UDP). */
  maxQueueBytes: 1024 * 1024,
  /** Latency points returned per protocol for the chart. */
  seriesPoints: 400,
  /** A run is cut off after this long and reported as timed out (below the UI's 120 s call timeout). */
  maxRunMs: 100_000,
} as const;

const pct = () => z.number().min(0).max(50);

export const LabRunInput = z
  .object({
    count: z.number().int().min(1).max(LAB_DEFAULTS.maxCount).default(LAB_DEFAULTS.count),
    size: z.number().int().min(LAB_DEFAULTS.minSize).max(LAB_DEFAULTS.maxSize).default(LAB_DEFAULTS.size),
    rate: z.number().min(1).max(LAB_DEFAULTS.maxRate).default(LAB_DEFAULTS.rate),
    lossPct: pct().default(LAB_DEFAULTS.lossPct),
    dupPct: pct().default(LAB_DEFAULTS.dupPct),
    reorderPct: pct().default(LAB_DEFAULTS.reorderPct),
    delayMs: z.number().min(0).max(2000).default(LAB_DEFAULTS.delayMs),
    jitterMs: z.number().min(0).max(1000).default(LAB_DEFAULTS.jitterMs),
    bandwidthKbps: z.number().min(0).max(10_000_000).default(LAB_DEFAULTS.bandwidthKbps),
    seed: z
      .number()
      .int()
      .min(0)
      .max(2 ** 32 - 1)
      .default(LAB_DEFAULTS.seed),
    mss: z.number().int().min(536).max(9000).default(LAB_DEFAULTS.mss),
    rtoMs: z.number().int().min(10).max(5000).default(LAB_DEFAULTS.rtoMs),
  })
  .strict();
export type LabRunInput = z.input<typeof LabRunInput>;
export type LabRunOptions = z.output<typeof LabRunInput>;

export const RelayStats = z.object({
  /** Units (datagrams or TCP segments) the relay saw. */
  units: z.number(),
  dropped: z.number(),
  duplicated: z.number(),
  reordered: z.number(),
  /** Units dropped because the bandwidth-capped queue was full (UDP) — TCP pauses its sender instead. */
  queueDropped: z.number(),
});
export type RelayStats = z.infer<typeof RelayStats>;

export const LatencyPoint = z.object({ t: z.number(), ms: z.number() });

export const ProtocolResult = z.object({
  protocol: z.enum(['tcp', 'udp']),
  sent: z.number(),
  delivered: z.number(),
  lost: z.number(),
  duplicated: z.number(),
  outOfOrder: z.number(),
  /** Reads by the receiving application (recv calls that returned data). */
  reads: z.number(),
  /** UDP: messages that arrived as exactly one datagram each. */
  boundariesKept: z.number(),
  /** TCP: reads that held bytes of two or more messages. */
  mergedReads: z.number(),
  /** TCP: messages whose bytes came in two or more reads. */
  splitMessages: z.number(),
  latency: z.object({
    min: z.number(),
    p50: z.number(),
    p95: z.number(),
    p99: z.number(),
    max: z.number(),
    mean: z.number(),
  }),
  series: z.array(LatencyPoint),
  /** Application bytes delivered per second, first send to last delivery. */
  throughputBps: z.number(),
  durationMs: z.number(),
  relay: RelayStats,
  /** TCP: time from connect() until data can flow (one round trip through the relay: SYN, SYN-ACK). */
  handshakeMs: z.number().optional(),
  /** TCP: time from end() until the connection is closed (FIN and ACK each way). */
  teardownMs: z.number().optional(),
  /** TCP: how long the sender was held back by flow control (write() returned false). */
  senderBlockedMs: z.number().optional(),
  /** TCP: segments the model retransmitted after a loss. */
  retransmissions: z.number().optional(),
  /** UDP: lost without the relay deciding it — a socket buffer on this computer overflowed because a
   *  process did not read in time. Real UDP behaviour on a busy host, reported apart from the relay's. */
  lostInHost: z.number().optional(),
});
export type ProtocolResult = z.infer<typeof ProtocolResult>;

export const LabResult = z.object({
  options: z.object({
    count: z.number(),
    size: z.number(),
    rate: z.number(),
    lossPct: z.number(),
    dupPct: z.number(),
    reorderPct: z.number(),
    delayMs: z.number(),
    jitterMs: z.number(),
    bandwidthKbps: z.number(),
    seed: z.number(),
    mss: z.number(),
    rtoMs: z.number(),
  }),
  startedAt: z.number(),
  durationMs: z.number(),
  timedOut: z.boolean(),
  tcp: ProtocolResult,
  udp: ProtocolResult,
});
export type LabResult = z.infer<typeof LabResult>;

export const labContract = {
  /** Runs one comparison to the end and returns both columns. One run at a time per app instance. */
  run: method(LabRunInput, LabResult),
  /** Stops the current run; it returns what it measured so far. */
  cancel: method(empty(), z.object({ cancelled: z.boolean() })),
  defaults: method(empty(), z.object({ defaults: LabRunInput })),
};

export type LabEvent =
  | {
      engine: 'lab';
      type: 'progress';
      session: string;
      at: number;
      sent: number;
      total: number;
      tcpDelivered: number;
      udpDelivered: number;
    }
  | { engine: 'lab'; type: 'done'; session: string; at: number; result: LabResult };

export type LabMetric =
  | 'delivered'
  | 'lost'
  | 'duplicated'
  | 'outOfOrder'
  | 'boundaries'
  | 'latency'
  | 'throughput'
  | 'handshake'
  | 'teardown'
  | 'flowControl';

/**
 * One short text per number, tying it to the seed's list of differences (connection-oriented vs
 * connectionless; reliable ordered delivery vs none; flow and congestion control vs none; UDP's lower
 * overhead). Shared so the UI, the CLI and the docs say the same.
 */
export const LAB_EXPLANATIONS: Record<LabMetric, { difference: string; text: string }> = {
  delivered: {
    difference: 'reliable delivery',
    text: 'TCP acknowledges and resends, so every message arrives; UDP hands each datagram to the network once and what is lost stays lost.',
  },
  lost: {
    difference: 'reliable delivery',
    text: 'The relay drops the same share of units on both paths; on TCP a drop only costs time (a retransmission), on UDP it costs the message.',
  },
  duplicated: {
    difference: 'reliable delivery',
    text: 'TCP numbers every byte and throws away copies it already has; a UDP application sees a duplicated datagram twice unless it checks itself.',
  },
  outOfOrder: {
    difference: 'ordered delivery',
    text: 'TCP holds later bytes back until the gap is filled, so order is never broken; UDP delivers datagrams in whatever order they arrive.',
  },
  boundaries: {
    difference: 'stream vs datagrams',
    text: 'UDP keeps each message as one datagram; TCP is a byte stream, so one read can hold several messages or part of one, and the application must frame them.',
  },
  latency: {
    difference: 'reliability has a price',
    text: 'A lost TCP segment delays everything behind it (head-of-line blocking) by a retransmission timeout; UDP latency stays at the path delay for what does arrive.',
  },
  throughput: {
    difference: 'UDP is lighter',
    text: 'UDP sends without waiting for anyone; TCP slows to what the path and the receiver accept, so under loss its rate drops while UDP keeps its rate and loses data instead.',
  },
  handshake: {
    difference: 'connection-oriented vs connectionless',
    text: "TCP needs a round trip (SYN, SYN-ACK, ACK) before the first byte; UDP's first datagram leaves at once.",
  },
  teardown: {
    difference: 'connection-oriented vs connectionless',
    text: 'Closing a TCP connection takes a FIN and an ACK in each direction; a UDP socket just stops sending.',
  },
  flowControl: {
    difference: 'flow and congestion control',
    text: "When the relay's queue fills, TCP's sender is paused (write() reports a full buffer); UDP keeps sending and the excess is dropped.",
  },
};
