// Section `http`: (1) the mock server's requests/s against a plain node:http server answering the same
// body, both driven by autocannon in a child process (target ≥ 0.8); (2) the composer's load run (undici's
// Client, llhttp parsing) against autocannon, both driving the same plain node:http server that runs in its
// own process (target ≥ 1.0); (3) WebSocket echo round trips through the ws engine against a bare `ws`
// pair in the same run (measured by ws.ts).
// Rounds are interleaved (reference, subject, subject, reference …; bench/harness.ts) and the figure is
// the median of the per-round ratios with its spread, so a burst of load from elsewhere on the machine
// skews one round, not the figure. The mock server also gets a CPU twin: this process's CPU per request
// (the load generator is a child process), which the neighbours barely move.
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import { createRequire } from 'node:module';
import { HttpMockServer, HELLO_WORLD_BODY } from '../../src/main/engines/http-server/server';
import { LoadRun } from '../../src/main/engines/http-client/load';
import { HttpRequestSpec } from '../../src/shared/contract/http-client';
import { MIN_ROUNDS, cpuMicrosSelf, interleaved, pairedRatios, spreadOf } from '../harness';
import { record, type BenchRecord, type BenchSection } from '../types';
import { wsSection } from './ws';

const SECONDS = 1;
const ROUNDS = MIN_ROUNDS;
const median = (xs: number[]) => spreadOf(xs).median;
const CONNECTIONS = 10;

const autocannonBin = createRequire(import.meta.url).resolve('autocannon/autocannon.js');

/** autocannon's CLI in its own process; returns its average requests per second. */
function autocannon(url: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      [autocannonBin, '-j', '-c', String(CONNECTIONS), '-d', String(SECONDS), url],
      { stdio: ['ignore', 'pipe', 'ignore'] },
    );
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.on('error', reject);
    child.on('exit', () => {
      try {
        const j = JSON.parse(out) as { requests: { average: number }; non2xx: number; errors: number };
        if (j.errors > 0 || j.non2xx > 0)
          reject(new Error(`autocannon saw ${j.errors} errors and ${j.non2xx} non-2xx`));
        else resolve(j.requests.average);
      } catch (err) {
        reject(err instanceof Error ? err : new Error(String(err)));
      }
    });
  });
}

/** A plain node:http server answering the seed's page, in a child process. */
function childServer(): Promise<{ url: string; child: ChildProcess }> {
  const code = `require('node:http').createServer((q, s) => { s.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'content-length': ${HELLO_WORLD_BODY.length} }); s.end(${JSON.stringify(HELLO_WORLD_BODY)}); }).listen(0, '127.0.0.1', function () { console.log(this.address().port); });`;
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['-e', code], { stdio: ['ignore', 'pipe', 'inherit'] });
    child.stdout?.once('data', (d: Buffer) =>
      resolve({ url: `http://127.0.0.1:${d.toString().trim()}/`, child }),
    );
    child.on('error', reject);
  });
}

async function composerRun(url: string): Promise<number> {
  const run = new LoadRun('bench', HttpRequestSpec.parse({ url, options: { proxy: 'none' } }), {
    requests: 1_000_000,
    concurrency: CONNECTIONS,
    maxDurationMs: SECONDS * 1000,
  });
  const s = await run.start();
  if (s.errors > 0) throw new Error(`load run saw ${s.errors} errors: ${JSON.stringify(s.errorCodes)}`);
  return s.requestsPerSecond;
}

export const httpSection: BenchSection = {
  name: 'http',
  description: `mock server vs plain node:http, the composer's load run vs autocannon (${CONNECTIONS} connections, ${SECONDS} s runs), WebSocket echo round trips vs a bare ws pair`,
  async run(log, options) {
    const out: BenchRecord[] = [];

    // 1. Server: same body, same load generator.
    const plain: Server = createServer((_q, s) => {
      s.writeHead(200, {
        'content-type': 'text/html; charset=utf-8',
        'content-length': HELLO_WORLD_BODY.length,
      });
      s.end(HELLO_WORLD_BODY);
    });
    await new Promise<void>((r) => plain.listen(0, '127.0.0.1', r));
    const plainUrl = `http://127.0.0.1:${(plain.address() as { port: number }).port}/`;
    const mock = new HttpMockServer('bench', { port: 0 });
    // The app forwards every inspector event to the bus; counting them keeps that cost in the figure.
    let inspected = 0;
    mock.on(() => (inspected += 1));
    const mockUrl = `${(await mock.start()).url}/`;
    try {
      // Server CPU per request: this process's CPU over the run, per request answered (rps × seconds).
      const served = async (url: string) => {
        const c0 = cpuMicrosSelf();
        const rps = await autocannon(url);
        return { rps, cpuPerReq: (cpuMicrosSelf() - c0) / Math.max(1, rps * SECONDS) };
      };
      const res = await interleaved(
        [
          { key: 'plain', run: () => served(plainUrl) },
          { key: 'mock', run: () => served(mockUrl) },
        ],
        ROUNDS,
      );
      const refs = res.get('plain') ?? [];
      const subs = res.get('mock') ?? [];
      refs.forEach((r, i) =>
        log(
          `round ${i + 1}: plain node:http ${r.rps.toFixed(0)} req/s (${r.cpuPerReq.toFixed(1)} µs CPU/req), mock server ${subs[i]!.rps.toFixed(0)} req/s (${subs[i]!.cpuPerReq.toFixed(1)} µs CPU/req)`,
        ),
      );
      log(`mock server emitted ${inspected} inspector events`);
      out.push(
        record('http', {
          name: 'mock server requests/s (Hello World)',
          value: median(subs.map((r) => r.rps)),
          unit: 'req/s',
          reference: 'plain node:http server, same body, autocannon',
          referenceValue: median(refs.map((r) => r.rps)),
          ratioSamples: pairedRatios(
            subs.map((r) => r.rps),
            refs.map((r) => r.rps),
          ),
          target: 0.8,
          basis: 'wall',
        }),
        record('http', {
          name: 'mock server CPU per request (ratio = ref/value)',
          value: median(subs.map((r) => r.cpuPerReq)),
          unit: 'µs/req',
          reference: 'plain node:http server, same body, autocannon',
          referenceValue: median(refs.map((r) => r.cpuPerReq)),
          ratioSamples: pairedRatios(
            subs.map((r) => r.cpuPerReq),
            refs.map((r) => r.cpuPerReq),
            true,
          ),
          target: 0.8,
          basis: 'cpu',
        }),
      );
    } finally {
      await mock.close();
      await new Promise((r) => plain.close(r));
    }

    // 2. Client: same target in its own process, autocannon vs the composer's load run.
    const target = await childServer();
    try {
      const res = await interleaved(
        [
          { key: 'autocannon', run: () => autocannon(target.url) },
          { key: 'composer', run: () => composerRun(target.url) },
        ],
        ROUNDS,
      );
      const refs = res.get('autocannon') ?? [];
      const subs = res.get('composer') ?? [];
      refs.forEach((r, i) =>
        log(
          `round ${i + 1}: autocannon ${r.toFixed(0)} req/s, composer load run ${subs[i]!.toFixed(0)} req/s`,
        ),
      );
      out.push(
        record('http', {
          name: 'composer load run requests/s',
          value: median(subs),
          unit: 'req/s',
          reference: 'autocannon, same target and connections',
          referenceValue: median(refs),
          ratioSamples: pairedRatios(subs, refs),
          target: 1.0,
          basis: 'wall',
        }),
      );
    } finally {
      target.child.kill();
    }

    // 3. WebSocket echo round trips, engine vs bare ws: the issue asks for this figure in this section.
    for (const r of await wsSection.run(log, options)) out.push({ ...r, section: 'http' });
    return out;
  },
};
