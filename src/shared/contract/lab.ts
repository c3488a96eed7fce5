// TCP-vs-UDP lab contract: one run sends the same numbered messages over TCP and over UDP at once,
// through an impairment relay on loopback, and reports each textbook difference between the two as a number.
import { z } from 'zod';
import { method } from './define';
import { empty } from './common';

/**
 * Documented defaults and bounds of a lab run (docs/lab.md) — the one set the UI, the CLI and the API
 * share. Chosen so every claim of the lab shows a non-trivial number at once: 1 % loss (retransmissions
 * and head-of-line blocking), 1 % duplication and reordering (what UDP hands the application and TCP
 * hides), a 10 ms round trip (connection setup), 512-byte messages (TCP segments of 1,460 bytes cut
 * through them, so reads merge and split messages) and receiving applications that stop reading for
 * 100 ms with a 16 KiB receive buffer (flow control: TCP's window closes, UDP's buffer overflows).
 */
export const LAB_DEFAULTS = {
  count: 3000,
  maxCount: 100_000,
  /** Bytes per message, including the 8-byte header (sequence number + size). */
  size: 512,
  minSize: 16,
  maxSize: 8192,
  /** Messages per second, per protocol. */
  rate: 1000,
  maxRate: 20_000,
  lossPct: 1,
  dupPct: 1,
  reorderPct: 1,
  /** One-way delay each way through the relay: the round trip is twice this. */
  delayMs: 5,
  jitterMs: 0,
  /** 0 = no bandwidth cap. */
  bandwidthKbps: 0,
  seed: 1,
  /** TCP: maximum segment size (payload bytes per segment). */
  mss: 1460,
  /** TCP: minimum retransmission timeout — Linux's tcp_rto_min, 200 ms (RFC 6298 says 1 s). */
  rtoMs: 200,
  /** Receive buffer of both receivers: TCP's receive window, UDP's socket buffer (SO_RCVBUF). */
  rcvBufBytes: 16_384,
  minRcvBufBytes: 2048,
  maxRcvBufBytes: 4 * 1024 * 1024,
  /** The receiving applications stop reading for this long, half-way through the run (0 = never). */
  pauseMs: 100,
  /** Where the TCP column comes from: the model, or Linux's TCP through the kernel check. */
  tcpSource: 'model' as 'model' | 'kernel',
  /** A reordered unit waits for the next one at most this long. */
  reorderHoldMs: 1000,
  /** Bytes a bandwidth-capped link queues before it drops. */
  maxQueueBytes: 1024 * 1024,
  /** Latency points returned per protocol for the chart. */
  seriesPoints: 400,
  /** A run is cut off after this long and reported as timed out (below the UI's 120 s call timeout). */
  maxRunMs: 100_000,
};

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
    rcvBufBytes: z
      .number()
      .int()
      .min(LAB_DEFAULTS.minRcvBufBytes)
      .max(LAB_DEFAULTS.maxRcvBufBytes)
      .default(LAB_DEFAULTS.rcvBufBytes),
    pauseMs: z.number().min(0).max(10_000).default(LAB_DEFAULTS.pauseMs),
    tcpSource: z.enum(['model', 'kernel']).default(LAB_DEFAULTS.tcpSource),
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

/** "measured": real sockets and a real kernel produced the numbers; "modelled": the TCP model did. */
export const ResultSource = z.enum(['measured', 'modelled']);
export type ResultSource = z.infer<typeof ResultSource>;

export const ProtocolResult = z.object({
  protocol: z.enum(['tcp', 'udp']),
  source: ResultSource,
  /** What produced the column, in words (shown under the column's heading). */
  sourceText: z.string(),
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
  /** TCP: segments retransmitted after a loss. */
  retransmissions: z.number().optional(),
  /** TCP: how the losses were repaired (the kernel's own counters in the kernel check). */
  recovery: z
    .object({ fastRecoveries: z.number(), tailLossProbes: z.number(), timeouts: z.number() })
    .optional(),
  /** TCP: time the sender had data but the receiver's window was closed (flow control; the kernel's
   *  tcpi_rwnd_limited in the kernel check). */
  windowLimitedMs: z.number().optional(),
  /** TCP: congestion control in use. */
  congestionControl: z.string().optional(),
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
    rcvBufBytes: z.number(),
    pauseMs: z.number(),
    tcpSource: z.enum(['model', 'kernel']),
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
  /** Whether this app instance may run the TCP column through the kernel check, and why not. */
  capabilities: method(
    empty(),
    z.object({ kernel: z.object({ available: z.boolean(), reason: z.string().optional() }) }),
  ),
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

/** Row order and the words for each row: the UI's table and the CLI's print the same. */
export const LAB_ROWS: { metric: LabMetric; label: string }[] = [
  { metric: 'delivered', label: 'Delivered' },
  { metric: 'lost', label: 'Lost' },
  { metric: 'duplicated', label: 'Duplicates seen by the app' },
  { metric: 'outOfOrder', label: 'Out of order' },
  { metric: 'boundaries', label: 'Message boundaries' },
  { metric: 'latency', label: 'Latency p50 / p95 / p99' },
  { metric: 'throughput', label: 'Goodput' },
  { metric: 'handshake', label: 'Connection setup' },
  { metric: 'teardown', label: 'Teardown' },
  { metric: 'flowControl', label: 'Flow control' },
];

/** The words for where a column's numbers come from (a badge in the UI, a tag in the CLI). */
export const LAB_SOURCE_LABELS: Record<ResultSource, string> = {
  measured: 'measured',
  modelled: 'modelled',
};

/**
 * One short text per number, tying it to the textbook list of differences (connection-oriented vs
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
    text: 'The relay drops the same share of packets on both paths; on TCP a drop costs time (a retransmission), on UDP it costs the message.',
  },
  duplicated: {
    difference: 'reliable delivery',
    text: 'TCP numbers every byte and throws away copies it already has (reporting them with a D-SACK, RFC 2883); a UDP application sees a duplicated datagram twice unless it checks itself.',
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
    text: 'A lost TCP segment holds back every byte behind it until it is resent (head-of-line blocking): usually about one round trip later, found by three duplicate ACKs or RACK; a lost tail is probed after two round trips; only when those fail does the 200 ms minimum timeout apply. UDP latency stays at the path delay for what arrives.',
  },
  throughput: {
    difference: 'UDP is lighter',
    text: "UDP sends without waiting for anyone; TCP's congestion control (CUBIC) slows it to what the path delivers, so under heavy loss its goodput drops while UDP keeps its rate and loses data instead.",
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
    text: "While the receiving application does not read, TCP's receive window fills and closes, so the sender waits and nothing is lost; UDP's sender never waits, and what does not fit in the receiver's socket buffer is dropped.",
  },
};

/** What the TCP model does, each with the specification it follows (the lab's explanation lists them). */
export const LAB_TCP_BEHAVIOURS: { name: string; rfc: string; text: string }[] = [
  {
    name: 'Slow start and congestion avoidance',
    rfc: 'RFC 5681, RFC 9438 (CUBIC), RFC 6928',
    text: 'Starts with 10 segments, doubles per round trip until the first loss, then grows along the CUBIC curve (β 0.7), as Linux does by default.',
  },
  {
    name: 'Fast retransmit',
    rfc: 'RFC 5681 §3.2',
    text: 'Three segments acknowledged above a hole mark it lost at once; it is resent about one round trip after it was sent.',
  },
  {
    name: 'Selective acknowledgements',
    rfc: 'RFC 2018, RFC 2883, RFC 6675',
    text: 'The receiver reports which blocks above a hole it holds, so only the missing segments are resent; duplicates are reported with a D-SACK.',
  },
  {
    name: 'RACK-TLP',
    rfc: 'RFC 8985',
    text: 'A segment sent before one already delivered is lost once it is older than the latest round trip plus a reordering window; a lost tail is found by a probe sent two round trips after the last send.',
  },
  {
    name: 'Proportional rate reduction',
    rfc: 'RFC 6937',
    text: 'During recovery the sender paces what it sends so that it ends at the reduced window.',
  },
  {
    name: 'Retransmission timeout',
    rfc: 'RFC 6298',
    text: 'SRTT + max(4·RTTVAR, 200 ms): Linux keeps a 200 ms minimum. Doubled only for consecutive timeouts of the same data; the next new acknowledgement resets it.',
  },
  {
    name: 'Receive-window flow control',
    rfc: 'RFC 9293 §3.8.6',
    text: 'The receiver advertises its free buffer; a window under one segment is advertised as zero, and the sender waits for the update.',
  },
  {
    name: 'Delayed acknowledgements',
    rfc: 'RFC 9293 §3.8.6.3, RFC 1122',
    text: 'In-order data is acknowledged every second full segment or after 40 ms; small pushed segments the application has read, out-of-order data and the first 16 segments are acknowledged at once, as Linux does.',
  },
];

const fmtMs = (v: number | undefined): string =>
  v === undefined || v === null ? '–' : `${v < 10 ? v.toFixed(2) : String(Math.round(v))} ms`;

function fmtRate(bytesPerSecond: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB'];
  let v = bytesPerSecond;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${i === 0 ? String(Math.round(v)) : v.toFixed(1)} ${units[i] as string}/s`;
}

const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

/** The text of every cell, per row and protocol: what the UI's table and the CLI's table both show. */
export function labCells(r: LabResult): Record<LabMetric, { tcp: string; udp: string }> {
  const t = r.tcp;
  const u = r.udp;
  const rec = t.recovery;
  const repaired = rec
    ? `; repaired by ${plural(rec.fastRecoveries, 'fast recovery', 'fast recoveries')}, ${plural(rec.tailLossProbes, 'tail-loss probe')}, ${plural(rec.timeouts, 'timeout')}`
    : '';
  const lat = (p: ProtocolResult) =>
    `${fmtMs(p.latency.p50)} / ${fmtMs(p.latency.p95)} / ${fmtMs(p.latency.p99)}`;
  const blocked = t.senderBlockedMs ? `; write() blocked for ${fmtMs(t.senderBlockedMs)}` : '';
  return {
    delivered: { tcp: `${t.delivered} / ${t.sent}`, udp: `${u.delivered} / ${u.sent}` },
    lost: {
      tcp: `${t.lost} (${plural(t.relay.dropped, 'segment')} dropped, ${plural(t.retransmissions ?? 0, 'retransmission')}${repaired})`,
      udp: `${u.lost}${u.lostInHost ? ` (${u.lostInHost} at the receiver's full buffer)` : ''}`,
    },
    duplicated: {
      tcp: `${t.duplicated} (${plural(t.relay.duplicated, 'copy', 'copies')} discarded by TCP)`,
      udp: String(u.duplicated),
    },
    outOfOrder: { tcp: String(t.outOfOrder), udp: String(u.outOfOrder) },
    boundaries: {
      tcp: `${t.reads} reads: ${t.mergedReads} held several messages, ${plural(t.splitMessages, 'message')} split`,
      udp: `${u.reads} reads: ${u.boundariesKept} messages kept whole`,
    },
    latency: { tcp: lat(t), udp: lat(u) },
    throughput: { tcp: fmtRate(t.throughputBps), udp: fmtRate(u.throughputBps) },
    handshake: { tcp: `${fmtMs(t.handshakeMs)} before the first byte`, udp: 'none' },
    teardown: { tcp: fmtMs(t.teardownMs), udp: 'none' },
    flowControl: {
      tcp: `${t.lost} lost; the sender waited ${fmtMs(t.windowLimitedMs ?? 0)} for the receiver's window${blocked}`,
      udp: `${u.lostInHost ?? 0} lost at the receiver's full buffer; the sender never waits`,
    },
  };
}
