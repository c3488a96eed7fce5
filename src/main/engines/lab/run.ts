// One TCP-vs-UDP lab run on loopback: the same numbered messages at the same rate over both protocols,
// each through its impairment relay, counted by a receiver per protocol. Every socket is opened here and
// closed before the run returns; nothing outlives it.
import { createSocket, type Socket as UdpSocket } from 'node:dgram';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { LAB_DEFAULTS, type LabResult, type LabRunOptions } from '../../../shared/contract/lab';
import { EngineError, toEngineError } from '../common/errors';
import { closeServer, listen } from '../common/net';
import { Tally, StreamFramer, makeMessage } from './tally';
import { TcpRelay } from './tcp-relay';
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

/** Asked of the kernel for every lab UDP socket; it grants at most net.core.rmem_max / wmem_max. */
const UDP_BUFFER_BYTES = 4 * 1024 * 1024;

function bindUdp(): Promise<UdpSocket> {
  return new Promise((resolve, reject) => {
    const s = createSocket({
      type: 'udp4',
      recvBufferSize: UDP_BUFFER_BYTES,
      sendBufferSize: UDP_BUFFER_BYTES,
    });
    s.once('error', (err) => reject(toEngineError(err, 'lab UDP socket')));
    s.bind(0, '127.0.0.1', () => resolve(s));
  });
}

export async function runLab(
  o: LabRunOptions,
  hooks: LabHooks = {},
  limits: Partial<LabLimits> = {},
): Promise<LabResult> {
  const L = { ...LAB_LIMITS, ...limits };
  if (o.size < 8) throw new EngineError('INVALID_INPUT', 'messages need at least 8 bytes for their header');
  const startedAt = Date.now();
  const sendTimes = new Float64Array(o.count);
  const udpTally = new Tally(o.count, o.size, sendTimes);
  const tcpTally = new Tally(o.count, o.size, sendTimes);
  const framer = new StreamFramer(tcpTally, o.size);
  const impair = {
    lossPct: o.lossPct,
    dupPct: o.dupPct,
    reorderPct: o.reorderPct,
    delayMs: o.delayMs,
    jitterMs: o.jitterMs,
  };
  const relayCommon = {
    ...impair,
    bandwidthKbps: o.bandwidthKbps,
    maxQueueBytes: L.maxQueueBytes,
    reorderHoldMs: L.reorderHoldMs,
  };

  const closers: (() => Promise<unknown> | unknown)[] = [];
  const cleanup = async () => {
    for (const c of closers.splice(0).reverse()) await Promise.resolve(c()).catch(() => undefined);
  };
  try {
    // Receivers.
    const udpRx = await bindUdp();
    closers.push(() => new Promise<void>((r) => udpRx.close(() => r())));
    udpRx.on('message', (msg) => {
      const now = performance.now();
      udpTally.reads += 1;
      if (msg.length === o.size) udpTally.boundariesKept += 1;
      if (msg.length >= 8) udpTally.message(msg.readUInt32BE(0), now);
    });
    const rxSockets = new Set<Socket>();
    const tcpRx: Server = createServer((s) => {
      rxSockets.add(s);
      s.on('data', (chunk: Buffer) => framer.read(chunk, performance.now()));
      s.on('error', () => undefined);
      s.on('close', () => rxSockets.delete(s));
    });
    const tcpRxPort = (await listen(tcpRx, 0, '127.0.0.1')).port;
    closers.push(() => {
      for (const s of rxSockets) s.destroy();
      return closeServer(tcpRx);
    });

    // Relays: separate seeds per protocol, so each path's decisions repeat independently.
    const udpRelay = new UdpRelay({
      ...relayCommon,
      seed: o.seed,
      target: { host: '127.0.0.1', port: udpRx.address().port },
    });
    const udpRelayPort = await udpRelay.start();
    closers.push(() => udpRelay.close());
    const tcpRelay = new TcpRelay({
      ...relayCommon,
      seed: (o.seed ^ 0x9e3779b9) >>> 0,
      mss: o.mss,
      rtoMs: o.rtoMs,
      target: { host: '127.0.0.1', port: tcpRxPort },
    });
    const tcpRelayPort = await tcpRelay.start();
    closers.push(() => tcpRelay.close());

    // Senders.
    const udpTx = await bindUdp();
    closers.push(() => new Promise<void>((r) => udpTx.close(() => r())));
    const t0 = performance.now();
    const tcpTx: Socket = connect({ host: '127.0.0.1', port: tcpRelayPort, noDelay: true });
    closers.push(() => tcpTx.destroy());
    await new Promise<void>((resolve, reject) => {
      tcpTx.once('connect', resolve);
      tcpTx.once('error', (err) => reject(toEngineError(err, 'lab TCP sender')));
    });
    tcpTx.on('error', () => undefined);
    let tcpClosed = false;
    const tcpClosedP = new Promise<number>((r) =>
      tcpTx.once('close', () => ((tcpClosed = true), r(performance.now()))),
    );

    // Pacing: message i is due at start + i/rate; both protocols get it at the same moment. TCP stops
    // writing while write() reports a full buffer (flow control) and catches up on 'drain'.
    const start = performance.now();
    const deadline = start + L.maxRunMs;
    const interval = 1000 / o.rate;
    let sent = 0;
    let tcpNext = 0;
    let tcpBlockedSince: number | undefined;
    let senderBlockedMs = 0;
    const writeTcp = () => {
      while (tcpNext < sent && tcpBlockedSince === undefined) {
        const ok = tcpTx.write(makeMessage(tcpNext, o.size));
        tcpNext += 1;
        if (!ok) tcpBlockedSince = performance.now();
      }
    };
    tcpTx.on('drain', () => {
      if (tcpBlockedSince !== undefined) senderBlockedMs += performance.now() - tcpBlockedSince;
      tcpBlockedSince = undefined;
      writeTcp();
    });
    let lastProgress = 0;
    const progress = (force = false) => {
      const now = performance.now();
      if (!force && now - lastProgress < L.progressEveryMs) return;
      lastProgress = now;
      hooks.onProgress?.({
        sent,
        total: o.count,
        tcpDelivered: tcpTally.delivered,
        udpDelivered: udpTally.delivered,
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
      writeTcp();
      progress();
      const nextDue = start + sent * interval;
      await sleep(Math.max(1, Math.min(50, nextDue - performance.now())));
    }

    // Drain: TCP until every message arrived; UDP until the relay holds nothing and the path delay passed.
    const quietMs = o.delayMs + o.jitterMs + 100;
    let lastUdpCount = -1;
    let quietSince = performance.now();
    while (!stop()) {
      const now = performance.now();
      if (udpTally.delivered + udpTally.duplicated !== lastUdpCount || udpRelay.inFlight > 0) {
        lastUdpCount = udpTally.delivered + udpTally.duplicated;
        quietSince = now;
      }
      const tcpDone = tcpTally.delivered >= tcpNext && tcpNext >= sent;
      if (tcpDone && now - quietSince >= quietMs) break;
      progress();
      await sleep(5);
    }
    const timedOut = performance.now() > deadline;

    // Teardown: FIN from the sender, FIN back from the receiver, each crossing the relay.
    let teardownMs: number | undefined;
    if (!timedOut) {
      const tEnd = performance.now();
      tcpTx.end();
      const closedAt = await Promise.race([tcpClosedP, sleep(5000 + 2 * o.delayMs).then(() => undefined)]);
      if (closedAt !== undefined && tcpClosed) teardownMs = Math.round((closedAt - tEnd) * 1000) / 1000;
    }
    progress(true);

    const tcp = tcpTally.result('tcp', sent, start, tcpRelay.stats, L.seriesPoints);
    const udp = udpTally.result('udp', sent, start, udpRelay.stats, L.seriesPoints);
    tcp.handshakeMs = tcpRelay.readyAt !== undefined ? Math.round((tcpRelay.readyAt - t0) * 1000) / 1000 : 0;
    if (teardownMs !== undefined) tcp.teardownMs = teardownMs;
    tcp.senderBlockedMs = Math.round(senderBlockedMs * 1000) / 1000;
    tcp.retransmissions = tcpRelay.retransmissions;
    udp.lostInHost = Math.max(0, udp.lost - udp.relay.dropped - udp.relay.queueDropped);
    const {
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
    } = o;
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
      },
      startedAt,
      durationMs: Math.round(performance.now() - start),
      timedOut,
      tcp,
      udp,
    };
  } finally {
    await cleanup();
  }
}
