// One TCP-vs-UDP lab run. UDP is measured: the numbered messages cross real UDP sockets on 127.0.0.1
// through the seeded impairment relay, and a receiver in its own thread reads them (and really stops
// reading during the receiver pause). TCP comes from the TCP model (./tcp-model, deterministic, labelled
// "modelled") or from Linux's own TCP through the kernel check (./kernel, labelled "measured"), with the
// same options and a seeded relay of its own. Every socket is opened here and closed before the run
// returns; nothing outlives it.
import { createSocket, type Socket as UdpSocket } from 'node:dgram';
import { LAB_DEFAULTS, type LabResult, type LabRunOptions } from '../../../shared/contract/lab';
import { EngineError, toEngineError } from '../common/errors';
import { Tally, makeMessage } from './tally';
import { kernelTcp, modelTcp, pauseAtMs, type TcpPathRun } from './tcp-path';
import { UdpReceiver } from './udp-receiver';
import { UdpRelay } from './udp-relay';

export interface LabHooks {
  onProgress?(p: { sent: number; total: number; tcpDelivered: number; udpDelivered: number }): void;
  /** Polled during the run; true stops it (the partial result is returned). */
  cancelled?(): boolean;
}

export interface LabLimits {
  maxRunMs: number;
  maxQueueBytes: number;
  reorderHoldMs: number;
  seriesPoints: number;
  progressEveryMs: number;
}

export const LAB_LIMITS: LabLimits = {
  maxRunMs: LAB_DEFAULTS.maxRunMs,
  maxQueueBytes: LAB_DEFAULTS.maxQueueBytes,
  reorderHoldMs: LAB_DEFAULTS.reorderHoldMs,
  seriesPoints: LAB_DEFAULTS.seriesPoints,
  progressEveryMs: 250,
};

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const UDP_SEND_BUFFER_BYTES = 4 * 1024 * 1024;

function bindUdp(): Promise<UdpSocket> {
  return new Promise((resolve, reject) => {
    const s = createSocket({ type: 'udp4', sendBufferSize: UDP_SEND_BUFFER_BYTES });
    s.once('error', (err) => reject(toEngineError(err, 'lab UDP socket')));
    s.bind(0, '127.0.0.1', () => resolve(s));
  });
}

const emptyRelay = () => ({ units: 0, dropped: 0, duplicated: 0, reordered: 0, queueDropped: 0 });

/** How many TCP messages had reached the application `elapsed` ms into the run (for progress). */
function deliveredBy(run: TcpPathRun | undefined, interval: number, elapsed: number): number {
  if (!run) return 0;
  let n = 0;
  run.latencies.forEach((lat, i) => {
    if (!Number.isNaN(lat) && i * interval + lat <= elapsed) n++;
  });
  return n;
}

export async function runLab(
  o: LabRunOptions,
  hooks: LabHooks = {},
  limits: Partial<LabLimits> = {},
): Promise<LabResult> {
  const L = { ...LAB_LIMITS, ...limits };
  if (o.size < 8) throw new EngineError('INVALID_INPUT', 'messages need at least 8 bytes for their header');
  const startedAt = Date.now();
  const pathLimits = {
    reorderHoldMs: L.reorderHoldMs,
    maxQueueBytes: L.maxQueueBytes,
    maxRunMs: L.maxRunMs,
    seriesPoints: L.seriesPoints,
  };
  const abort = new AbortController();
  const closers: (() => Promise<unknown> | unknown)[] = [];
  const cleanup = async () => {
    for (const c of closers.splice(0).reverse()) await Promise.resolve(c()).catch(() => undefined);
  };
  try {
    // TCP: the model is computed at once; the kernel check runs alongside the UDP path.
    let tcpRun: TcpPathRun | undefined;
    let tcpError: unknown;
    const tcpDone =
      o.tcpSource === 'kernel'
        ? kernelTcp(o, pathLimits, abort.signal).then(
            (r) => void (tcpRun = r),
            (err: unknown) => void (tcpError = err),
          )
        : Promise.resolve(void (tcpRun = modelTcp(o, pathLimits)));

    // UDP: receiver (own thread), relay, sender.
    const rx = new UdpReceiver(Math.ceil(o.count * 2.2) + 16, o.rcvBufBytes);
    closers.push(() => rx.close());
    const rxPort = await rx.start();
    const udpRelay = new UdpRelay({
      lossPct: o.lossPct,
      dupPct: o.dupPct,
      reorderPct: o.reorderPct,
      delayMs: o.delayMs,
      jitterMs: o.jitterMs,
      bandwidthKbps: o.bandwidthKbps,
      maxQueueBytes: L.maxQueueBytes,
      reorderHoldMs: L.reorderHoldMs,
      seed: o.seed,
      target: { host: '127.0.0.1', port: rxPort },
    });
    const udpRelayPort = await udpRelay.start();
    closers.push(() => udpRelay.close());
    const udpTx = await bindUdp();
    closers.push(() => new Promise<void>((r) => udpTx.close(() => r())));

    // Pacing: message i is due at start + i/rate. The receiver pauses half-way, as the TCP path's does.
    const start = performance.now();
    const deadline = start + L.maxRunMs;
    const interval = 1000 / o.rate;
    const sendTimes = new Float64Array(o.count);
    let pauseTimer: NodeJS.Timeout | undefined;
    if (o.pauseMs > 0) pauseTimer = setTimeout(() => rx.pause(o.pauseMs), pauseAtMs(o));
    closers.push(() => clearTimeout(pauseTimer));
    let sent = 0;
    let lastProgress = 0;
    const progress = (force = false) => {
      const now = performance.now();
      if (!force && now - lastProgress < L.progressEveryMs) return;
      lastProgress = now;
      hooks.onProgress?.({
        sent,
        total: o.count,
        tcpDelivered: deliveredBy(tcpRun, interval, now - start),
        udpDelivered: rx.count,
      });
    };
    const stop = () => hooks.cancelled?.() === true || performance.now() > deadline;
    while (sent < o.count && !stop()) {
      const now = performance.now();
      const due = Math.min(o.count, Math.floor((now - start) / interval) + 1);
      for (; sent < due; sent++) {
        sendTimes[sent] = start + sent * interval;
        udpTx.send(makeMessage(sent, o.size), udpRelayPort, '127.0.0.1');
      }
      progress();
      await sleep(Math.max(1, Math.min(50, start + sent * interval - performance.now())));
    }

    // Drain: UDP until the relay holds nothing and the path delay (and any pause) has passed; the
    // kernel check until it reports.
    const quietMs = o.delayMs + o.jitterMs + o.pauseMs + 100;
    let lastCount = -1;
    let quietSince = performance.now();
    let tcpSettled = false;
    void tcpDone.then(() => (tcpSettled = true));
    while (!stop()) {
      const now = performance.now();
      if (rx.count !== lastCount || udpRelay.inFlight > 0) {
        lastCount = rx.count;
        quietSince = now;
      }
      if (tcpSettled && now - quietSince >= quietMs) break;
      progress();
      await sleep(5);
    }
    if (stop()) abort.abort();
    await tcpDone;
    const timedOut = performance.now() > deadline;
    if (tcpError && !(abort.signal.aborted && hooks.cancelled?.())) throw tcpError;

    const udpTally = new Tally(o.count, o.size, sendTimes);
    for (const a of rx.arrivals()) {
      udpTally.reads += 1;
      if (a.length === o.size) udpTally.boundariesKept += 1;
      if (a.seq >= 0) udpTally.message(a.seq, a.at);
    }
    const udp = udpTally.result('udp', sent, start, udpRelay.stats, L.seriesPoints, {
      source: 'measured',
      sourceText: 'Real UDP sockets on 127.0.0.1 through the seeded relay',
    });
    udp.lostInHost = Math.max(0, udp.lost - udp.relay.dropped - udp.relay.queueDropped);
    progress(true);

    // A kernel check stopped by cancel has nothing to report: its column says so with zeros.
    const tcpFull = tcpRun?.result ?? {
      ...new Tally(o.count, o.size, sendTimes).result('tcp', 0, start, emptyRelay(), 0, {
        source: 'measured',
        sourceText: 'Linux TCP: the kernel check was stopped before it finished',
      }),
      timedOut: true,
    };
    const { timedOut: tcpTimedOut, ...tcp } = tcpFull;
    const { count, size, rate, lossPct, dupPct, reorderPct, delayMs, jitterMs, bandwidthKbps, seed } = o;
    const { mss, rtoMs, rcvBufBytes, pauseMs, tcpSource } = o;
    return {
      options: {
        count,
        size,
        rate,
        lossPct,
        dupPct,
        reorderPct,
        delayMs,
        jitterMs,
        bandwidthKbps,
        seed,
        mss,
        rtoMs,
        rcvBufBytes,
        pauseMs,
        tcpSource,
      },
      startedAt,
      durationMs: Math.round(performance.now() - start),
      timedOut: timedOut || tcpTimedOut,
      tcp,
      udp,
    };
  } finally {
    abort.abort();
    await cleanup();
  }
}
