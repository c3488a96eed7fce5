// Section `http`: (1) the mock server's requests/s against a plain node:http server answering the same
// body, both driven by autocannon in a child process (target ≥ 0.8); (2) the composer's load run against
// autocannon, both driving the same plain node:http server that runs in its own process (target ≥ 0.8).
// Runs alternate (reference, subject) for five rounds and the round with the median ratio is reported, so
// a burst of load from elsewhere on the machine skews one round, not the figure.
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import { createRequire } from 'node:module';
import { HttpMockServer, HELLO_WORLD_BODY } from '../../src/main/engines/http-server/server';
import { LoadRun } from '../../src/main/engines/http-client/load';
import { HttpRequestSpec } from '../../src/shared/contract/http-client';
import { record, type BenchRecord, type BenchSection } from '../types';

const SECONDS = 2;
const ROUNDS = 5;

/** The round whose subject/reference ratio is the median. */
function medianRound(refs: number[], subs: number[]): { ref: number; sub: number } {
  const order = refs
    .map((r, i) => ({ ref: r, sub: subs[i] ?? 0 }))
    .sort((a, b) => a.sub / a.ref - b.sub / b.ref);
  return order[Math.floor(order.length / 2)] ?? { ref: 0, sub: 0 };
}
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
  description: `mock server vs plain node:http, and the composer's load run vs autocannon (${CONNECTIONS} connections, ${SECONDS} s runs)`,
  async run(log) {
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
      const refs: number[] = [];
      const subs: number[] = [];
      for (let i = 0; i < ROUNDS; i++) {
        refs.push(await autocannon(plainUrl));
        subs.push(await autocannon(mockUrl));
        log(
          `round ${i + 1}: plain node:http ${refs.at(-1)?.toFixed(0)} req/s, mock server ${subs.at(-1)?.toFixed(0)} req/s`,
        );
      }
      log(`mock server emitted ${inspected} inspector events`);
      const m = medianRound(refs, subs);
      out.push(
        record('http', {
          name: 'mock server requests/s (Hello World)',
          value: m.sub,
          unit: 'req/s',
          reference: 'plain node:http server, same body, autocannon',
          referenceValue: m.ref,
          target: 0.8,
        }),
      );
    } finally {
      await mock.close();
      await new Promise((r) => plain.close(r));
    }

    // 2. Client: same target in its own process, autocannon vs the composer's load run.
    const target = await childServer();
    try {
      const refs: number[] = [];
      const subs: number[] = [];
      for (let i = 0; i < ROUNDS; i++) {
        refs.push(await autocannon(target.url));
        subs.push(await composerRun(target.url));
        log(
          `round ${i + 1}: autocannon ${refs.at(-1)?.toFixed(0)} req/s, composer load run ${subs.at(-1)?.toFixed(0)} req/s`,
        );
      }
      const m = medianRound(refs, subs);
      out.push(
        record('http', {
          name: 'composer load run requests/s',
          value: m.sub,
          unit: 'req/s',
          reference: 'autocannon, same target and connections',
          referenceValue: m.ref,
          target: 0.8,
        }),
      );
    } finally {
      target.child.kill();
    }
    return out;
  },
};
