// The balancer's backends as bookkeeping: identity, live configuration, health, per-backend counters and
// which backends may take a new connection. No sockets and no timers here — the balancer (the
// orchestrator) owns those and asks the pool whom it may connect to, so every rule about eligibility,
// caps, duplicates and the numbers shown in the UI is testable without a network.
import type {
  LbBackendConfig,
  LbBackendInfo,
  LbBackendState,
  LbCheckResult,
} from '../../../shared/contract/lb';
import { LB_DEFAULTS } from '../../../shared/contract/lb-defaults';
import { EngineError } from '../common/errors';
import { IdSequence } from '../common/ids';
import type { HealthLoop } from './health';
import { RiseFall } from './health';
import { NumberWindow } from './ring-buffer';
import type { Pickable } from './strategies';

/** Live byte counters of one connection: what its sockets have read so far. */
export interface ConnBytes {
  /** Bytes read from the client (sent towards the backend). */
  readonly inNow: number;
  /** Bytes read from the backend (sent towards the client). */
  readonly outNow: number;
}

/** What the pool keeps per connection to move socket counters into the totals exactly once. */
export interface Counted {
  /** Socket byte counters already added to the statistics. */
  seenIn: number;
  seenOut: number;
}

export interface Backend<C = unknown> extends Pickable {
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
  /** Connections connecting to or established with this backend. */
  readonly conns: Set<C>;
  // counters since the last stats tick
  secConns: number;
  secIn: number;
  secOut: number;
}

export interface BackendPatch {
  name?: string;
  weight?: number;
  enabled?: boolean;
  drain?: boolean;
  maxConn?: number;
}

export const ringKeyOf = (host: string, port: number): string => `${host.toLowerCase()}:${port}`;

const isConnectable = (b: Backend) => b.enabled && !b.drain && b.riseFall.health === 'up';

export function stateOf(b: Backend): LbBackendState {
  if (!b.enabled) return 'disabled';
  if (b.drain) return 'drain';
  return b.riseFall.health;
}

export function round3(n: number): number {
  return Math.round(n * 1000) / 1000;
}

export class BackendPool<C = unknown> {
  readonly all: Backend<C>[] = [];
  private readonly ids = new IdSequence('b');
  private nextOrder = 0;
  /** Backends that may take new connections ignoring their caps; rebuilt on every change. */
  private usable: Backend<C>[] = [];
  private anyBackendCap = false;

  /** Throws the code the user sees when `host:port` cannot be added (too many, or already there). */
  checkCanAdd(host: string, port: number): void {
    if (this.all.length >= LB_DEFAULTS.maxBackends)
      throw new EngineError('LIMIT_EXCEEDED', `at most ${LB_DEFAULTS.maxBackends} backends`);
    const key = ringKeyOf(host, port);
    if (this.all.some((b) => b.ringKey === key))
      throw new EngineError('LB_DUPLICATE_BACKEND', `${host}:${port} is already a backend`);
  }

  /** Adds a backend whose host was already resolved to `address`; call rebuild() afterwards. */
  add(cfg: LbBackendConfig, address: string): Backend<C> {
    this.checkCanAdd(cfg.host, cfg.port);
    const b: Backend<C> = {
      id: this.ids.next(),
      order: this.nextOrder++,
      ringKey: ringKeyOf(cfg.host, cfg.port),
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
    this.all.push(b);
    return b;
  }

  require(id: string, session: string): Backend<C> {
    const b = this.all.find((x) => x.id === id);
    if (!b) throw new EngineError('NOT_FOUND', `no backend ${id} in ${session}`);
    return b;
  }

  /** Takes the backend out of the pool; its connections stay in `b.conns` until they end. */
  remove(b: Backend<C>): void {
    const i = this.all.indexOf(b);
    if (i >= 0) this.all.splice(i, 1);
  }

  /** Applies a patch; returns true when the weight changed (the strategy must then be reset). */
  update(b: Backend<C>, patch: BackendPatch): boolean {
    if (patch.name !== undefined) b.name = patch.name;
    if (patch.enabled !== undefined) b.enabled = patch.enabled;
    if (patch.drain !== undefined) b.drain = patch.drain;
    if (patch.maxConn !== undefined) b.maxConn = patch.maxConn;
    const weightChanged = patch.weight !== undefined && patch.weight !== b.weight;
    if (patch.weight !== undefined) b.weight = patch.weight;
    return weightChanged;
  }

  /** Recomputes who may take connections after any change of configuration or health. */
  rebuild(): void {
    this.usable = this.all.filter(isConnectable);
    this.anyBackendCap = this.usable.some((b) => b.maxConn > 0);
  }

  /** True when some backend could take a connection once a slot frees up. */
  get hasUsable(): boolean {
    return this.usable.length > 0;
  }

  /** Backends that can take a connection right now, in insertion order, minus `exclude`. */
  candidates(exclude?: Set<Backend<C>>): readonly Backend<C>[] {
    if (!this.anyBackendCap && !exclude) return this.usable;
    return this.usable.filter((b) => (b.maxConn === 0 || b.active < b.maxConn) && !exclude?.has(b));
  }

  /** The backends as configuration (what export and `config()` return). */
  configs(): LbBackendConfig[] {
    return this.all.map((b) => ({
      name: b.name,
      host: b.host,
      port: b.port,
      weight: b.weight,
      enabled: b.enabled,
      drain: b.drain,
      maxConn: b.maxConn,
    }));
  }
}

/** Moves a connection's new socket bytes into its backend's totals and per-second counters. */
export function accountBytes(conn: Counted, b: Backend, now: ConnBytes): void {
  const dIn = now.inNow - conn.seenIn;
  const dOut = now.outNow - conn.seenOut;
  conn.seenIn = now.inNow;
  conn.seenOut = now.outNow;
  b.bytesIn += dIn;
  b.bytesOut += dOut;
  b.secIn += dIn;
  b.secOut += dOut;
}

/**
 * The backend as the UI shows it. `live` are the open connections' bytes not yet accounted, so the
 * table is current between stats ticks too.
 */
export function backendInfo(b: Backend, live: { in: number; out: number }): LbBackendInfo {
  const p = b.connectTimes.percentiles();
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
    bytesIn: b.bytesIn + live.in,
    bytesOut: b.bytesOut + live.out,
    errors: b.errors,
    connectP50Ms: p.p50 === null ? null : round3(p.p50),
    connectP99Ms: p.p99 === null ? null : round3(p.p99),
    lastCheck: b.lastCheck,
  };
}
