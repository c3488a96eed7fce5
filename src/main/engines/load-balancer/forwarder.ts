// The balancer's data path: each accepted client is queued or given a backend, the two sockets are
// spliced with pipe() — backpressure both ways, half-close passed through, no per-chunk work beyond
// Node's own — and every slot is released exactly once however the connection ends. This is the only
// part of the load balancer that touches connection sockets; which backends are eligible, the
// statistics and the rate-limited notices are the pure modules it is handed.
import { connect, type Socket } from 'node:net';
import type { LbEvent, LbLimits, LbProxyProtocol, LbRejectReason } from '../../../shared/contract/lb';
import type { ErrorCode } from '../../../shared/errors';
import { toEngineError } from '../common/errors';
import {
  accountBytes,
  type Backend as PoolBackend,
  type BackendPool,
  type ConnBytes,
  type Counted,
} from './backend-pool';
import type { NoticeLimiter } from './notices';
import { proxyHeaderV1, proxyHeaderV2 } from './proxy-protocol';
import type { ConnProbe } from './stats';

export type Backend = PoolBackend<Conn>;

type ConnState = 'new' | 'queued' | 'connecting' | 'open' | 'closed';

export interface Conn extends Counted {
  readonly client: Socket;
  readonly clientKey: string;
  server?: Socket;
  backend?: Backend;
  state: ConnState;
  attempts: number;
  tried?: Set<Backend>;
}
/** What the forwarder reads from its balancer; limits and PROXY mode are live settings. */
export interface ForwarderHost {
  readonly session: string;
  readonly pool: BackendPool<Conn>;
  readonly notices: NoticeLimiter<LbEvent>;
  running(): boolean;
  limits(): LbLimits;
  proxyProtocol(): LbProxyProtocol;
  /** The strategy's choice among non-empty `candidates`. */
  pick(candidates: readonly Backend[], clientKey: string): Backend;
}

export class Forwarder {
  readonly queue: Conn[] = [];
  /** Client connections still tracked (queued, connecting, open or flushing). */
  readonly conns = new Set<Conn>();
  /** Connections holding a backend slot (connecting or open). */
  active = 0;
  total = 0;
  rejectedTotal = 0;
  /** Clients accepted since the stats tick last read (and reset) it. */
  newConns = 0;

  constructor(private readonly host: ForwarderHost) {}

  private get limits(): LbLimits {
    return this.host.limits();
  }

  /** Destroys every connection; resolves when all their sockets closed. */
  destroyAll(): Promise<unknown> {
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
    return Promise.all(gone);
  }

  /** Open connections' bytes not yet moved into `b`'s totals. */
  liveBytes(b: Backend): { in: number; out: number } {
    let liveIn = 0;
    let liveOut = 0;
    for (const c of b.conns) {
      if (c.state !== 'open') continue;
      const now = connBytes(c);
      liveIn += now.inNow - c.seenIn;
      liveOut += now.outNow - c.seenOut;
    }
    return { in: liveIn, out: liveOut };
  }

  /** Bytes currently queued in the proxy's socket write buffers (the slow-reader bound). */
  bufferedBytes(): number {
    let n = 0;
    for (const c of this.conns) n += c.client.writableLength + (c.server?.writableLength ?? 0);
    return n;
  }

  onClient(client: Socket): void {
    if (!this.host.running()) {
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
    this.newConns += 1;
    client.on('error', () => {
      // The close handler below does the cleanup; the error only must not go unhandled.
    });
    client.on('timeout', () => this.onClientTimeout(conn));
    client.once('close', (hadError) => this.onClientClose(conn, hadError));
    this.dispatch(conn);
  }

  private dispatch(conn: Conn): void {
    if (!this.host.pool.hasUsable) return this.reject(conn, 'no-backend', 'LB_NO_BACKEND');
    const cands = this.active < this.limits.maxConn ? this.host.pool.candidates() : [];
    if (cands.length === 0) return this.enqueue(conn);
    this.connectBackend(conn, this.host.pick(cands, conn.clientKey));
  }

  private enqueue(conn: Conn): void {
    if (this.queue.length >= this.limits.queueSize) return this.reject(conn, 'queue-full', 'LB_QUEUE_FULL');
    conn.state = 'queued';
    this.queue.push(conn);
    // The client's own socket timer doubles as the queue deadline: no extra timer per waiting client.
    conn.client.setTimeout(this.limits.queueTimeoutMs);
  }

  drainQueue(): void {
    while (this.queue.length > 0 && this.host.running() && this.active < this.limits.maxConn) {
      const cands = this.host.pool.candidates();
      if (cands.length === 0) return;
      const conn = this.queue.shift() as Conn;
      if (conn.client.destroyed) continue;
      conn.client.setTimeout(0);
      this.connectBackend(conn, this.host.pick(cands, conn.clientKey));
    }
  }

  rejectQueuedIfHopeless(): void {
    if (this.host.pool.hasUsable) return;
    for (const conn of this.queue.splice(0)) this.reject(conn, 'no-backend', 'LB_NO_BACKEND');
  }

  private reject(conn: Conn, reason: LbRejectReason, code: ErrorCode): void {
    conn.state = 'closed';
    this.rejectedTotal += 1;
    conn.client.destroy();
    this.host.notices.notice(`reject:${reason}`, (count) => ({
      engine: 'lb',
      type: 'rejected',
      session: this.host.session,
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
      conn.attempts <= this.limits.retries && this.host.running()
        ? this.host.pool.candidates(conn.tried)
        : [];
    if (cands.length === 0) {
      this.reject(conn, 'connect-failed', code);
      return;
    }
    this.host.notices.notice(`retry:${b.id}`, (count) => ({
      engine: 'lb',
      type: 'retry',
      session: this.host.session,
      at: Date.now(),
      backendId: b.id,
      name: b.name,
      code,
      count,
    }));
    this.connectBackend(conn, this.host.pick(cands, conn.clientKey));
  }

  private onBackendConnected(conn: Conn, b: Backend, server: Socket): void {
    const client = conn.client;
    if (client.destroyed || !this.host.running()) {
      server.destroy();
      this.release(conn, b);
      return this.finishConn(conn);
    }
    conn.state = 'open';
    const proxyProtocol = this.host.proxyProtocol();
    if (proxyProtocol !== 'off') {
      const addrs = {
        sourceAddress: client.remoteAddress ?? '',
        sourcePort: client.remotePort ?? 0,
        destAddress: client.localAddress ?? '',
        destPort: client.localPort ?? 0,
      };
      server.write(proxyProtocol === 'v1' ? proxyHeaderV1(addrs) : proxyHeaderV2(addrs));
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
    accountBytes(conn, b, connBytes(conn));
  }
}

const connBytes = (c: Conn): ConnBytes => ({
  inNow: c.client.bytesRead,
  outNow: c.server?.bytesRead ?? c.seenOut,
});

export const probeConn = (c: Conn): ConnProbe => ({
  open: c.state === 'open',
  bytes: connBytes(c),
  buffered: c.client.writableLength + (c.server?.writableLength ?? 0),
});

function ignore(): void {}

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
