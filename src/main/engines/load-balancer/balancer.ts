// One running L4 load balancer: accepts TCP clients, picks a backend with the current strategy and
// splices the two sockets together with pipe() — backpressure both ways, half-close passed through,
// no per-chunk work beyond Node's own. Byte counts come from the sockets' own counters, read once a
// second by the stats tick, so the hot path carries no 'data' listeners.
//
// Deliberately not known here: how the configuration was typed (the contract validated it), how
// events are shown (they are emitted), and what the backends speak (bytes are never inspected).
import { createServer, connect, type Server, type Socket } from 'node:net';
import { lookup } from '../common/resolve';
import { isIP } from 'node:net';
import type {
  LbBackendConfig,
  LbBackendInfo,
  LbBackendSample,
  LbBackendState,
  LbCheckResult,
  LbConfig,
  LbEvent,
  LbHealthConfig,
  LbInfo,
  LbLimits,
  LbProxyProtocol,
  LbRejectReason,
  LbSample,
  LbStrategy,
} from '../../../shared/contract/lb';
import { LB_DEFAULTS } from '../../../shared/contract/lb-defaults';
import type { ErrorCode } from '../../../shared/errors';
import { TypedEmitter } from '../common/emitter';
import { EngineError, toEngineError } from '../common/errors';
import { IdSequence } from '../common/ids';
import { closeServer, listen } from '../common/net';
import { HealthLoop, RiseFall } from './health';
import { proxyHeaderV1, proxyHeaderV2 } from './proxy-protocol';
import { NumberWindow, RingBuffer } from './ring-buffer';
import { createStrategy, type Pickable, type Strategy } from './strategies';

interface Backend extends Pickable {
  readonly id: string;
  readonly order: number;
  readonly ringKey: string;
  name: string;
  readonly host: string;
  /** Resolved once when added (like HAProxy at start-up), so connects never wait on the resolver. */
  readonly address: string;
  readonly port: number;
  weight: number;
  enabled: boolean;
  drain: boolean;
  maxConn: number;
  active: number;
  currentWeight: number;
  total: number;
  bytesIn: number;
  bytesOut: number;
  errors: number;
  readonly connectTimes: NumberWindow;
  lastCheck: LbCheckResult | null;
  readonly riseFall: RiseFall;
  loop?: HealthLoop;
  readonly conns: Set<Conn>;
  // counters since the last stats tick
  secConns: number;
  secIn: number;
  secOut: number;
}

type ConnState = 'new' | 'queued' | 'connecting' | 'open' | 'closed';

interface Conn {
  readonly client: Socket;
  readonly clientKey: string;
  server?: Socket;
  backend?: Backend;
  state: ConnState;
  attempts: number;
  tried?: Set<Backend>;
  /** Socket byte counters already added to the statistics. */
  seenIn: number;
  seenOut: number;
}

export interface LoadBalancerOptions extends LbConfig {
  /** Stats tick period; one second in the app, shorter only in tests of the tick itself. */
  statsIntervalMs?: number;
}

const isConnectable = (b: Backend) => b.enabled && !b.drain && b.riseFall.health === 'up';

export class LoadBalancer extends TypedEmitter<LbEvent> {
  readonly session: string;
  private readonly server: Server;
  private readonly backends: Backend[] = [];
  private readonly backendIds = new IdSequence('b');
  private nextOrder = 0;
  private strategy: Strategy;
  private strategyName: LbStrategy;
  private health: LbHealthConfig;
  private limits: LbLimits;
  private proxyProtocol: LbProxyProtocol;
  private readonly listenHost: string;
  private readonly listenPort: number;
  private readonly initialBackends: LbBackendConfig[];
  private readonly statsIntervalMs: number;
  /** Backends that may take new connections ignoring their caps; rebuilt on every change. */
  private usable: Backend[] = [];
  private anyBackendCap = false;
  private readonly queue: Conn[] = [];
  private readonly conns = new Set<Conn>();
  private active = 0;
  private total = 0;
  private rejectedTotal = 0;
  private secConns = 0;
  private secIn = 0;
  private secOut = 0;
  private lastTick = 0;
  private readonly history = new RingBuffer<LbSample>(LB_DEFAULTS.historySamples);
  /** Rate limiting of repetitive events: at most one per key per second, with a count. */
  private readonly notices = new Map<
    string,
    { last: number; pending: number; make: (count: number) => LbEvent }
  >();
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
    // pauseOnConnect: nothing is read from a client until its backend is connected, so a client that
    // waits (queue, slow connect) is held back by TCP flow control rather than by our memory.
    this.server = createServer({ allowHalfOpen: true, pauseOnConnect: true, noDelay: true }, (s) =>
      this.onClient(s),
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
        for (const b of this.backends) b.loop?.stop();
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
      for (const b of this.backends) b.loop?.stop();
      const closing = closeServer(this.server);
      const n = this.conns.size;
      const gone: Promise<unknown>[] = [];
      for (const c of this.conns) {
        for (const s of [c.client, c.server]) {
          if (s && !s.destroyed) {
            gone.push(new Promise((r) => s.once('close', r)));
            s.destroy();
          }
        }
      }
      this.queue.length = 0;
      await Promise.all([closing, ...gone]);
      if (wasRunning) this.emit({ engine: 'lb', type: 'stopped', session: this.session, at: Date.now() });
      return n;
    })();
    return this.closePromise;
  }

  // ---- configuration, all live ----

  async addBackend(cfg: LbBackendConfig, announce = true): Promise<LbBackendInfo> {
    if (this.state === 'stopped') throw new EngineError('NOT_FOUND', `balancer ${this.session} is stopped`);
    if (this.backends.length >= LB_DEFAULTS.maxBackends)
      throw new EngineError('LIMIT_EXCEEDED', `at most ${LB_DEFAULTS.maxBackends} backends`);
    const ringKey = `${cfg.host.toLowerCase()}:${cfg.port}`;
    if (this.backends.some((b) => b.ringKey === ringKey))
      throw new EngineError('LB_DUPLICATE_BACKEND', `${cfg.host}:${cfg.port} is already a backend`);
    let address = cfg.host;
    if (!isIP(cfg.host)) {
      try {
        address = (await lookup(cfg.host)).address;
      } catch (err) {
        throw toEngineError(err, `resolve backend ${cfg.host}`);
      }
      if (this.backends.some((b) => b.ringKey === ringKey))
        throw new EngineError('LB_DUPLICATE_BACKEND', `${cfg.host}:${cfg.port} is already a backend`);
    }
    const id = this.backendIds.next();
    const b: Backend = {
      id,
      order: this.nextOrder++,
      ringKey,
      name: cfg.name ?? `${cfg.host}:${cfg.port}`,
      host: cfg.host,
      address,
      port: cfg.port,
      weight: cfg.weight,
      enabled: cfg.enabled,
      drain: cfg.drain,
      maxConn: cfg.maxConn,
      active: 0,
      currentWeight: 0,
      total: 0,
      bytesIn: 0,
      bytesOut: 0,
      errors: 0,
      connectTimes: new NumberWindow(LB_DEFAULTS.connectTimeSamples),
      lastCheck: null,
      riseFall: new RiseFall(),
      conns: new Set(),
      secConns: 0,
      secIn: 0,
      secOut: 0,
    };
    this.backends.push(b);
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
    this.drainQueue();
    return info;
  }

  /** Takes the backend out of rotation; its established connections run on until they end. */
  removeBackend(id: string): { activeLeft: number } {
    const b = this.requireBackend(id);
    this.backends.splice(this.backends.indexOf(b), 1);
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
    this.rejectQueuedIfHopeless();
    return { activeLeft: b.active };
  }

  updateBackend(
    id: string,
    patch: { name?: string; weight?: number; enabled?: boolean; drain?: boolean; maxConn?: number },
  ): LbBackendInfo {
    const b = this.requireBackend(id);
    if (patch.name !== undefined) b.name = patch.name;
    if (patch.enabled !== undefined) b.enabled = patch.enabled;
    if (patch.drain !== undefined) b.drain = patch.drain;
    if (patch.maxConn !== undefined) b.maxConn = patch.maxConn;
    const weightChanged = patch.weight !== undefined && patch.weight !== b.weight;
    if (patch.weight !== undefined) b.weight = patch.weight;
    this.rebuild(weightChanged);
    const info = this.backendInfo(b);
    this.emit({
      engine: 'lb',
      type: 'backend.updated',
      session: this.session,
      at: Date.now(),
      backend: info,
    });
    this.drainQueue();
    this.rejectQueuedIfHopeless();
    return info;
  }

  setStrategy(name: LbStrategy): LbInfo {
    this.strategyName = name;
    this.strategy = createStrategy(name);
    this.strategy.reset(this.backends);
    return this.announceConfig();
  }

  setHealthCheck(health: LbHealthConfig): LbInfo {
    this.health = health;
    // A new check configuration starts from a clean slate, as after an HAProxy reload.
    for (const b of this.backends) {
      b.loop?.stop();
      b.riseFall.reset();
      b.lastCheck = null;
      this.startHealthLoop(b);
    }
    this.rebuild(false);
    this.drainQueue();
    return this.announceConfig();
  }

  /** New limits apply to new connections; established ones keep the idle timeout they started with. */
  setLimits(limits: LbLimits): LbInfo {
    this.limits = limits;
    this.drainQueue();
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
      backends: this.backends.map((b) => ({
        name: b.name,
        host: b.host,
        port: b.port,
        weight: b.weight,
        enabled: b.enabled,
        drain: b.drain,
        maxConn: b.maxConn,
      })),
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
      backends: this.backends.map((b) => this.backendInfo(b)),
      active: this.active,
      queued: this.queue.length,
      total: this.total,
      rejected: this.rejectedTotal,
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

  private requireBackend(id: string): Backend {
    const b = this.backends.find((x) => x.id === id);
    if (!b) throw new EngineError('NOT_FOUND', `no backend ${id} in ${this.session}`);
    return b;
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
    if (b.riseFall.health === 'up') this.drainQueue();
    else this.rejectQueuedIfHopeless();
  }

  private rebuild(resetStrategy: boolean): void {
    this.usable = this.backends.filter(isConnectable);
    this.anyBackendCap = this.usable.some((b) => b.maxConn > 0);
    if (resetStrategy) this.strategy.reset(this.backends);
  }

  // ---- the data path ----

  private candidates(exclude?: Set<Backend>): readonly Backend[] {
    if (!this.anyBackendCap && !exclude) return this.usable;
    return this.usable.filter((b) => (b.maxConn === 0 || b.active < b.maxConn) && !exclude?.has(b));
  }

  private onClient(client: Socket): void {
    if (this.state !== 'running') {
      client.destroy();
      return;
    }
    const conn: Conn = {
      client,
      clientKey: client.remoteAddress ?? '',
      state: 'new',
      attempts: 0,
      seenIn: 0,
      seenOut: 0,
    };
    this.conns.add(conn);
    this.total += 1;
    this.secConns += 1;
    client.on('error', () => {
      // The close handler below does the cleanup; the error only must not go unhandled.
    });
    client.on('timeout', () => this.onClientTimeout(conn));
    client.once('close', (hadError) => this.onClientClose(conn, hadError));
    this.dispatch(conn);
  }

  private dispatch(conn: Conn): void {
    if (this.usable.length === 0) return this.reject(conn, 'no-backend', 'LB_NO_BACKEND');
    const cands = this.active < this.limits.maxConn ? this.candidates() : [];
    if (cands.length === 0) return this.enqueue(conn);
    this.connectBackend(conn, this.strategy.pick(cands, conn.clientKey) as Backend);
  }

  private enqueue(conn: Conn): void {
    if (this.queue.length >= this.limits.queueSize) return this.reject(conn, 'queue-full', 'LB_QUEUE_FULL');
    conn.state = 'queued';
    this.queue.push(conn);
    // The client's own socket timer doubles as the queue deadline: no extra timer per waiting client.
    conn.client.setTimeout(this.limits.queueTimeoutMs);
  }

  private drainQueue(): void {
    while (this.queue.length > 0 && this.state === 'running' && this.active < this.limits.maxConn) {
      const cands = this.candidates();
      if (cands.length === 0) return;
      const conn = this.queue.shift() as Conn;
      if (conn.client.destroyed) continue;
      conn.client.setTimeout(0);
      this.connectBackend(conn, this.strategy.pick(cands, conn.clientKey) as Backend);
    }
  }

  private rejectQueuedIfHopeless(): void {
    if (this.usable.length > 0) return;
    for (const conn of this.queue.splice(0)) this.reject(conn, 'no-backend', 'LB_NO_BACKEND');
  }

  private reject(conn: Conn, reason: LbRejectReason, code: ErrorCode): void {
    conn.state = 'closed';
    this.rejectedTotal += 1;
    conn.client.destroy();
    this.notice(`reject:${reason}`, (count) => ({
      engine: 'lb',
      type: 'rejected',
      session: this.session,
      at: Date.now(),
      reason,
      code,
      count,
    }));
  }

  private connectBackend(conn: Conn, b: Backend): void {
    conn.state = 'connecting';
    conn.backend = b;
    conn.attempts += 1;
    b.active += 1;
    b.total += 1;
    b.secConns += 1;
    b.conns.add(conn);
    this.active += 1;
    const started = performance.now();
    const server = connect({ host: b.address, port: b.port, allowHalfOpen: true, noDelay: true });
    conn.server = server;
    server.setTimeout(this.limits.connectTimeoutMs);
    const failed = (code: ErrorCode) => {
      server.removeListener('connect', connected);
      server.removeListener('timeout', timedOut);
      server.on('error', ignore);
      server.destroy();
      this.release(conn, b);
      this.onConnectFailed(conn, b, code);
      this.drainQueue();
    };
    const onError = (err: Error) => failed(toEngineError(err).code);
    const timedOut = () => failed('TIMEOUT');
    const connected = () => {
      server.removeListener('error', onError);
      server.removeListener('timeout', timedOut);
      server.setTimeout(0);
      b.connectTimes.add(performance.now() - started);
      this.onBackendConnected(conn, b, server);
    };
    server.once('error', onError);
    server.once('timeout', timedOut);
    server.once('connect', connected);
  }

  private onConnectFailed(conn: Conn, b: Backend, code: ErrorCode): void {
    b.errors += 1;
    conn.server = undefined;
    conn.backend = undefined;
    if (conn.client.destroyed) return this.finishConn(conn);
    (conn.tried ??= new Set()).add(b);
    const cands =
      conn.attempts <= this.limits.retries && this.state === 'running' ? this.candidates(conn.tried) : [];
    if (cands.length === 0) {
      this.reject(conn, 'connect-failed', code);
      return;
    }
    this.notice(`retry:${b.id}`, (count) => ({
      engine: 'lb',
      type: 'retry',
      session: this.session,
      at: Date.now(),
      backendId: b.id,
      name: b.name,
      code,
      count,
    }));
    this.connectBackend(conn, this.strategy.pick(cands, conn.clientKey) as Backend);
  }

  private onBackendConnected(conn: Conn, b: Backend, server: Socket): void {
    const client = conn.client;
    if (client.destroyed || this.state !== 'running') {
      server.destroy();
      this.release(conn, b);
      return this.finishConn(conn);
    }
    conn.state = 'open';
    if (this.proxyProtocol !== 'off') {
      const addrs = {
        sourceAddress: client.remoteAddress ?? '',
        sourcePort: client.remotePort ?? 0,
        destAddress: client.localAddress ?? '',
        destPort: client.localPort ?? 0,
      };
      server.write(this.proxyProtocol === 'v1' ? proxyHeaderV1(addrs) : proxyHeaderV2(addrs));
    }
    // One timer per connection: activity in either direction touches the client socket (reads from it,
    // writes to it), so its idle timer covers both directions.
    client.setTimeout(this.limits.idleTimeoutMs);
    // After a FIN from either side only the other direction can still carry bytes; the same timer then
    // runs on the shorter half-closed timeout. Both values are the ones this connection started with.
    const halfClosedMs = Math.min(this.limits.halfClosedTimeoutMs, this.limits.idleTimeoutMs);
    const halfClosed = () => {
      if (!client.destroyed) client.setTimeout(halfClosedMs);
    };
    client.once('end', halfClosed);
    server.once('end', halfClosed);
    server.on('error', (err) => {
      b.errors += 1;
      // A reset from the backend is passed on as a reset, so the client sees what a direct client would.
      if ((err as NodeJS.ErrnoException).code === 'ECONNRESET' && !client.destroyed) client.resetAndDestroy();
    });
    server.once('close', (hadError) => {
      this.account(conn, b);
      this.release(conn, b);
      if (!client.destroyed) {
        if (hadError) client.destroy();
        else endThenDestroy(client, this.limits.idleTimeoutMs);
      }
      this.drainQueue();
    });
    client.pipe(server);
    server.pipe(client);
  }

  /** Frees the slot a connection held on its backend (once). */
  private release(conn: Conn, b: Backend): void {
    if (!b.conns.delete(conn)) return;
    b.active -= 1;
    this.active -= 1;
  }

  private onClientClose(conn: Conn, hadError: boolean): void {
    if (conn.state === 'queued') {
      const i = this.queue.indexOf(conn);
      if (i >= 0) this.queue.splice(i, 1);
    }
    const server = conn.server;
    if (conn.state === 'connecting') {
      // Gave up before the backend answered: the attempt's slot is freed here, not by a close handler.
      server?.destroy();
      if (conn.backend) this.release(conn, conn.backend);
      this.finishConn(conn);
      this.drainQueue();
      return;
    }
    if (conn.state === 'open' && server && !server.destroyed) {
      // The backend side's close handler does the accounting and frees the slot.
      if (hadError) server.destroy();
      else endThenDestroy(server, this.limits.idleTimeoutMs);
      server.once('close', () => this.finishConn(conn));
      return;
    }
    this.finishConn(conn);
  }

  private finishConn(conn: Conn): void {
    if (!conn.client.destroyed) return;
    conn.state = 'closed';
    this.conns.delete(conn);
  }

  private onClientTimeout(conn: Conn): void {
    if (conn.state === 'queued') {
      const i = this.queue.indexOf(conn);
      if (i >= 0) this.queue.splice(i, 1);
      this.reject(conn, 'queue-timeout', 'LB_QUEUE_TIMEOUT');
      return;
    }
    // Idle for idleTimeoutMs in both directions, or halfClosedTimeoutMs after a FIN.
    conn.client.destroy();
    conn.server?.destroy();
  }

  /** Moves a connection's byte counters into its backend's totals. */
  private account(conn: Conn, b: Backend): void {
    const inNow = conn.client.bytesRead;
    const outNow = conn.server?.bytesRead ?? conn.seenOut;
    const dIn = inNow - conn.seenIn;
    const dOut = outNow - conn.seenOut;
    conn.seenIn = inNow;
    conn.seenOut = outNow;
    b.bytesIn += dIn;
    b.bytesOut += dOut;
    b.secIn += dIn;
    b.secOut += dOut;
  }

  // ---- statistics ----

  private notice(key: string, make: (count: number) => LbEvent): void {
    const now = Date.now();
    const n = this.notices.get(key);
    if (!n || now - n.last >= 1000) {
      this.notices.set(key, { last: now, pending: 0, make });
      this.emit(make((n?.pending ?? 0) + 1));
    } else {
      n.pending += 1;
      n.make = make;
    }
  }

  private flushNotices(): void {
    const now = Date.now();
    for (const [key, n] of this.notices) {
      if (n.pending > 0 && now - n.last >= 1000) {
        this.emit(n.make(n.pending));
        n.pending = 0;
        n.last = now;
      } else if (n.pending === 0 && now - n.last > 60_000) this.notices.delete(key);
    }
  }

  /** Once a second: read socket counters, make one sample, keep it in the ring and emit it. */
  private tick(): void {
    const now = performance.now();
    const secs = Math.max(0.001, (now - this.lastTick) / 1000);
    this.lastTick = now;
    let buffered = 0;
    const seen = new Set<Backend>();
    const rows: LbBackendSample[] = [];
    const sampleBackend = (b: Backend) => {
      for (const c of b.conns) {
        if (c.state === 'open') this.account(c, b);
        buffered += c.client.writableLength + (c.server?.writableLength ?? 0);
      }
      this.secIn += b.secIn;
      this.secOut += b.secOut;
      const row: LbBackendSample = {
        id: b.id,
        state: stateOf(b),
        active: b.active,
        connsPerSec: round(b.secConns / secs),
        bytesInPerSec: Math.round(b.secIn / secs),
        bytesOutPerSec: Math.round(b.secOut / secs),
        errors: b.errors,
      };
      b.secConns = 0;
      b.secIn = 0;
      b.secOut = 0;
      return row;
    };
    for (const b of this.backends) {
      seen.add(b);
      rows.push(sampleBackend(b));
    }
    // Removed backends still carrying connections are counted in the totals, not as rows.
    for (const c of this.conns)
      if (c.backend && !seen.has(c.backend)) {
        seen.add(c.backend);
        sampleBackend(c.backend);
      }
    const sample: LbSample = {
      at: Date.now(),
      active: this.active,
      queued: this.queue.length,
      connsPerSec: round(this.secConns / secs),
      bytesInPerSec: Math.round(this.secIn / secs),
      bytesOutPerSec: Math.round(this.secOut / secs),
      bufferedBytes: buffered,
      backends: rows,
    };
    this.secConns = 0;
    this.secIn = 0;
    this.secOut = 0;
    this.history.push(sample);
    this.flushNotices();
    this.emit({ engine: 'lb', type: 'stats', session: this.session, at: sample.at, sample });
  }

  /** Client connections the balancer still tracks (queued, connecting, open or flushing). */
  get trackedConnections(): number {
    return this.conns.size;
  }

  /** Bytes currently queued in the proxy's socket write buffers (the slow-reader bound). */
  bufferedBytes(): number {
    let n = 0;
    for (const c of this.conns) n += c.client.writableLength + (c.server?.writableLength ?? 0);
    return n;
  }

  private backendInfo(b: Backend): LbBackendInfo {
    const p = b.connectTimes.percentiles();
    // Open connections' bytes so far are included, so the table is current between ticks too.
    let liveIn = 0;
    let liveOut = 0;
    for (const c of b.conns) {
      if (c.state !== 'open') continue;
      liveIn += c.client.bytesRead - c.seenIn;
      liveOut += (c.server?.bytesRead ?? c.seenOut) - c.seenOut;
    }
    return {
      id: b.id,
      name: b.name,
      host: b.host,
      port: b.port,
      weight: b.weight,
      enabled: b.enabled,
      drain: b.drain,
      maxConn: b.maxConn,
      health: b.riseFall.health,
      state: stateOf(b),
      active: b.active,
      total: b.total,
      bytesIn: b.bytesIn + liveIn,
      bytesOut: b.bytesOut + liveOut,
      errors: b.errors,
      connectP50Ms: p.p50 === null ? null : round(p.p50),
      connectP99Ms: p.p99 === null ? null : round(p.p99),
      lastCheck: b.lastCheck,
    };
  }
}

function ignore(): void {}

function stateOf(b: Backend): LbBackendState {
  if (!b.enabled) return 'disabled';
  if (b.drain) return 'drain';
  return b.riseFall.health;
}

function round(n: number): number {
  return Math.round(n * 1000) / 1000;
}

/**
 * Its peer is gone for good: flush what is still queued for this socket, send FIN, then close. The
 * timer only bounds a peer that stopped reading, so the flush cannot hold the socket forever.
 */
function endThenDestroy(socket: Socket, timeoutMs: number): void {
  if (socket.writableFinished) {
    socket.destroy();
    return;
  }
  socket.setTimeout(timeoutMs, () => socket.destroy());
  socket.once('finish', () => socket.destroy());
  socket.end();
}
