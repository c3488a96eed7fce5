// Section `udp`: echo round trips per second with 1 and with 32 datagrams in flight, from a client in a
// child process, against (a) Wirelab's UDP engine in echo mode with its events going to the event bus as
// in the app and (b) a bare node:dgram echo — both measured in the same run (target ≥ 0.8), losses
// reported. The engine's auto-answer cap (10,000/s by default, a guard against echo loops) is raised
// for the run, which is stated in the record's name.
import { spawn } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { EventBus } from '../../src/main/dispatcher/event-bus';
import { UdpEndpoint } from '../../src/main/engines/udp/socket';
import { MIN_ROUNDS, cpuMicrosSelf, interleaved, pairedRatios, spreadOf } from '../harness';
import { record, type BenchRecord, type BenchSection } from '../types';

const SECONDS = 1.5;
const SIZE = 64;

// The load generator: keeps `inflight` datagrams outstanding; one that is not answered within 200 ms
// counts as lost and is replaced. Prints {rtt, lost, sent} as JSON.
const CLIENT = `
import { createSocket } from 'node:dgram';
const [port, inflight, seconds, size] = process.argv.slice(1).map(Number);
const s = createSocket('udp4');
const out = new Map();
let seq = 0, done = 0, lost = 0, sent = 0, stop = false;
const buf = Buffer.alloc(size, 0x61);
function fire() {
  if (stop) return;
  const b = Buffer.from(buf); b.writeUInt32BE(seq >>> 0, 0);
  out.set(seq, performance.now()); seq++; sent++;
  s.send(b, port, '127.0.0.1');
}
s.on('message', (m) => {
  const k = m.readUInt32BE(0);
  if (!out.delete(k)) return;
  done++; fire();
});
s.bind(0, '127.0.0.1', () => {
  for (let i = 0; i < inflight; i++) fire();
  const sweep = setInterval(() => {
    const now = performance.now();
    for (const [k, t] of out) if (now - t > 200) { out.delete(k); lost++; fire(); }
  }, 50);
  setTimeout(() => {
    stop = true;
    clearInterval(sweep);
    setTimeout(() => { process.stdout.write(JSON.stringify({ rtt: done, lost: lost + out.size, sent })); s.close(); }, 100);
  }, seconds * 1000);
});
`;

function client(
  port: number,
  inflight: number,
  seconds: number,
): Promise<{ rtt: number; lost: number; sent: number }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [
      '--input-type=module',
      '-e',
      CLIENT,
      String(port),
      String(inflight),
      String(seconds),
      String(SIZE),
    ]);
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.on('exit', () => {
      try {
        resolve(JSON.parse(out) as { rtt: number; lost: number; sent: number });
      } catch {
        reject(new Error(`udp bench client failed: ${err.slice(0, 300)}`));
      }
    });
  });
}

async function bareEcho(): Promise<{ port: number; close: () => Promise<void> }> {
  const s = createSocket('udp4');
  s.on('message', (m, r) => s.send(m, r.port, r.address));
  await new Promise<void>((r) => s.bind(0, '127.0.0.1', () => r()));
  return { port: s.address().port, close: () => new Promise<void>((r) => s.close(() => r())) };
}

async function wirelabEcho(): Promise<{ port: number; close: () => Promise<void>; events: () => number }> {
  const ep = new UdpEndpoint('bench', {
    host: '127.0.0.1',
    port: 0,
    family: 'udp4',
    responder: 'echo',
    maxAutoRepliesPerSecond: 1_000_000,
  });
  const bus = new EventBus();
  let delivered = 0;
  bus.subscribe((batch) => (delivered += batch.length));
  ep.on((e) => bus.publish(e));
  const { port } = await ep.start();
  return {
    port,
    events: () => delivered,
    close: async () => {
      await ep.close();
      bus.close();
    },
  };
}

interface Echo {
  rate: number;
  lossPct: number;
  /** CPU µs of this process (the echo server; the client is a child process) per round trip. */
  cpuPerRt: number;
}

async function measure(kind: 'bare' | 'wirelab', inflight: number, seconds: number): Promise<Echo> {
  const srv = kind === 'bare' ? await bareEcho() : await wirelabEcho();
  try {
    const cpu0 = cpuMicrosSelf();
    const r = await client(srv.port, inflight, seconds);
    const cpu = cpuMicrosSelf() - cpu0;
    return {
      rate: r.rtt / seconds,
      lossPct: r.sent ? (r.lost / r.sent) * 100 : 0,
      cpuPerRt: r.rtt ? cpu / r.rtt : NaN,
    };
  } finally {
    await srv.close();
  }
}

export const udpSection: BenchSection = {
  name: 'udp',
  description:
    'UDP echo round trips/s, 1 and 32 in flight: Wirelab engine (echo, events to the bus) vs bare node:dgram',
  async run(log, options) {
    const seconds = options?.quick ? 0.5 : SECONDS;
    const out: BenchRecord[] = [];
    for (const inflight of [1, 32]) {
      // Interleaved rounds (bare, wirelab, wirelab, bare …), ratios per round: the machine is shared.
      const res = await interleaved<'bare' | 'wirelab', Echo>(
        (['bare', 'wirelab'] as const).map((kind) => ({
          key: kind,
          run: () => measure(kind, inflight, seconds),
        })),
        MIN_ROUNDS,
      );
      const bare = res.get('bare') ?? [];
      const wl = res.get('wirelab') ?? [];
      bare.forEach((b, i) => {
        const w = wl[i]!;
        log(
          `${inflight} in flight, round ${i + 1}: bare ${b.rate.toFixed(0)}/s (loss ${b.lossPct.toFixed(2)} %, ${b.cpuPerRt.toFixed(1)} µs CPU/rt), wirelab ${w.rate.toFixed(0)}/s (loss ${w.lossPct.toFixed(2)} %, ${w.cpuPerRt.toFixed(1)} µs CPU/rt)`,
        );
      });
      const median = (xs: number[]) => spreadOf(xs).median;
      const col = (rs: Echo[], k: keyof Echo) => rs.map((r) => r[k]);
      out.push(
        record('udp', {
          name: `echo round trips/s, ${inflight} in flight (answer cap raised)`,
          value: Math.round(median(col(wl, 'rate'))),
          unit: 'rt/s',
          reference: 'bare node:dgram echo',
          referenceValue: Math.round(median(col(bare, 'rate'))),
          ratioSamples: pairedRatios(col(wl, 'rate'), col(bare, 'rate')),
          target: 0.8,
          basis: 'wall',
        }),
        record('udp', {
          name: `echo server CPU per round trip, ${inflight} in flight (ratio = ref/value)`,
          value: median(col(wl, 'cpuPerRt')),
          unit: 'µs/rt',
          reference: 'bare node:dgram echo',
          referenceValue: median(col(bare, 'cpuPerRt')),
          ratioSamples: pairedRatios(col(wl, 'cpuPerRt'), col(bare, 'cpuPerRt'), true),
          target: null,
          basis: 'cpu',
        }),
        record('udp', {
          name: `echo loss %, ${inflight} in flight (wirelab)`,
          value: Math.round(median(col(wl, 'lossPct')) * 1000) / 1000,
          unit: '%',
          reference: 'bare node:dgram echo loss %',
          referenceValue: Math.round(median(col(bare, 'lossPct')) * 1000) / 1000,
          ratio: null,
          valueSamples: col(wl, 'lossPct'),
          target: null,
        }),
      );
    }
    return out;
  },
};
