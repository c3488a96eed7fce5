// Demo backends: N small local HTTP servers that answer every request with their name — in the
// `X-Backend` header and the body — so balancing is visible with curl, a browser or the UI. Each can
// be stopped and started (to watch health checks work) and given added latency or a failure rate.
import { createServer, type Server, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { LbDemoBackendInfo, LbDemoInfo, LbEvent } from '../../../shared/contract/lb';
import { TypedEmitter } from '../common/emitter';
import { EngineError } from '../common/errors';
import { closeServer, listen } from '../common/net';

export interface DemoBackendsOptions {
  count: number;
  host: string;
  /** Backend i listens on basePort + i; 0 lets the system pick each port. */
  basePort: number;
  latencyMs: number;
  /** Share of requests (0..1) answered with 503 instead of 200. */
  failureRate: number;
  /** Used for the failure draw; tests pass a deterministic one. */
  random?: () => number;
}

interface DemoBackend {
  index: number;
  name: string;
  port: number;
  server: Server;
  sockets: Set<Socket>;
  running: boolean;
  requests: number;
  latencyMs: number;
  failureRate: number;
}

export class DemoBackends extends TypedEmitter<LbEvent> {
  private readonly backends: DemoBackend[] = [];
  private startPromise?: Promise<LbDemoInfo>;
  private closePromise?: Promise<void>;
  private readonly random: () => number;

  constructor(
    readonly session: string,
    private readonly options: DemoBackendsOptions,
  ) {
    super();
    this.random = options.random ?? Math.random;
  }

  start(): Promise<LbDemoInfo> {
    this.startPromise ??= (async () => {
      try {
        for (let i = 0; i < this.options.count; i++) {
          const b = this.create(i);
          this.backends.push(b);
          const port = this.options.basePort === 0 ? 0 : this.options.basePort + i;
          if (port > 65535)
            throw new EngineError(
              'PORT_OUT_OF_RANGE',
              `base port ${this.options.basePort} + ${i} is above 65535`,
            );
          b.port = (await listen(b.server, port, this.options.host)).port;
          b.running = true;
        }
      } catch (err) {
        await this.stopAll();
        throw err;
      }
      const info = this.info();
      this.emit({ engine: 'lb', type: 'demo.started', session: this.session, at: Date.now(), demo: info });
      return info;
    })();
    return this.startPromise;
  }

  info(): LbDemoInfo {
    return { session: this.session, backends: this.backends.map((b) => this.backendInfo(b)) };
  }

  /** Stops or restarts one backend (same port) and changes its latency or failure rate, live. */
  async set(
    index: number,
    patch: { running?: boolean; latencyMs?: number; failureRate?: number },
  ): Promise<LbDemoBackendInfo> {
    const b = this.backends[index];
    if (!b) throw new EngineError('NOT_FOUND', `demo ${this.session} has no backend ${index}`);
    if (patch.latencyMs !== undefined) b.latencyMs = patch.latencyMs;
    if (patch.failureRate !== undefined) b.failureRate = patch.failureRate;
    if (patch.running === false && b.running) await this.stopOne(b);
    if (patch.running === true && !b.running) {
      b.server = this.makeServer(b);
      await listen(b.server, b.port, this.options.host);
      b.running = true;
    }
    const info = this.backendInfo(b);
    this.emit({ engine: 'lb', type: 'demo.backend', session: this.session, at: Date.now(), backend: info });
    return info;
  }

  close(): Promise<void> {
    this.closePromise ??= (async () => {
      if (this.startPromise) await this.startPromise.catch(() => undefined);
      await this.stopAll();
      this.emit({ engine: 'lb', type: 'demo.stopped', session: this.session, at: Date.now() });
    })();
    return this.closePromise;
  }

  private async stopAll(): Promise<void> {
    await Promise.all(this.backends.filter((b) => b.running).map((b) => this.stopOne(b)));
  }

  /** Like a crashed process: the listener closes and open connections are cut at once. */
  private async stopOne(b: DemoBackend): Promise<void> {
    b.running = false;
    const closed = closeServer(b.server);
    for (const s of b.sockets) s.destroy();
    b.sockets.clear();
    await closed;
  }

  private create(index: number): DemoBackend {
    const b: DemoBackend = {
      index,
      name: `backend-${index + 1}`,
      port: 0,
      server: undefined as unknown as Server,
      sockets: new Set(),
      running: false,
      requests: 0,
      latencyMs: this.options.latencyMs,
      failureRate: this.options.failureRate,
    };
    b.server = this.makeServer(b);
    return b;
  }

  private makeServer(b: DemoBackend): Server {
    const server = createServer({ keepAlive: true }, (req, res) => {
      b.requests += 1;
      req.resume();
      const answer = () => this.answer(b, res);
      if (b.latencyMs > 0) setTimeout(answer, b.latencyMs);
      else answer();
    });
    server.on('connection', (s: Socket) => {
      b.sockets.add(s);
      s.once('close', () => b.sockets.delete(s));
    });
    // Many keep-alive clients at bench rates: never let Node's per-socket request cap close them.
    server.maxRequestsPerSocket = 0;
    return server;
  }

  private answer(b: DemoBackend, res: ServerResponse): void {
    if (res.destroyed) return;
    const fail = b.failureRate > 0 && this.random() < b.failureRate;
    const body = fail ? `${b.name} failed (simulated)\n` : `${b.name}\n`;
    res.writeHead(fail ? 503 : 200, {
      'content-type': 'text/plain; charset=utf-8',
      'content-length': Buffer.byteLength(body),
      'x-backend': b.name,
    });
    res.end(body);
  }

  private backendInfo(b: DemoBackend): LbDemoBackendInfo {
    return {
      index: b.index,
      name: b.name,
      host: this.options.host,
      port: b.port,
      running: b.running,
      requests: b.requests,
      latencyMs: b.latencyMs,
      failureRate: b.failureRate,
    };
  }
}
