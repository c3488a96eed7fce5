// One running L4 load balancer: its lifecycle, its live configuration, health checks and statistics.
// The socket work is the forwarder's (forwarder.ts: accept, queue, connect, splice with pipe()); which
// backends may take a connection is the pool's (backend-pool.ts), the once-a-second sample is
// stats.ts's. Byte counts come from the sockets' own counters, read once a second by the stats tick,
// so the hot path carries no 'data' listeners.
//
// Deliberately not known here: how the configuration was typed (the contract validated it), how
// events are shown (they are emitted), and what the backends speak (bytes are never inspected).
import { createServer, isIP, type Server } from 'node:net';
import type {
  LbBackendConfig,
  LbBackendInfo,
  LbCheckResult,
  LbConfig,
  LbEvent,
  LbHealthConfig,
  LbInfo,
  LbLimits,
  LbProxyProtocol,
  LbSample,
  LbStrategy,
} from '../../../shared/contract/lb';
import { LB_DEFAULTS } from '../../../shared/contract/lb-defaults';
import { TypedEmitter } from '../common/emitter';
import { EngineError, toEngineError } from '../common/errors';
import { closeServer, listen } from '../common/net';
import { lookup } from '../common/resolve';
import { BackendPool, backendInfo, type BackendPatch } from './backend-pool';
import { Forwarder, probeConn, type Backend, type Conn } from './forwarder';
import { HealthLoop } from './health';
import { NoticeLimiter } from './notices';
import { RingBuffer } from './ring-buffer';
import { takeSample } from './stats';
import { createStrategy, type Strategy } from './strategies';

export interface LoadBalancerOptions extends LbConfig {
  /** Stats tick period; one second in the app, shorter only in tests of the tick itself. */
  statsIntervalMs?: number;
}

export class LoadBalancer extends TypedEmitter<LbEvent> {
  readonly session: string;
  private readonly server: Server;
  private readonly pool = new BackendPool<Conn>();
  private readonly forwarder: Forwarder;
  private strategy: Strategy;
  private strategyName: LbStrategy;
  private health: LbHealthConfig;
  private limits: LbLimits;
  private proxyProtocol: LbProxyProtocol;
  private readonly listenHost: string;
  private readonly listenPort: number;
  private readonly initialBackends: LbBackendConfig[];
  private readonly statsIntervalMs: number;
  private lastTick = 0;
  private readonly history = new RingBuffer<LbSample>(LB_DEFAULTS.historySamples);
  /** Rate limiting of repetitive events: at most one per key per second, with a count. */
  private readonly notices = new NoticeLimiter<LbEvent>((e) => this.emit(e));
  private tickTimer?: NodeJS.Timeout;
  private state: 'new' | 'starting' | 'running' | 'stopped' = 'new';
  private startPromise?: Promise<LbInfo>;
  private closePromise?: Promise<number>;
  private bound = { host: '', port: 0 };
  private startedAt = 0;

  constructor(session: string, options: LoadBalancerOptions) {
    super();
    this.session = session;
    this.strategyName = options.strategy;
    this.strategy = createStrategy(options.strategy);
    this.health = options.health;
    this.limits = options.limits;
    this.proxyProtocol = options.proxyProtocol;
    this.listenHost = options.host;
    this.listenPort = options.port;
    this.initialBackends = options.backends;
    this.statsIntervalMs = options.statsIntervalMs ?? 1000;
    this.forwarder = new Forwarder({
      session,
      pool: this.pool,
      notices: this.notices,
      running: () => this.state === 'running',
      limits: () => this.limits,
      proxyProtocol: () => this.proxyProtocol,
      pick: (candidates, clientKey) => this.strategy.pick(candidates, clientKey) as Backend,
    });
    // pauseOnConnect: nothing is read from a client until its backend is connected, so a client that
    // waits (queue, slow connect) is held back by TCP flow control rather than by our memory.
    this.server = createServer({ allowHalfOpen: true, pauseOnConnect: true, noDelay: true }, (s) =>
      this.forwarder.onClient(s),
    );
    this.server.on('error', (err) => {
      if (this.state !== 'running') return;
      const e = toEngineError(err);
      this.emit({
        engine: 'lb',
        type: 'error',
        session: this.session,
        at: Date.now(),
        code: e.code,
        message: e.message,
      });
    });
  }

  start(): Promise<LbInfo> {
    this.startPromise ??= (async () => {
      this.state = 'starting';
      try {
        for (const b of this.initialBackends) await this.addBackend(b, false);
        this.bound = await listen(this.server, this.listenPort, this.listenHost);
      } catch (err) {
        this.state = 'stopped';
        for (const b of this.pool.all) b.loop?.stop();
        throw err;
      }
      this.state = 'running';
      this.startedAt = Date.now();
      this.lastTick = performance.now();
      this.tickTimer = setInterval(() => this.tick(), this.statsIntervalMs);
      this.tickTimer.unref();
      const info = this.info();
      this.emit({ engine: 'lb', type: 'started', session: this.session, at: Date.now(), info });
      return info;
    })();
    return this.startPromise;
  }

  get port(): number {
    return this.bound.port;
  }

  /** Closes the listener and every connection; resolves with how many connections were closed. */
  close(): Promise<number> {
    this.closePromise ??= (async () => {
      if (this.startPromise) await this.startPromise.catch(() => undefined);
      const wasRunning = this.state === 'running';
      this.state = 'stopped';
      if (this.tickTimer) clearInterval(this.tickTimer);
      for (const b of this.pool.all) b.loop?.stop();
      const closing = closeServer(this.server);
      const n = this.forwarder.conns.size;
      await Promise.all([closing, this.forwarder.destroyAll()]);
      if (wasRunning) this.emit({ engine: 'lb', type: 'stopped', session: this.session, at: Date.now() });
      return n;
    })();
    return this.closePromise;
  }

  // ---- configuration, all live ----

  async addBackend(cfg: LbBackendConfig, announce = true): Promise<LbBackendInfo> {
    if (this.state === 'stopped') throw new EngineError('NOT_FOUND', `balancer ${this.session} is stopped`);
    this.pool.checkCanAdd(cfg.host, cfg.port);
    let address = cfg.host;
    if (!isIP(cfg.host)) {
      try {
        address = (await lookup(cfg.host)).address;
      } catch (err) {
        throw toEngineError(err, `resolve backend ${cfg.host}`);
      }
    }
    // add() checks again: the same backend may have been added while the lookup ran.
    const b = this.pool.add(cfg, address);
    this.startHealthLoop(b);
    this.rebuild(true);
    const info = this.backendInfo(b);
    if (announce)
      this.emit({
        engine: 'lb',
        type: 'backend.added',
        session: this.session,
        at: Date.now(),
        backend: info,
      });
    this.forwarder.drainQueue();
    return info;
  }

  /** Takes the backend out of rotation; its established connections run on until they end. */
  removeBackend(id: string): { activeLeft: number } {
    const b = this.pool.require(id, this.session);
    this.pool.remove(b);
    b.loop?.stop();
    this.rebuild(true);
    this.emit({
      engine: 'lb',
      type: 'backend.removed',
      session: this.session,
      at: Date.now(),
      backendId: id,
      name: b.name,
      activeLeft: b.active,
    });
    this.forwarder.rejectQueuedIfHopeless();
    return { activeLeft: b.active };
  }

  updateBackend(id: string, patch: BackendPatch): LbBackendInfo {
    const b = this.pool.require(id, this.session);
    this.rebuild(this.pool.update(b, patch));
    const info = this.backendInfo(b);
    this.emit({
      engine: 'lb',
      type: 'backend.updated',
      session: this.session,
      at: Date.now(),
      backend: info,
    });
    this.forwarder.drainQueue();
    this.forwarder.rejectQueuedIfHopeless();
    return info;
  }

  setStrategy(name: LbStrategy): LbInfo {
    this.strategyName = name;
    this.strategy = createStrategy(name);
    this.strategy.reset(this.pool.all);
    return this.announceConfig();
  }

  setHealthCheck(health: LbHealthConfig): LbInfo {
    this.health = health;
    // A new check configuration starts from a clean slate, as after an HAProxy reload.
    for (const b of this.pool.all) {
      b.loop?.stop();
      b.riseFall.reset();
      b.lastCheck = null;
      this.startHealthLoop(b);
    }
    this.rebuild(false);
    this.forwarder.drainQueue();
    return this.announceConfig();
  }

  /** New limits apply to new connections; established ones keep the idle timeout they started with. */
  setLimits(limits: LbLimits): LbInfo {
    this.limits = limits;
    this.forwarder.drainQueue();
    return this.announceConfig();
  }

  setProxyProtocol(p: LbProxyProtocol): LbInfo {
    this.proxyProtocol = p;
    return this.announceConfig();
  }

  config(): LbConfig {
    return {
      host: this.bound.host || this.listenHost,
      port: this.bound.port || this.listenPort,
      strategy: this.strategyName,
      health: { ...this.health },
      limits: { ...this.limits },
      proxyProtocol: this.proxyProtocol,
      backends: this.pool.configs(),
    };
  }

  info(): LbInfo {
    return {
      session: this.session,
      host: this.bound.host || this.listenHost,
      port: this.bound.port,
      state: this.state === 'running' ? 'running' : 'stopped',
      startedAt: this.startedAt,
      strategy: this.strategyName,
      health: { ...this.health },
      limits: { ...this.limits },
      proxyProtocol: this.proxyProtocol,
      backends: this.pool.all.map((b) => this.backendInfo(b)),
      active: this.forwarder.active,
      queued: this.forwarder.queue.length,
      total: this.forwarder.total,
      rejected: this.forwarder.rejectedTotal,
    };
  }

  historySamples(): LbSample[] {
    return this.history.toArray();
  }

  private announceConfig(): LbInfo {
    const info = this.info();
    this.emit({ engine: 'lb', type: 'config', session: this.session, at: Date.now(), info });
    return info;
  }

  private startHealthLoop(b: Backend): void {
    if (this.health.type === 'none' || this.state === 'stopped') return;
    b.loop = new HealthLoop({ host: b.address, port: b.port }, this.health, (r) => this.onCheck(b, r));
    b.loop.start();
  }

  private onCheck(b: Backend, r: LbCheckResult): void {
    b.lastCheck = r;
    if (!b.riseFall.record(r.ok, this.health.rise, this.health.fall)) return;
    this.rebuild(false);
    this.emit({
      engine: 'lb',
      type: 'backend.state',
      session: this.session,
      at: Date.now(),
      backendId: b.id,
      name: b.name,
      health: b.riseFall.health,
      check: r,
    });
    if (b.riseFall.health === 'up') this.forwarder.drainQueue();
    else this.forwarder.rejectQueuedIfHopeless();
  }

  private rebuild(resetStrategy: boolean): void {
    this.pool.rebuild();
    if (resetStrategy) this.strategy.reset(this.pool.all);
  }

  // ---- statistics ----

  /** Once a second: read socket counters, make one sample, keep it in the ring and emit it. */
  private tick(): void {
    const now = performance.now();
    const secs = (now - this.lastTick) / 1000;
    this.lastTick = now;
    const f = this.forwarder;
    const tracked = [...f.conns].map((c) => c.backend);
    const sample = takeSample(secs, this.pool.all, tracked, probeConn, {
      at: Date.now(),
      active: f.active,
      queued: f.queue.length,
      newConns: f.newConns,
    });
    f.newConns = 0;
    this.history.push(sample);
    this.notices.flush();
    this.emit({ engine: 'lb', type: 'stats', session: this.session, at: sample.at, sample });
  }

  /** Client connections the balancer still tracks (queued, connecting, open or flushing). */
  get trackedConnections(): number {
    return this.forwarder.conns.size;
  }

  /** Bytes currently queued in the proxy's socket write buffers (the slow-reader bound). */
  bufferedBytes(): number {
    return this.forwarder.bufferedBytes();
  }

  private backendInfo(b: Backend): LbBackendInfo {
    return backendInfo(b, this.forwarder.liveBytes(b));
  }
}
