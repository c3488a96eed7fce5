// Section `udp`: echo round trips per second with 1 and with 32 datagrams in flight, from a client in a
// child process, against (a) Wirelab's UDP engine in echo mode with its events going to the event bus as
// in the app and (b) a bare node:dgram echo — both measured in the same run (target ≥ 0.8), losses
// reported. The engine's auto-answer cap (10,000/s by default, a guard against echo loops) is raised
// for the run, which is stated in the record's name.
import { spawn } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { EventBus } from '../../src/main/dispatcher/event-bus';
import { UdpEndpoint } from '../../src/main/engines/udp/socket';
import { record, type BenchRecord, type BenchSection } from '../types';

const SECONDS = 3;
const SIZE = 64;
const REPS = 3;

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

function client(port: number, inflight: number): Promise<{ rtt: number; lost: number; sent: number }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [
      '--input-type=module',
      '-e',
      CLIENT,
      String(port),
      String(inflight),
      String(SECONDS),
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

async function measure(
  kind: 'bare' | 'wirelab',
  inflight: number,
): Promise<{ rate: number; lossPct: number }> {
  const srv = kind === 'bare' ? await bareEcho() : await wirelabEcho();
  try {
    const r = await client(srv.port, inflight);
    return { rate: r.rtt / SECONDS, lossPct: r.sent ? (r.lost / r.sent) * 100 : 0 };
  } finally {
    await srv.close();
  }
}

export const udpSection: BenchSection = {
  name: 'udp',
  description:
    'UDP echo round trips/s, 1 and 32 in flight: Wirelab engine (echo, events to the bus) vs bare node:dgram',
  async run(log) {
    const out: BenchRecord[] = [];
    for (const inflight of [1, 32]) {
      let bare = { rate: 0, lossPct: 0 };
      let wl = { rate: 0, lossPct: 0 };
      // Interleaved repetitions, best of each: the machine is shared, so one slow moment should not decide.
      for (let i = 0; i < REPS; i++) {
        const b = await measure('bare', inflight);
        const w = await measure('wirelab', inflight);
        if (b.rate > bare.rate) bare = b;
        if (w.rate > wl.rate) wl = w;
        log(
          `${inflight} in flight, rep ${i + 1}: bare ${b.rate.toFixed(0)}/s (loss ${b.lossPct.toFixed(2)} %), wirelab ${w.rate.toFixed(0)}/s (loss ${w.lossPct.toFixed(2)} %)`,
        );
      }
      out.push(
        record('udp', {
          name: `echo round trips/s, ${inflight} in flight (answer cap raised)`,
          value: Math.round(wl.rate),
          unit: 'rt/s',
          reference: 'bare node:dgram echo',
          referenceValue: Math.round(bare.rate),
          target: 0.8,
        }),
        record('udp', {
          name: `echo loss %, ${inflight} in flight (wirelab)`,
          value: Math.round(wl.lossPct * 1000) / 1000,
          unit: '%',
          reference: 'bare node:dgram echo loss %',
          referenceValue: Math.round(bare.lossPct * 1000) / 1000,
          ratio: null,
          target: null,
        }),
      );
    }
    return out;
  },
};
