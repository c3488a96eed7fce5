// Bench section `shell`: what the engine host buys the UI-side process, and the browser shell's edge
// under abuse. Two browser shells run side by side — engines in the shell's own process (the old
// layout) and engines in the engine host. Helper processes are started once and reused by every round,
// so no round pays for a Node start-up: three keep-alive HTTP backends, and autocannon driving a load
// balancer in front of them at full load.
//
// Figures (rounds interleaved A-B-B-A…, medians with spread):
//  - LB at full load: this process's event-loop delay p99, app.info round trip p99 over the shell's
//    WebSocket, the longest CPU block of this process's loop (p99 of CPU used between 1 ms timer ticks,
//    which a descheduled process does not inflate), its CPU per LB request; in-process vs host.
//  - A 4M-deep 8 MB frame from another page: the other page's slowest call, against a 100 ms budget.
//  - A page that stops reading during TCP echo traffic: the shell's RSS growth (budget 64 MiB).
//  - The engine host killed (its warm spare loaded, as by default): time until calls answer again,
//    against a 5 s budget.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Socket } from 'node:net';
import WebSocket from 'ws';
import { startBrowserShell, type BrowserShell } from '../../src/server/browser-shell';
import { cpuMicrosSelf, fmtSpread, interleaved, pairedRatios, spreadOf } from '../harness';
import { record, type BenchRecord, type BenchSection } from '../types';

const BACKENDS = `
const http = require('node:http');
const ports = [];
for (let i = 0; i < 3; i++) {
  const s = http.createServer((req, res) => res.end('ok'));
  s.keepAliveTimeout = 60_000;
  s.listen(0, '127.0.0.1', () => {
    ports.push(s.address().port);
    if (ports.length === 3) process.send(ports);
  });
}
process.on('disconnect', () => process.exit(0));`;

const LOADER = `
const autocannon = require(process.argv[1]);
process.on('message', ({ port, seconds }) => {
  autocannon({ url: 'http://127.0.0.1:' + port + '/', connections: 32, duration: seconds }, (err, res) =>
    process.send({ reqs: err ? 0 : res.requests.total }));
});
process.on('disconnect', () => process.exit(0));`;

// One attacker process for all rounds: each 'go' opens a new page socket and sends the 8 MB frame.
const ATTACKER = `
import WebSocket from 'ws';
const deep = Buffer.alloc(8_000_000, 0x5d).fill(0x5b, 0, 4_000_000).toString('latin1');
let ws;
process.on('message', (m) => {
  if (m === 'open') {
    ws = new WebSocket(process.argv[1], { origin: process.argv[2] });
    ws.on('open', () => process.send('ready'));
    ws.on('close', (code) => process.send('closed ' + code));
  } else ws.send(deep);
});
process.on('disconnect', () => process.exit(0));`;

const TRAFFIC = `
const [port, seconds] = process.argv.slice(1).map(Number);
const sock = require('node:net').connect(port, '127.0.0.1');
const chunk = Buffer.alloc(64 * 1024, 0x61);
sock.on('data', () => undefined);
sock.on('connect', async () => {
  const until = Date.now() + seconds * 1000;
  while (Date.now() < until) if (!sock.write(chunk)) await new Promise((r) => sock.once('drain', r));
  sock.destroy();
});`;

function child(args: string[]): ChildProcess {
  return spawn(process.execPath, args, { cwd: process.cwd(), stdio: ['pipe', 'pipe', 'inherit', 'ipc'] });
}

function nextMessage<T>(c: ChildProcess): Promise<T> {
  return new Promise((resolve) => c.once('message', (m) => resolve(m as T)));
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** CPU this process uses between consecutive 1 ms timer ticks: how long one turn of its loop computes. */
function loopBlocks(): { stop(): number[] } {
  const samples: number[] = [];
  let last = cpuMicrosSelf();
  const timer = setInterval(() => {
    const now = cpuMicrosSelf();
    samples.push((now - last) / 1000);
    last = now;
  }, 1);
  return {
    stop() {
      clearInterval(timer);
      return samples;
    },
  };
}

const quantile = (xs: number[], p: number): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(s.length * p))] ?? NaN;
};

interface Setup {
  shell: BrowserShell;
  ws: WebSocket;
  lbPort: number;
  dir: string;
  nextId: number;
}

async function openPage(shell: BrowserShell): Promise<WebSocket> {
  const ws = new WebSocket(`ws://127.0.0.1:${shell.port}/ws?token=${shell.token}`, {
    origin: `http://127.0.0.1:${shell.port}`,
  });
  await new Promise((r, j) => {
    ws.once('open', r);
    ws.once('error', j);
  });
  return ws;
}

/** One call over the page's socket; resolves with the raw result frame. */
function pageCall(s: Setup, channel: string, input: unknown = {}): Promise<string> {
  const id = ++s.nextId;
  return new Promise((resolve) => {
    const on = (raw: Buffer, isBinary: boolean) => {
      if (isBinary) return;
      const text = raw.toString();
      if (text.startsWith(`{"kind":"result","id":${id},`)) {
        s.ws.off('message', on);
        resolve(text);
      }
    };
    s.ws.on('message', on);
    s.ws.send(JSON.stringify({ id, channel, input }));
  });
}

async function setup(engines: 'host' | 'in-process', backendPorts: number[]): Promise<Setup> {
  const dir = mkdtempSync(join(tmpdir(), `wirelab-bench-shell-${engines}-`));
  const shell = await startBrowserShell({
    dataDir: dir,
    rendererDir: dir,
    version: 'bench',
    engines,
    chatDiscovery: false,
    // Restarts are measured back to back: each kill counts as a first crash (100 ms backoff), and the
    // next spare starts at once instead of a second after.
    hostSupervision: { crashWindowMs: 1, spareDelayMs: 0 },
  });
  const r = await shell.services.dispatcher.call('lb.start', {
    port: 0,
    backends: backendPorts.map((port) => ({ host: '127.0.0.1', port })),
  });
  if (!r.ok) throw new Error(`lb.start: ${r.error.code} ${r.error.message}`);
  return { shell, ws: await openPage(shell), lbPort: (r.value as { port: number }).port, dir, nextId: 0 };
}

interface LbRound {
  eldP99: number;
  rttP99: number;
  blockP99: number;
  reqPerSec: number;
  cpuPerReq: number;
}

/** The balancer at full load for `seconds`; this (UI-side) process measured after a short ramp-up. */
async function lbRound(s: Setup, loader: ChildProcess, seconds: number): Promise<LbRound> {
  const result = nextMessage<{ reqs: number }>(loader);
  loader.send({ port: s.lbPort, seconds });
  const ramp = 0.3;
  await sleep(ramp * 1000);
  const eld = monitorEventLoopDelay({ resolution: 2 });
  eld.enable();
  const blocks = loopBlocks();
  const cpu0 = cpuMicrosSelf();
  const rtts: number[] = [];
  for (const until = performance.now() + (seconds - ramp - 0.2) * 1000; performance.now() < until;) {
    const t0 = performance.now();
    await pageCall(s, 'app.info');
    rtts.push(performance.now() - t0);
    await sleep(10);
  }
  const cpuMicros = cpuMicrosSelf() - cpu0;
  const block = blocks.stop();
  eld.disable();
  const { reqs } = await result;
  const measuredReqs = (reqs * (seconds - ramp - 0.2)) / seconds;
  return {
    eldP99: eld.percentile(99) / 1e6,
    rttP99: quantile(rtts, 0.99),
    blockP99: quantile(block, 0.99),
    reqPerSec: reqs / seconds,
    cpuPerReq: cpuMicros / Math.max(1, measuredReqs),
  };
}

/** A page calling back to back while `during` runs: its slowest call and the loop's longest CPU block. */
async function whileCalling(
  s: Setup,
  during: () => Promise<unknown>,
): Promise<{ maxMs: number; blockMs: number }> {
  let stop = false;
  let maxMs = 0;
  const blocks = loopBlocks();
  const loop = (async () => {
    while (!stop) {
      const t0 = performance.now();
      await pageCall(s, 'tcp.list');
      maxMs = Math.max(maxMs, performance.now() - t0);
    }
  })();
  await during();
  stop = true;
  await loop;
  return { maxMs, blockMs: Math.max(...blocks.stop()) };
}

async function deepFrameRound(
  s: Setup,
  attacker: ChildProcess | undefined,
): Promise<{ maxMs: number; blockMs: number }> {
  if (!attacker) return whileCalling(s, () => sleep(400));
  // Connected before the window opens: connecting is not charged to the figure.
  const ready = nextMessage<string>(attacker);
  attacker.send('open');
  if ((await ready) !== 'ready') throw new Error('the attacker could not connect');
  return whileCalling(s, async () => {
    const closed = nextMessage<string>(attacker);
    attacker.send('go');
    const how = await closed;
    if (how !== 'closed 1008') throw new Error(`the deep frame was not refused: ${how}`);
  });
}

/**
 * A page that stops reading during TCP echo traffic: the shell's RSS growth in MiB. The traffic runs
 * until the shell has paused the engine host and `afterPauseS` more seconds (at most `maxS`): from
 * then on the shell receives nothing, so its memory stays where it is.
 */
async function slowReader(
  s: Setup,
  afterPauseS: number,
  maxS: number,
): Promise<{ growMb: number; pauses: number; seconds: number }> {
  const page = await openPage(s.shell);
  const started = JSON.parse(
    await pageCall({ ...s, ws: page }, 'tcp.serverStart', { port: 0, echo: true }),
  ) as {
    result: { value: { port: number; session: string } };
  };
  (page as unknown as { _socket: Socket })._socket.pause();
  const pauses0 = s.shell.stats().enginePauses;
  const rss0 = process.memoryUsage().rss;
  let rssMax = rss0;
  const sampler = setInterval(() => (rssMax = Math.max(rssMax, process.memoryUsage().rss)), 50);
  const t0 = performance.now();
  const traffic = spawn(process.execPath, ['-e', TRAFFIC, String(started.result.value.port), String(maxS)], {
    stdio: 'ignore',
  });
  const exited = new Promise((r) => traffic.once('exit', r));
  let pausedAt: number | undefined;
  while (traffic.exitCode === null && traffic.signalCode === null) {
    if (pausedAt === undefined && s.shell.stats().enginePauses > pauses0) pausedAt = performance.now();
    if (pausedAt !== undefined && performance.now() - pausedAt > afterPauseS * 1000) traffic.kill();
    await Promise.race([exited, sleep(50)]);
  }
  clearInterval(sampler);
  page.terminate();
  await s.shell.services.dispatcher.call('tcp.serverStop', { session: started.result.value.session });
  return {
    growMb: (rssMax - rss0) / 1048576,
    pauses: s.shell.stats().enginePauses - pauses0,
    seconds: (performance.now() - t0) / 1000,
  };
}

/** Kills the engine host and polls until a call answers again; ms from the kill. */
async function restartRound(s: Setup): Promise<number> {
  const pid = s.shell.enginePid();
  if (!pid) throw new Error('no engine host');
  // The default setup: a warm spare is loaded and waiting (the shell starts one after each restart).
  for (let i = 0; i < 3000 && !s.shell.spareEnginePid(); i++) await sleep(10);
  const t0 = performance.now();
  process.kill(pid, 'SIGKILL');
  while (performance.now() - t0 < 30_000) {
    const r = await pageCall(s, 'app.info');
    if (r.includes('"ok":true') && s.shell.enginePid() !== pid) return performance.now() - t0;
    await sleep(10);
  }
  throw new Error('the engine host did not come back within 30 s');
}

const ms = (s: ReturnType<typeof spreadOf>, digits = 1) => `${fmtSpread(s, digits)} ms`;

export const shellSection: BenchSection = {
  name: 'shell',
  description:
    'UI-side event-loop delay and app.info round trip with the LB at full load (engines in process vs engine host); deep frame, slow reader, host restart',
  async run(log, options) {
    const lbSeconds = options.quick ? 1.2 : 1.6;
    const backends = child(['-e', BACKENDS]);
    const loader = child(['-e', LOADER, join(process.cwd(), 'node_modules', 'autocannon')]);
    const helpers: ChildProcess[] = [backends, loader];
    const setups: Setup[] = [];
    try {
      const ports = await nextMessage<number[]>(backends);
      const a = await setup('in-process', ports);
      setups.push(a);
      const b = await setup('host', ports);
      setups.push(b);
      const out: BenchRecord[] = [];

      // 1. The LB at full load, engines in this process vs in the engine host.
      const lb = await interleaved(
        [
          { key: 'in-process' as const, run: () => lbRound(a, loader, lbSeconds) },
          { key: 'host' as const, run: () => lbRound(b, loader, lbSeconds) },
        ],
        5,
      );
      const inproc = lb.get('in-process')!;
      const host = lb.get('host')!;
      for (const [name, rs] of [
        ['in-process', inproc],
        ['engine host', host],
      ] as const)
        log(
          `${name}: LB ${fmtSpread(spreadOf(rs.map((r) => r.reqPerSec)), 0)} req/s; ELD p99 ${ms(spreadOf(rs.map((r) => r.eldP99)))}; ` +
            `app.info RTT p99 ${ms(spreadOf(rs.map((r) => r.rttP99)))}; loop CPU block p99 ${ms(spreadOf(rs.map((r) => r.blockP99)), 2)}; ` +
            `UI-process CPU ${fmtSpread(spreadOf(rs.map((r) => r.cpuPerReq)), 1)} µs/request`,
        );
      for (const [metric, pick, label, basis] of [
        ['eld', (r: LbRound) => r.eldP99, 'UI-process event-loop delay p99 under LB load', 'wall'],
        ['rtt', (r: LbRound) => r.rttP99, 'app.info round trip p99 under LB load', 'wall'],
        ['block', (r: LbRound) => r.blockP99, 'UI-process loop CPU block p99 under LB load', 'cpu'],
        ['cpu', (r: LbRound) => r.cpuPerReq, 'UI-process CPU per LB request', 'cpu'],
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
            // The engine host must take the LB's work off the UI process: at least as good as in-process.
            target: 1,
            basis,
          }),
        );
      }

      // 2. A 4M-deep frame from another page while this page calls (engine host layout).
      const attacker = spawn(
        process.execPath,
        [
          '--input-type=module',
          '-e',
          ATTACKER,
          `ws://127.0.0.1:${b.shell.port}/ws?token=${b.shell.token}`,
          `http://127.0.0.1:${b.shell.port}`,
        ],
        { cwd: process.cwd(), stdio: ['ignore', 'ignore', 'inherit', 'ipc'] },
      );
      helpers.push(attacker);
      const deep = await interleaved(
        [
          { key: 'attack' as const, run: () => deepFrameRound(b, attacker) },
          { key: 'quiet' as const, run: () => deepFrameRound(b, undefined) },
        ],
        5,
      );
      const attack = deep.get('attack')!;
      const quiet = deep.get('quiet')!;
      log(
        `deep frame: other page's slowest call ${ms(spreadOf(attack.map((r) => r.maxMs)))} (quiet ${ms(spreadOf(quiet.map((r) => r.maxMs)))}); ` +
          `longest loop CPU block ${ms(spreadOf(attack.map((r) => r.blockMs)))} (quiet ${ms(spreadOf(quiet.map((r) => r.blockMs)))}); ` +
          `${b.shell.stats().deepFramesRefused} frames refused`,
      );
      out.push(
        record('shell', {
          name: "other page's slowest call during a 4M-deep frame (ratio = 100 ms budget / value)",
          value: spreadOf(attack.map((r) => r.maxMs)).median,
          valueSamples: attack.map((r) => r.maxMs),
          unit: 'ms',
          reference: '100 ms budget',
          referenceValue: 100,
          ratioSamples: attack.map((r) => 100 / r.maxMs),
          target: 1,
          basis: 'wall',
        }),
        record('shell', {
          name: "shell's longest loop CPU block during a 4M-deep frame (ratio = quiet / attack)",
          value: spreadOf(attack.map((r) => r.blockMs)).median,
          unit: 'ms',
          reference: 'same window without the attack',
          referenceValue: spreadOf(quiet.map((r) => r.blockMs)).median,
          ratioSamples: pairedRatios(
            attack.map((r) => r.blockMs),
            quiet.map((r) => r.blockMs),
            true,
          ),
          target: null,
          basis: 'cpu',
        }),
      );

      // 3. A page that stops reading during TCP echo traffic. The shell's memory is flat once the
      // engine host is paused, so a few seconds show the peak that the test's 60 s variant reaches.
      const slow = await slowReader(b, 2, options.quick ? 6 : 10);
      log(
        `slow reader: shell RSS +${slow.growMb.toFixed(1)} MiB (budget 64) over ${slow.seconds.toFixed(1)} s of echo, ` +
          `engine host paused ${slow.pauses}×${slow.pauses ? '' : ' (the page never reached its cap: traffic too slow to show the bound)'}`,
      );
      out.push(
        record('shell', {
          name: 'shell RSS growth, a page not reading during TCP echo (one run; budget 64 MiB)',
          value: slow.growMb,
          unit: 'MiB',
          reference: '64 MiB budget',
          referenceValue: 64,
          ratio: 64 / slow.growMb,
          target: null,
          basis: 'count',
        }),
      );

      // 4. The engine host killed: calls answer again after (last: its engines are gone afterwards).
      const restarts: number[] = [];
      for (let i = 0; i < 5; i++) restarts.push(await restartRound(b));
      log(`engine host killed → calls answer again after ${ms(spreadOf(restarts), 0)}`);
      out.push(
        record('shell', {
          name: 'calls answer again after the engine host is killed (ratio = 5 s budget / value)',
          value: spreadOf(restarts).median,
          valueSamples: restarts,
          unit: 'ms',
          reference: '5 s budget',
          referenceValue: 5000,
          ratioSamples: restarts.map((r) => 5000 / r),
          target: 1,
          basis: 'wall',
        }),
      );
      return out;
    } finally {
      for (const s of setups) {
        s.ws.terminate();
        await s.shell.close();
        rmSync(s.dir, { recursive: true, force: true });
      }
      for (const h of helpers) h.kill();
    }
  },
};
