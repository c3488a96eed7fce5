// Section `tcp`: the TCP server engine receiving from 50 clients at full speed, against a plain
// node:net sink in the same run (target ≥ 0.8), and the event rate through the browser-shell bridge
// with the bus bounded (every event accounted for as delivered or dropped).
import { spawn } from 'node:child_process';
import { createServer, type Server } from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import WebSocket from 'ws';
import { TcpWorkbench } from '../../src/main/engines/tcp/workbench';
import { EventBus } from '../../src/main/dispatcher/event-bus';
import { wireDecodeBinary, wireEncodeBinary, wireParse } from '../../src/shared/wire-json';
import { startBrowserShell } from '../../src/server/browser-shell';
import { MIN_ROUNDS, interleaved, pairedRatios, spreadOf } from '../harness';
import { record, type BenchSection, type BenchRecord } from '../types';

const CONNS = 50;
const SECONDS = 2;

function blast(port: number, seconds = SECONDS, chunk = 65536): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [
      join(process.cwd(), 'bench', 'load', 'tcp-blast.mjs'),
      String(port),
      String(CONNS),
      String(seconds),
      String(chunk),
    ]);
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.on('exit', () => {
      try {
        resolve((JSON.parse(out) as { sent: number }).sent);
      } catch (err) {
        reject(err);
      }
    });
  });
}

interface Rate {
  /** bytes per second received */
  rate: number;
  /** CPU microseconds this process spent per MB received (less sensitive to other load) */
  cpuPerMb: number;
}

async function measure(port: number, received: () => number, seconds: number): Promise<Rate> {
  const start = received();
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  await blast(port, seconds);
  const cpu = process.cpuUsage(cpu0);
  const bytes = received() - start;
  return {
    rate: (bytes / (performance.now() - t0)) * 1000,
    cpuPerMb: (cpu.user + cpu.system) / (bytes / 1e6),
  };
}

async function plainSink(seconds: number): Promise<Rate> {
  let bytes = 0;
  const server: Server = createServer((s) => s.on('data', (d: Buffer) => (bytes += d.length)));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const rate = await measure((server.address() as { port: number }).port, () => bytes, seconds);
  await new Promise<void>((r) => server.close(() => r()));
  return rate;
}

async function wirelabSink(seconds: number): Promise<Rate & { published: number; dropped: number }> {
  const bench = new TcpWorkbench();
  const bus = new EventBus();
  let bytes = 0;
  let published = 0;
  bench.on((e) => {
    published++;
    if (e.type === 'server.data') bytes += e.bytes;
    bus.publish(e);
  });
  // A subscriber as a transport would be: it serialises every batch it is handed.
  bus.subscribe((batch) => void wireEncodeBinary({ kind: 'events', events: batch }).length);
  const info = await bench.serverStart({
    host: '127.0.0.1',
    port: 0,
    echo: false,
    maxClients: 1000,
    welcomeEncoding: 'text',
  });
  const r = await measure(info.port, () => bytes, seconds);
  bus.flush();
  await bench.close();
  return { ...r, published, dropped: bus.stats().dropped };
}

async function bridge(): Promise<{ delivered: number; dropped: number; seconds: number; published: number }> {
  const dir = mkdtempSync(join(tmpdir(), 'wirelab-bench-'));
  const shell = await startBrowserShell({ port: 0, dataDir: dir, rendererDir: dir, version: 'bench' });
  const ws = new WebSocket(`ws://127.0.0.1:${shell.port}/ws?token=${shell.token}`, {
    origin: `http://127.0.0.1:${shell.port}`,
  });
  await new Promise((r) => ws.once('open', r));
  let delivered = 0;
  let dropped = 0;
  ws.on('message', (raw: Buffer, isBinary: boolean) => {
    const f = (isBinary ? wireDecodeBinary(new Uint8Array(raw)) : wireParse(raw.toString())) as {
      kind: string;
      events?: { engine: string; count?: number }[];
    };
    if (f.kind === 'events') {
      for (const e of f.events ?? []) {
        if (e.engine === 'bus') dropped += e.count ?? 0;
        else delivered++;
      }
    }
  });
  // The bridge's own capacity: data events (64-byte payloads, the size of a typed message) published
  // as fast as the loop allows for a bounded time and count, through the bounded bus, the binary
  // frames and the page's decoder. Every event is accounted for as delivered or reported dropped.
  const bus = shell.services.bus;
  const payload = new Uint8Array(64).fill(0x61);
  const MAX_EVENTS = 2_000_000;
  let published = 0;
  const t0 = performance.now();
  while (performance.now() - t0 < SECONDS * 1000 && published < MAX_EVENTS) {
    for (let i = 0; i < 2000; i++, published++) {
      bus.publish({
        engine: 'tcp',
        type: 'server.data',
        session: 'bench',
        at: Date.now(),
        clientId: 'c1',
        data: payload,
        bytes: 64,
        truncated: false,
      });
    }
    await new Promise((r) => setImmediate(r));
  }
  for (let i = 0; i < 200 && delivered + dropped < published; i++)
    await new Promise((r) => setTimeout(r, 10));
  const seconds = (performance.now() - t0) / 1000;
  ws.close();
  await shell.close();
  rmSync(dir, { recursive: true, force: true });
  return { delivered, dropped, seconds, published };
}

export const tcpSection: BenchSection = {
  name: 'tcp',
  description:
    'TCP server receiving from 50 clients at full speed vs a plain node:net sink; event bridge rate',
  async run(log, options) {
    const seconds = options?.quick ? 1 : SECONDS;
    let last = { published: 0, dropped: 0 };
    // Interleaved rounds (A-B, B-A, …) with per-round ratios, so a noisy neighbour (2 cores) hurts both
    // sides of a round alike. The sink's CPU per MB (process.cpuUsage: the blaster is a child process)
    // is the steadier twin of the wall-clock MB/s.
    const res = await interleaved<'ref' | 'ours', Rate>(
      [
        { key: 'ref', run: () => plainSink(seconds) },
        {
          key: 'ours',
          run: async () => {
            const w = await wirelabSink(seconds);
            last = w;
            return w;
          },
        },
      ],
      MIN_ROUNDS,
    );
    const refs = res.get('ref') ?? [];
    const ours = res.get('ours') ?? [];
    refs.forEach((r, i) =>
      log(
        `round ${i + 1}: plain ${(r.rate / 1e6).toFixed(0)} MB/s ${r.cpuPerMb.toFixed(0)} µs/MB, wirelab ${(ours[i]!.rate / 1e6).toFixed(0)} MB/s ${ours[i]!.cpuPerMb.toFixed(0)} µs/MB`,
      ),
    );
    log(`last wirelab round: ${last.published} events, ${last.dropped} dropped by the bounded bus`);
    const median = (xs: number[]) => spreadOf(xs).median;
    const ref = median(refs.map((r) => r.rate));
    const our = median(ours.map((r) => r.rate));
    const refCpu = median(refs.map((r) => r.cpuPerMb));
    const ourCpu = median(ours.map((r) => r.cpuPerMb));
    // The bridge part needs a working browser shell; when it cannot start, the throughput figures stand.
    const b = await bridge().catch((err: unknown) => {
      log(`bridge skipped: the browser shell did not start (${String(err)})`);
      return undefined;
    });
    if (b)
      log(
        `bridge: ${b.delivered} events delivered, ${b.dropped} dropped (reported as "dropped N") in ${b.seconds.toFixed(1)} s`,
      );
    const recs: BenchRecord[] = [
      record('tcp', {
        name: 'server receive throughput, 50 clients',
        value: our / 1e6,
        unit: 'MB/s',
        reference: 'plain node:net sink',
        referenceValue: ref / 1e6,
        ratioSamples: pairedRatios(
          ours.map((r) => r.rate),
          refs.map((r) => r.rate),
        ),
        target: 0.8,
        basis: 'wall',
      }),
      record('tcp', {
        name: 'server CPU per MB received (ratio = plain / wirelab)',
        value: ourCpu,
        unit: 'µs/MB',
        reference: 'plain node:net sink',
        referenceValue: refCpu,
        ratioSamples: pairedRatios(
          ours.map((r) => r.cpuPerMb),
          refs.map((r) => r.cpuPerMb),
          true,
        ),
        target: 0.8,
        basis: 'cpu',
      }),
      record('tcp', {
        name: 'events dropped by the bounded bus (throughput run)',
        value: last.dropped,
        unit: 'events',
        reference: 'events published',
        referenceValue: last.published,
        target: null,
      }),
    ];
    if (b)
      recs.push(
        record('tcp', {
          name: 'bridge events delivered to the page',
          value: b.delivered / b.seconds,
          unit: 'events/s',
          reference: 'events published',
          referenceValue: b.published / b.seconds,
          target: null,
        }),
      );
    return recs;
  },
};
