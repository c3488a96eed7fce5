// Bench section `lb`: Wirelab's balancer against a bare node:net round-robin pipe proxy and (where
// installed) HAProxy `mode tcp` with one thread, all measured in the same run on the same backends.
//  - 50 keep-alive connections of small HTTP requests (100-byte bodies) from three local backends,
//    with health checks and statistics on: requests/s, p99 and proxy CPU µs per request;
//  - one 1 GiB upload through each proxy: MB/s and proxy CPU per GB.
// Every proxy and the backends run in their own processes (this file re-run with a role), so the load
// generator's and the backends' CPU is not charged to the proxy; proxy CPU is read from /proc. Each
// figure comes from MIN_ROUNDS interleaved rounds (bench/harness.ts), as a median of per-round ratios
// with its spread; wall-clock figures (req/s, MB/s) swing with the neighbours on a shared machine, so
// each also has a CPU-per-unit-of-work twin, which is the steadier one to judge by.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MIN_ROUNDS, cpuMicrosOfPid as cpuMicros, interleaved, pairedRatios, spreadOf } from '../harness';
import { record, type BenchRecord, type BenchSection } from '../types';

// The source file, also when the harness runs bundled (scripts/bench.mjs): helper roles run from it via tsx.
const SELF = join(process.cwd(), 'bench', 'sections', 'lb.ts');
const CONNECTIONS = 50;
const ROUNDS = MIN_ROUNDS;
// The transfer size reaches the sink (a child process) through the environment; --quick sends 64 MiB.
const TRANSFER_BYTES = Number(process.env.WIRELAB_LB_BENCH_BYTES ?? 1024 * 1024 * 1024);
const BODY = 'x'.repeat(99) + '\n';
const RESPONSE = Buffer.from(
  `HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: ${BODY.length}\r\n\r\n${BODY}`,
);

// ---------- roles run in child processes ----------

/** Three HTTP/1.1 keep-alive backends answering every request with the canned 100-byte body, plus a sink. */
async function roleBackends(): Promise<void> {
  const ports: number[] = [];
  for (let i = 0; i < 3; i++) {
    const srv = createServer({ noDelay: true }, (s) => {
      let tail = '';
      s.on('data', (d: Buffer) => {
        const text = tail + d.toString('latin1');
        let n = 0;
        let at = text.indexOf('\r\n\r\n');
        let last = 0;
        while (at >= 0) {
          n += 1;
          last = at + 4;
          at = text.indexOf('\r\n\r\n', last);
        }
        tail = text.slice(last).slice(-3);
        for (let k = 0; k < n; k++) s.write(RESPONSE);
      });
      s.on('error', () => s.destroy());
    });
    await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
    ports.push((srv.address() as { port: number }).port);
  }
  // The sink counts bytes per connection and closes once it has them all.
  const sink = createServer((s) => {
    let n = 0;
    s.on('data', (d: Buffer) => {
      n += d.length;
      if (n >= TRANSFER_BYTES) s.end();
    });
    s.on('error', () => s.destroy());
  });
  await new Promise<void>((r) => sink.listen(0, '127.0.0.1', r));
  process.stdout.write(`${JSON.stringify({ ports, sink: (sink.address() as { port: number }).port })}\n`);
}

/** The reference: about 35 lines, round robin, pipe() both ways, nothing else. */
async function roleBare(backends: number[]): Promise<void> {
  let next = 0;
  const server = createServer({ allowHalfOpen: true, pauseOnConnect: true, noDelay: true }, (client) => {
    const port = backends[next++ % backends.length] as number;
    const upstream = connect({ host: '127.0.0.1', port, allowHalfOpen: true, noDelay: true }, () => {
      client.pipe(upstream);
      upstream.pipe(client);
    });
    const kill = () => {
      client.destroy();
      upstream.destroy();
    };
    client.on('error', kill);
    upstream.on('error', kill);
    client.on('close', () => upstream.end());
    upstream.on('close', () => client.end());
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  process.stdout.write(`${JSON.stringify({ port: (server.address() as { port: number }).port })}\n`);
}

async function roleWirelab(backends: number[], check: 'http' | 'tcp'): Promise<void> {
  const { LoadBalancer } = await import('../../src/main/engines/load-balancer/balancer');
  const { LB_DEFAULTS } = await import('../../src/shared/contract/lb-defaults');
  // The configuration is written out in full instead of parsed with the contract's zod schema, so this
  // process holds the balancer and nothing else — like the bare proxy's. (Loading unrelated modules
  // changes V8's heap and malloc's arenas enough to double the cost of a 1 GiB copy in either proxy.)
  const lb = new LoadBalancer('bench', {
    host: '127.0.0.1',
    port: 0,
    strategy: 'rr',
    proxyProtocol: 'off',
    backends: backends.map((port) => ({
      host: '127.0.0.1',
      port,
      weight: 1,
      enabled: true,
      drain: false,
      maxConn: 0,
    })),
    health: { ...LB_DEFAULTS.health, type: check, intervalMs: 1000 },
    limits: {
      maxConn: LB_DEFAULTS.maxConn,
      connectTimeoutMs: LB_DEFAULTS.connectTimeoutMs,
      idleTimeoutMs: LB_DEFAULTS.idleTimeoutMs,
      halfClosedTimeoutMs: LB_DEFAULTS.halfClosedTimeoutMs,
      queueSize: LB_DEFAULTS.queueSize,
      queueTimeoutMs: LB_DEFAULTS.queueTimeoutMs,
      retries: LB_DEFAULTS.retries,
    },
  });
  // Statistics are on (one sample a second, as in the app); a listener receives them like the UI's bus.
  let lastSample = 0;
  lb.on((e) => {
    if (e.type === 'stats') lastSample = e.sample.connsPerSec;
  });
  process.on('SIGUSR2', () => process.stderr.write(`last sample ${lastSample} conn/s\n`));
  const info = await lb.start();
  process.stdout.write(`${JSON.stringify({ port: info.port })}\n`);
}

// ---------- the driver ----------

interface Proc {
  child: ChildProcess;
  info: Record<string, unknown>;
}

function startRole(role: string, args: string[] = [], bytes = TRANSFER_BYTES): Promise<Proc> {
  const child = spawn(process.execPath, ['--import', 'tsx', SELF, ...args], {
    env: { ...process.env, WIRELAB_LB_BENCH_ROLE: role, WIRELAB_LB_BENCH_BYTES: String(bytes) },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  return new Promise((resolve, reject) => {
    let buf = '';
    child.stdout?.on('data', (d: Buffer) => {
      buf += d.toString();
      const nl = buf.indexOf('\n');
      if (nl >= 0) resolve({ child, info: JSON.parse(buf.slice(0, nl)) as Record<string, unknown> });
    });
    child.once('exit', (code) => reject(new Error(`${role} exited with ${code}`)));
  });
}

function stop(child: ChildProcess): Promise<void> {
  return new Promise((r) => {
    if (child.exitCode !== null) return r();
    child.once('exit', () => r());
    child.kill('SIGTERM');
    setTimeout(() => child.kill('SIGKILL'), 3000).unref();
  });
}

function hasTool(cmd: string): boolean {
  return ['/usr/bin', '/usr/sbin', '/usr/local/bin', '/usr/local/sbin', '/bin', '/sbin'].some((d) =>
    existsSync(join(d, cmd)),
  );
}

interface AutocannonResult {
  requests: { average: number; total: number };
  latency: { p99: number };
  errors: number;
  timeouts: number;
  non2xx: number;
}

interface LoadResult {
  rps: number;
  p99Ms: number;
  cpuUsPerReq: number;
  errors: number;
}

function parseWrkLatency(text: string): number {
  const m = /99%\s+([\d.]+)(us|ms|s)\b/.exec(text);
  if (!m) return NaN;
  const v = Number(m[1]);
  return m[2] === 'us' ? v / 1000 : m[2] === 's' ? v * 1000 : v;
}

async function loadRun(port: number, pid: number, seconds: number): Promise<LoadResult> {
  const cpu0 = cpuMicros(pid);
  if (hasTool('wrk')) {
    const r = spawnSync(
      'wrk',
      ['-t1', `-c${CONNECTIONS}`, `-d${seconds}s`, '--latency', `http://127.0.0.1:${port}/`],
      { encoding: 'utf8', timeout: (seconds + 20) * 1000 },
    );
    const cpu1 = cpuMicros(pid);
    const out = r.stdout ?? '';
    const total = Number(/(\d+) requests in/.exec(out)?.[1] ?? 0);
    const rps = Number(/Requests\/sec:\s+([\d.]+)/.exec(out)?.[1] ?? 0);
    const errs = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(out);
    const non2xx = Number(/Non-2xx or 3xx responses: (\d+)/.exec(out)?.[1] ?? 0);
    const errors = (errs ? errs.slice(1).reduce((a, b) => a + Number(b), 0) : 0) + non2xx;
    return { rps, p99Ms: parseWrkLatency(out), cpuUsPerReq: total ? (cpu1 - cpu0) / total : NaN, errors };
  }
  // autocannon ships no types; only the fields read here are declared.
  const specifier = 'autocannon';
  const { default: autocannon } = (await import(specifier)) as {
    default: (o: Record<string, unknown>) => Promise<AutocannonResult>;
  };
  const res = await autocannon({
    url: `http://127.0.0.1:${port}/`,
    connections: CONNECTIONS,
    duration: seconds,
  });
  const cpu1 = cpuMicros(pid);
  return {
    rps: res.requests.average,
    p99Ms: res.latency.p99,
    cpuUsPerReq: res.requests.total ? (cpu1 - cpu0) / res.requests.total : NaN,
    errors: res.errors + res.timeouts + res.non2xx,
  };
}

/** Sends TRANSFER_BYTES through the proxy to the sink; MB/s from first byte sent to the sink's close. */
function transfer(port: number, bytes: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const chunk = Buffer.alloc(256 * 1024, 0x61);
    const sock: Socket = connect({ host: '127.0.0.1', port, allowHalfOpen: true });
    let sent = 0;
    let t0 = 0;
    const pump = () => {
      while (sent < bytes) {
        sent += chunk.length;
        if (!sock.write(chunk)) return void sock.once('drain', pump);
      }
      sock.end();
    };
    sock.once('connect', () => {
      t0 = performance.now();
      pump();
    });
    sock.resume();
    sock.once('close', () => resolve(bytes / 1e6 / ((performance.now() - t0) / 1000)));
    sock.once('error', reject);
  });
}

const median = (xs: number[]) => spreadOf(xs).median;

async function haproxyStart(backends: number[], dir: string): Promise<Proc & { port: number }> {
  const { exportHaproxy } = await import('../../src/main/engines/load-balancer/export');
  const { LbConfigInput } = await import('../../src/shared/contract/lb');
  // A fixed port is needed in the file; take a free one from the kernel and hand it over.
  const probe = createServer();
  await new Promise<void>((r) => probe.listen(0, '127.0.0.1', r));
  const port = (probe.address() as { port: number }).port;
  await new Promise<void>((r) => probe.close(() => r()));
  const cfg = exportHaproxy(
    LbConfigInput.parse({
      port,
      strategy: 'wrr',
      backends: backends.map((p) => ({ host: '127.0.0.1', port: p })),
      health: { type: 'http', intervalMs: 1000 },
    }),
  ).text.replace('global\n', 'global\n    nbthread 1\n');
  const file = join(dir, 'haproxy.cfg');
  writeFileSync(file, cfg);
  const child = spawn('haproxy', ['-db', '-f', file], { stdio: ['ignore', 'ignore', 'pipe'] });
  for (let i = 0; i < 100; i++) {
    const up = await new Promise<boolean>((r) => {
      const s = connect({ host: '127.0.0.1', port }, () => {
        s.destroy();
        r(true);
      });
      s.once('error', () => r(false));
    });
    if (up) return { child, info: {}, port };
    await new Promise((r) => setTimeout(r, 50));
  }
  await stop(child);
  throw new Error('haproxy did not start');
}

export const lbSection: BenchSection = {
  name: 'lb',
  description: `L4 balancer: ${CONNECTIONS} conns of 100-byte HTTP responses from 3 backends (checks + stats on) vs a bare pipe proxy and HAProxy; bulk transfer; ${ROUNDS} interleaved rounds`,
  async run(log, options) {
    // Bounded: 3 proxies × ROUNDS × runSeconds of load, plus 2 × ROUNDS transfers (about a minute in
    // full, half that with --quick).
    const runSeconds = options?.quick ? 1 : 2;
    const bytes = options?.quick ? 64 * 1024 * 1024 : TRANSFER_BYTES;
    const sizeLabel = bytes >= 1024 ** 3 ? `${bytes / 1024 ** 3} GiB` : `${bytes / 1024 ** 2} MiB`;
    const out: BenchRecord[] = [];
    const dir = mkdtempSync(join(tmpdir(), 'wirelab-lb-bench-'));
    const backendsProc = await startRole('backends', [], bytes);
    const ports = backendsProc.info.ports as number[];
    const sinkPort = backendsProc.info.sink as number;
    const procs: ChildProcess[] = [backendsProc.child];
    try {
      const bare = await startRole('bare', ports.map(String));
      const wirelab = await startRole('wirelab', ports.map(String));
      procs.push(bare.child, wirelab.child);
      const candidates: { name: string; port: number; pid: number }[] = [
        { name: 'bare', port: bare.info.port as number, pid: bare.child.pid as number },
        { name: 'wirelab', port: wirelab.info.port as number, pid: wirelab.child.pid as number },
      ];
      if (hasTool('haproxy')) {
        const h = await haproxyStart(ports, dir);
        procs.push(h.child);
        candidates.push({ name: 'haproxy', port: h.port, pid: h.child.pid as number });
      } else log('haproxy not installed: HAProxy comparison skipped');
      log(`load generator: ${hasTool('wrk') ? 'wrk' : 'autocannon'}; ${ROUNDS} rounds of ${runSeconds} s`);
      for (const c of candidates) await loadRun(c.port, c.pid, 1); // warm-up (JIT, connection setup)
      // Interleaved rounds (A-B-C, C-B-A, …); ratios are taken per round, so a noisy neighbour on the
      // shared cores hurts every proxy of that round alike instead of whichever ran at the wrong moment.
      const results = await interleaved(
        candidates.map((c) => ({
          key: c.name,
          run: async (round: number) => {
            const r = await loadRun(c.port, c.pid, runSeconds);
            log(
              `${c.name.padEnd(8)} round ${round + 1}: ${r.rps.toFixed(0)} req/s, p99 ${r.p99Ms.toFixed(2)} ms, ${r.cpuUsPerReq.toFixed(1)} µs CPU/req, ${r.errors} errors`,
            );
            return r;
          },
        })),
        ROUNDS,
      );
      const w = results.get('wirelab') ?? [];
      const refs = [
        { key: 'bare', label: 'bare node:net pipe proxy', target: 0.95 },
        { key: 'haproxy', label: 'HAProxy mode tcp nbthread 1', target: 0.8 },
      ];
      const col = (rs: LoadResult[], k: keyof LoadResult) => rs.map((r) => r[k]);
      for (const ref of refs) {
        const b = results.get(ref.key);
        if (!b) continue;
        out.push(
          record('lb', {
            name: `req/s vs ${ref.key}`,
            value: median(col(w, 'rps')),
            unit: 'req/s',
            reference: ref.label,
            referenceValue: median(col(b, 'rps')),
            ratioSamples: pairedRatios(col(w, 'rps'), col(b, 'rps')),
            target: ref.target,
            basis: 'wall',
          }),
        );
        out.push(
          record('lb', {
            name: `CPU per request vs ${ref.key} (ratio = ref/value)`,
            value: median(col(w, 'cpuUsPerReq')),
            unit: 'µs/req',
            reference: ref.label,
            referenceValue: median(col(b, 'cpuUsPerReq')),
            ratioSamples: pairedRatios(col(w, 'cpuUsPerReq'), col(b, 'cpuUsPerReq'), true),
            target: ref.target,
            basis: 'cpu',
          }),
        );
        out.push(
          record('lb', {
            name: `p99 latency vs ${ref.key} (ratio = ref/value)`,
            value: median(col(w, 'p99Ms')),
            unit: 'ms',
            reference: ref.label,
            referenceValue: median(col(b, 'p99Ms')),
            ratioSamples: pairedRatios(col(w, 'p99Ms'), col(b, 'p99Ms'), true),
            target: null,
            basis: 'wall',
          }),
        );
      }
      out.push(
        record('lb', {
          name: 'request errors through Wirelab',
          value: w.reduce((a, r) => a + r.errors, 0),
          unit: 'count',
          reference: null,
          referenceValue: null,
          valueSamples: col(w, 'errors'),
          target: null,
          basis: 'count',
        }),
      );

      // A bulk upload through the balancer and the bare proxy, to the sink (both proxies forward it
      // round robin, so they need the sink as their only backend: fresh processes for this part; the
      // sink speaks no HTTP, so the balancer checks it with TCP connects).
      const bareT = await startRole('bare', [String(sinkPort)]);
      const wlT = await startRole('wirelab-tcpcheck', [String(sinkPort)]);
      procs.push(bareT.child, wlT.child);
      const pair = [
        { key: 'bare', proc: bareT },
        { key: 'wirelab', proc: wlT },
      ];
      const t = await interleaved(
        pair.map(({ key, proc }) => ({
          key,
          run: async (round: number) => {
            const pid = proc.child.pid as number;
            const c0 = cpuMicros(pid);
            const rate = await transfer(proc.info.port as number, bytes);
            // Proxy CPU ms per GB moved: the proxy's own work, whatever the neighbours did meanwhile.
            const cpuMsPerGb = (cpuMicros(pid) - c0) / 1000 / (bytes / 1e9);
            log(
              `${sizeLabel} round ${round + 1}: ${key.padEnd(8)} ${rate.toFixed(0)} MB/s, proxy CPU ${cpuMsPerGb.toFixed(0)} ms/GB`,
            );
            return { rate, cpuMsPerGb };
          },
        })),
        ROUNDS,
      );
      const tw = t.get('wirelab') ?? [];
      const tb = t.get('bare') ?? [];
      out.push(
        record('lb', {
          name: `${sizeLabel} transfer throughput`,
          value: median(tw.map((r) => r.rate)),
          unit: 'MB/s',
          reference: 'bare node:net pipe proxy',
          referenceValue: median(tb.map((r) => r.rate)),
          ratioSamples: pairedRatios(
            tw.map((r) => r.rate),
            tb.map((r) => r.rate),
          ),
          target: 0.95,
          basis: 'wall',
        }),
      );
      out.push(
        record('lb', {
          name: `${sizeLabel} transfer proxy CPU/GB (ratio = ref/value)`,
          value: median(tw.map((r) => r.cpuMsPerGb)),
          unit: 'ms/GB',
          reference: 'bare node:net pipe proxy',
          referenceValue: median(tb.map((r) => r.cpuMsPerGb)),
          ratioSamples: pairedRatios(
            tw.map((r) => r.cpuMsPerGb),
            tb.map((r) => r.cpuMsPerGb),
            true,
          ),
          target: 0.95,
          basis: 'cpu',
        }),
      );
      return out;
    } finally {
      await Promise.all(procs.map((p) => stop(p)));
      rmSync(dir, { recursive: true, force: true });
    }
  },
};

const role = process.env.WIRELAB_LB_BENCH_ROLE;
if (role) {
  const ports = process.argv.slice(2).map(Number);
  const run =
    role === 'backends'
      ? roleBackends()
      : role === 'bare'
        ? roleBare(ports)
        : roleWirelab(ports, role === 'wirelab-tcpcheck' ? 'tcp' : 'http');
  run.catch((err: unknown) => {
    process.stderr.write(`${String(err)}\n`);
    process.exit(1);
  });
  process.on('SIGTERM', () => process.exit(0));
}
