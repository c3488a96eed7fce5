// The lab's TCP column, from either source: the TCP model (./tcp-model) or Linux's own TCP through the
// kernel check (./kernel). Both report what the receiving application read and when; the same counting
// (Tally + ReadReplay) turns that into the column, so the two are compared like for like.
import type { LabRunOptions, ProtocolResult } from '../../../shared/contract/lab';
import { runKernelTcp, type KernelTcpOptions } from './kernel';
import { ReadReplay, Tally } from './tally';
import { simulateTcp, type TcpModelOptions } from './tcp-model';

export interface TcpPathLimits {
  reorderHoldMs: number;
  maxQueueBytes: number;
  maxRunMs: number;
  seriesPoints: number;
}

/** The TCP path's own stream of relay decisions, derived from the run's seed (UDP uses the seed itself). */
export const tcpSeed = (seed: number) => (seed ^ 0x9e3779b9) >>> 0;

/** The receivers pause half-way through the sending. */
export const pauseAtMs = (o: Pick<LabRunOptions, 'count' | 'rate'>) => Math.round((o.count / o.rate) * 500);

function pathOptions(o: LabRunOptions, l: TcpPathLimits): KernelTcpOptions & TcpModelOptions {
  return {
    count: o.count,
    size: o.size,
    rate: o.rate,
    lossPct: o.lossPct,
    dupPct: o.dupPct,
    reorderPct: o.reorderPct,
    delayMs: o.delayMs,
    jitterMs: o.jitterMs,
    bandwidthKbps: o.bandwidthKbps,
    seed: tcpSeed(o.seed),
    mss: o.mss,
    rtoMs: o.rtoMs,
    rcvBufBytes: o.rcvBufBytes,
    pauseAtMs: o.pauseMs > 0 ? pauseAtMs(o) : 0,
    pauseMs: o.pauseMs,
    reorderHoldMs: l.reorderHoldMs,
    maxQueueBytes: l.maxQueueBytes,
    maxRunMs: l.maxRunMs,
  };
}

const round3 = (v: number) => Math.round(v * 1000) / 1000;

export type TcpColumn = ProtocolResult & { timedOut: boolean };

/** A column plus every message's latency (ms, NaN if never delivered) for comparisons across runs. */
export interface TcpPathRun {
  result: TcpColumn;
  latencies: Float64Array;
}

function column(
  o: LabRunOptions,
  l: TcpPathLimits,
  sent: number,
  reads: [number, number][],
  relay: ProtocolResult['relay'],
): { result: ProtocolResult; latencies: Float64Array } {
  // Times are ms since the first message was due; message i was due at i / rate.
  const interval = 1000 / o.rate;
  const sendTimes = new Float64Array(o.count);
  for (let i = 0; i < o.count; i++) sendTimes[i] = i * interval;
  const tally = new Tally(o.count, o.size, sendTimes);
  const replay = new ReadReplay(tally, o.size);
  for (const [t, n] of reads) replay.read(n, t);
  const result = tally.result('tcp', sent, 0, relay, l.seriesPoints, { source: 'modelled', sourceText: '' });
  return { result, latencies: tally.latency };
}

/** The TCP column from the model: deterministic, instant, labelled "modelled". */
export function modelTcp(o: LabRunOptions, l: TcpPathLimits): TcpPathRun {
  const m = simulateTcp(pathOptions(o, l));
  const { result: r, latencies } = column(o, l, m.sent, m.reads, m.relay);
  const result: TcpColumn = {
    ...r,
    source: 'modelled',
    sourceText: 'TCP model: CUBIC, SACK, RACK-TLP, 200 ms minimum RTO, delayed ACKs (docs/lab.md)',
    handshakeMs: round3(m.handshakeMs),
    teardownMs: round3(m.teardownMs),
    senderBlockedMs: round3(m.senderBlockedMs),
    windowLimitedMs: round3(m.stats.windowLimitedMs),
    retransmissions: m.stats.retransmissions,
    recovery: {
      fastRecoveries: m.stats.fastRecoveries,
      tailLossProbes: m.stats.tailLossProbes,
      timeouts: m.stats.timeouts,
    },
    congestionControl: 'cubic',
    timedOut: m.timedOut,
  };
  return { result, latencies };
}

/** The TCP column from Linux's TCP between two network namespaces: labelled "measured". */
export async function kernelTcp(
  o: LabRunOptions,
  l: TcpPathLimits,
  signal?: AbortSignal,
): Promise<TcpPathRun> {
  const k = await runKernelTcp(pathOptions(o, l), signal);
  const { result: r, latencies } = column(o, l, k.sent, k.reads, k.relay);
  const result: TcpColumn = {
    ...r,
    source: 'measured',
    sourceText: `Linux TCP (${k.congestionControl}) between two network namespaces, through the same seeded relay`,
    handshakeMs: round3(k.handshakeMs),
    ...(typeof k.teardownMs === 'number' ? { teardownMs: round3(k.teardownMs) } : {}),
    senderBlockedMs: round3(k.senderBlockedMs),
    ...(typeof k.windowLimitedMs === 'number' ? { windowLimitedMs: round3(k.windowLimitedMs) } : {}),
    retransmissions: k.retransmissions,
    recovery: {
      fastRecoveries: k.counters.fastRecoveries ?? 0,
      tailLossProbes: k.counters.tailLossProbes ?? 0,
      timeouts: k.counters.timeouts ?? 0,
    },
    congestionControl: k.congestionControl,
    timedOut: k.timedOut,
  };
  return { result, latencies };
}
