// Bench section `shell`: what the engine host buys the UI-side process. Two browser shells run side by
// side — engines in the shell's own process (the old layout) and engines in the engine host — each
// with a load balancer in front of three demo HTTP backends. Per round, autocannon (its own process)
// drives one balancer at full load for a few seconds while this process measures its own event-loop
// delay p99 and the round trip of a trivial call (app.info) over the shell's WebSocket. Rounds are
// interleaved (A-B-B-A…), medians and spreads reported; lower is better for both figures.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import WebSocket from 'ws';
import { startBrowserShell, type BrowserShell } from '../../src/server/browser-shell';
import { cpuMicrosSelf, fmtSpread, interleaved, pairedRatios, spreadOf } from '../harness';
import { record, type BenchRecord, type BenchSection } from '../types';

const AUTOCANNON = join(process.cwd(), 'node_modules', 'autocannon', 'autocannon.js');

interface Setup {
  shell: BrowserShell;
  ws: WebSocket;
  lbPort: number;
  dir: string;
}

async function setup(engines: 'host' | 'in-process'): Promise<Setup> {
  const dir = mkdtempSync(join(tmpdir(), `wirelab-bench-shell-${engines}-`));
  const shell = await startBrowserShell({
    dataDir: dir,
    rendererDir: dir,
    version: 'bench',
    engines,
    chatDiscovery: false,
  });
  const call = async <T>(channel: string, input: unknown): Promise<T> => {
    const r = await shell.services.dispatcher.call(channel, input);
    if (!r.ok) throw new Error(`${channel}: ${r.error.code} ${r.error.message}`);
    return r.value as T;
  };
  const demo = await call<{ backends: { host: string; port: number }[] }>('lb.demoStart', { count: 3 });
  const lb = await call<{ port: number }>('lb.start', {
    port: 0,
    backends: demo.backends.map((b) => ({ host: b.host, port: b.port })),
  });
  const ws = new WebSocket(`ws://127.0.0.1:${shell.port}/ws?token=${shell.token}`, {
    origin: `http://127.0.0.1:${shell.port}`,
  });
  await new Promise((r, j) => {
    ws.once('open', r);
    ws.once('error', j);
  });
  return { shell, ws, lbPort: lb.port, dir };
}

/** One round: the balancer at full load for `seconds`, this process's event loop and call RTT measured. */
interface RoundResult {
  eldP99: number;
  rttP99: number;
  rttP50: number;
  reqs: number;
  cpuPerReq: number;
}

async function round(s: Setup, seconds: number): Promise<RoundResult> {
  const load = spawn(
    process.execPath,
    [AUTOCANNON, '-c', '50', '-d', String(seconds), '-j', `http://127.0.0.1:${s.lbPort}/`],
    {
      stdio: ['ignore', 'pipe', 'ignore'],
    },
  );
  let out = '';
  load.stdout.on('data', (d: Buffer) => (out += d.toString()));
  const done = new Promise<void>((r) => load.once('exit', () => r()));
  await new Promise((r) => setTimeout(r, 500)); // let the load ramp up
  const eld = monitorEventLoopDelay({ resolution: 5 });
  eld.enable();
  const cpu0 = cpuMicrosSelf();
  const rtts: number[] = [];
  let id = 0;
  const until = performance.now() + (seconds - 1) * 1000;
  while (performance.now() < until) {
    const myId = ++id;
    const t0 = performance.now();
    await new Promise<void>((resolve) => {
      const on = (raw: Buffer, isBinary: boolean) => {
        if (isBinary) return;
        if (raw.toString().startsWith(`{"kind":"result","id":${myId},`)) {
          s.ws.off('message', on);
          resolve();
        }
      };
      s.ws.on('message', on);
      s.ws.send(JSON.stringify({ id: myId, channel: 'app.info', input: {} }));
    });
    rtts.push(performance.now() - t0);
    await new Promise((r) => setTimeout(r, 20));
  }
  eld.disable();
  const cpuMicros = cpuMicrosSelf() - cpu0;
  await done;
  const reqs = ((): number => {
    try {
      return (JSON.parse(out) as { requests: { total: number } }).requests.total;
    } catch {
      return 0;
    }
  })();
  rtts.sort((a, b) => a - b);
  const q = (p: number) => rtts[Math.min(rtts.length - 1, Math.floor(rtts.length * p))] ?? NaN;
  // CPU of this (UI-side) process per request the balancer carried in the measured window: immune to
  // the neighbours' load, unlike the wall-clock figures. The window is the load's minus its ramp-up.
  const measuredReqs = (reqs * (seconds - 1)) / seconds;
  return {
    eldP99: eld.percentile(99) / 1e6,
    rttP99: q(0.99),
    rttP50: q(0.5),
    reqs,
    cpuPerReq: cpuMicros / Math.max(1, measuredReqs),
  };
}

export const shellSection: BenchSection = {
  name: 'shell',
  description:
    'UI-side event-loop delay p99 and app.info round trip while the LB runs at full load: engines in process vs engine host',
  async run(log, options) {
    const seconds = options.quick ? 2 : 3;
    const a = await setup('in-process');
    const b = await setup('host');
    try {
      const results = await interleaved(
        [
          { key: 'in-process' as const, run: () => round(a, seconds) },
          { key: 'host' as const, run: () => round(b, seconds) },
        ],
        5,
      );
      const inproc = results.get('in-process')!;
      const host = results.get('host')!;
      for (const [name, rs] of [
        ['in-process', inproc],
        ['engine host', host],
      ] as const)
        log(
          `${name}: ELD p99 ${fmtSpread(spreadOf(rs.map((r) => r.eldP99)), 1)} ms; app.info RTT p99 ${fmtSpread(spreadOf(rs.map((r) => r.rttP99)), 1)} ms, p50 ${fmtSpread(spreadOf(rs.map((r) => r.rttP50)), 1)} ms; LB requests/round ${fmtSpread(spreadOf(rs.map((r) => r.reqs)), 0)}; UI-process CPU ${fmtSpread(spreadOf(rs.map((r) => r.cpuPerReq)), 1)} µs/request`,
        );
      const out: BenchRecord[] = [];
      for (const [metric, pick, label] of [
        ['eld', (r: (typeof host)[number]) => r.eldP99, 'UI-process event-loop delay p99 under LB load'],
        ['rtt', (r: (typeof host)[number]) => r.rttP99, 'app.info round trip p99 under LB load'],
        ['cpu', (r: (typeof host)[number]) => r.cpuPerReq, 'UI-process CPU per LB request'],
      ] as const) {
        const hs = host.map(pick);
        const is = inproc.map(pick);
        out.push(
          record('shell', {
            name: `${label}, engine host (lower is better; ratio = in-process / host)`,
            value: spreadOf(hs).median,
            valueSamples: hs,
            unit: metric === 'cpu' ? 'µs' : 'ms',
            reference: `engines in the shell process (${metric})`,
            referenceValue: spreadOf(is).median,
            ratioSamples: pairedRatios(hs, is, true),
            target: null,
            basis: metric === 'cpu' ? 'cpu' : 'wall',
          }),
        );
      }
      return out;
    } finally {
      for (const s of [a, b]) {
        s.ws.terminate();
        await s.shell.close();
        rmSync(s.dir, { recursive: true, force: true });
      }
    }
  },
};
