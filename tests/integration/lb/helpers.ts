// Shared pieces of the load-balancer integration tests: balancers and backends on 127.0.0.1 port 0,
// cleaned up after each test, and small clients that read which backend answered.
import { onTestFinished } from 'vitest';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { request } from 'node:http';
import type { LbConfigInput, LbEvent } from '../../../src/shared/contract/lb';
import { LbConfigInput as LbConfigSchema } from '../../../src/shared/contract/lb';
import { LoadBalancer } from '../../../src/main/engines/load-balancer/balancer';
import {
  DemoBackends,
  type DemoBackendsOptions,
} from '../../../src/main/engines/load-balancer/demo-backends';

/**
 * Undoes `fn` when the running test ends, the last registered first. Registered with the test itself,
 * not a module-level list and hook: test files share this module when Vitest runs them in one module
 * graph, and a hook registered at import would belong only to the first file that imported it.
 */
export function onCleanup(fn: () => unknown): void {
  onTestFinished(async () => {
    await fn();
  });
}

export async function startLb(
  config: LbConfigInput,
): Promise<{ lb: LoadBalancer; port: number; events: LbEvent[] }> {
  const lb = new LoadBalancer('t', LbConfigSchema.parse(config));
  const events: LbEvent[] = [];
  lb.on((e) => events.push(e));
  onCleanup(() => lb.close());
  const info = await lb.start();
  return { lb, port: info.port, events };
}

export async function startDemo(
  opts: Partial<DemoBackendsOptions> & { count: number },
): Promise<{ demo: DemoBackends; ports: number[] }> {
  const demo = new DemoBackends('d', {
    host: '127.0.0.1',
    basePort: 0,
    latencyMs: 0,
    failureRate: 0,
    ...opts,
  });
  onCleanup(() => demo.close());
  const info = await demo.start();
  return { demo, ports: info.backends.map((b) => b.port) };
}

/** A raw TCP backend: `onSocket` decides what it does; every socket is destroyed at cleanup. */
export async function rawBackend(
  onSocket: (s: Socket) => void,
): Promise<{ server: Server; port: number; sockets: Set<Socket>; accepted: () => number }> {
  const sockets = new Set<Socket>();
  let accepted = 0;
  const server = createServer({ allowHalfOpen: true }, (s) => {
    accepted += 1;
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
    s.on('error', () => undefined);
    onSocket(s);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  onCleanup(
    () =>
      new Promise<void>((r) => {
        for (const s of sockets) s.destroy();
        server.close(() => r());
      }),
  );
  return { server, port: (server.address() as { port: number }).port, sockets, accepted: () => accepted };
}

/** A backend that writes its name and closes: one connection = one visible pick. */
export function nameBackend(name: string) {
  return rawBackend((s) => {
    s.end(name);
  });
}

/** Connects through the balancer and resolves with everything received until the server closes. */
export function readAll(port: number, opts: { localAddress?: string; send?: string } = {}): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = connect({ host: '127.0.0.1', port, localAddress: opts.localAddress });
    let buf = '';
    s.on('data', (d: Buffer) => (buf += d.toString()));
    s.once('connect', () => {
      if (opts.send) s.write(opts.send);
    });
    s.once('close', () => resolve(buf));
    s.once('error', reject);
  });
}

/** One HTTP GET on a fresh connection; resolves with the X-Backend header and status. */
export function httpGet(port: number, timeoutMs = 5000): Promise<{ backend: string; status: number }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path: '/', agent: false, timeout: timeoutMs }, (res) => {
      res.resume();
      res.once('end', () =>
        resolve({ backend: String(res.headers['x-backend']), status: res.statusCode ?? 0 }),
      );
      res.once('error', reject);
    });
    req.once('timeout', () => req.destroy(new Error('timeout')));
    req.once('error', reject);
    req.end();
  });
}

export function rawConnect(
  port: number,
  opts: { localAddress?: string; allowHalfOpen?: boolean } = {},
): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const s = connect(
      {
        host: '127.0.0.1',
        port,
        localAddress: opts.localAddress,
        allowHalfOpen: opts.allowHalfOpen ?? false,
      },
      () => resolve(s),
    );
    s.once('error', reject);
    onCleanup(() => s.destroy());
  });
}

/** Runs `n` tasks with at most `concurrency` in flight. */
export async function pool<T>(n: number, concurrency: number, task: (i: number) => Promise<T>): Promise<T[]> {
  const out = new Array<T>(n);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(n, concurrency) }, async () => {
      while (next < n) {
        const i = next++;
        out[i] = await task(i);
      }
    }),
  );
  return out;
}

export function count(values: string[]): Record<string, number> {
  const m: Record<string, number> = {};
  for (const v of values) m[v] = (m[v] ?? 0) + 1;
  return m;
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
