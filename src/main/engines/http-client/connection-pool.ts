// Connections the composer keeps open between requests, per origin and connection settings: idle
// HTTP/1.1 sockets (keep-alive, one request at a time each) and HTTP/2 sessions (shared by every request
// to the origin). A kept connection skips DNS, TCP and TLS, as a browser or Postman does; the waterfall
// then says "connection reused". Bounded: `maxIdlePerOrigin` idle sockets per key, everything idle for
// `idleTimeoutMs` is closed, and a connection the server closed is dropped at once.
import { createHash } from 'node:crypto';
import type { ClientHttp2Session } from 'node:http2';
import type { HttpRequestOptions } from '../../../shared/contract/http-client';
import type { Connection } from './connect';

export interface ConnectionPoolOptions {
  maxIdlePerOrigin: number;
  idleTimeoutMs: number;
}

/** A connection as the pool hands it out: `id` numbers connections so the UI can show which one served. */
export interface PooledConnection {
  id: number;
  conn: Connection;
  /** HTTP/2 only: the session on the connection. */
  session?: ClientHttp2Session;
}

interface IdleEntry {
  pooled: PooledConnection;
  timer: NodeJS.Timeout;
  drop: () => void;
}

interface SessionEntry {
  pooled: PooledConnection & { session: ClientHttp2Session };
  active: number;
  timer?: NodeJS.Timeout;
}

/**
 * What makes two requests able to share a connection: scheme, host and port, and every setting that
 * shapes the connection itself (TLS verification and material, HTTP version choice, proxy).
 */
export function poolKey(url: URL, o: HttpRequestOptions): string {
  const material = createHash('sha256')
    .update(`${o.caPem ?? ''}\0${o.clientCertPem ?? ''}\0${o.clientKeyPem ?? ''}`)
    .digest('hex')
    .slice(0, 16);
  return [url.protocol, url.host, o.httpVersion, o.verifyTls ? 'verify' : 'noverify', o.proxy, material].join(
    '|',
  );
}

function alive(c: Connection): boolean {
  const s = c.socket;
  return !s.destroyed && s.readable && s.writable;
}

export class ConnectionPool {
  private readonly idle = new Map<string, IdleEntry[]>();
  private readonly sessions = new Map<string, SessionEntry>();
  private nextId = 1;

  constructor(private readonly options: ConnectionPoolOptions) {}

  newId(): number {
    return this.nextId++;
  }

  /** An idle HTTP/1.1 connection for this key, taken out of the pool; undefined when none is alive. */
  takeIdle(key: string): PooledConnection | undefined {
    const list = this.idle.get(key);
    while (list && list.length) {
      const e = list.pop() as IdleEntry;
      clearTimeout(e.timer);
      e.pooled.conn.socket.off('close', e.drop);
      e.pooled.conn.socket.off('end', e.drop);
      e.pooled.conn.socket.off('error', e.drop);
      e.pooled.conn.socket.off('data', e.drop);
      if (alive(e.pooled.conn)) {
        if (!list.length) this.idle.delete(key);
        return e.pooled;
      }
      e.pooled.conn.socket.destroy();
    }
    this.idle.delete(key);
    return undefined;
  }

  /** Returns an HTTP/1.1 connection after a complete exchange; closed when over the bound. */
  putIdle(key: string, pooled: PooledConnection): void {
    const socket = pooled.conn.socket;
    if (!alive(pooled.conn)) {
      socket.destroy();
      return;
    }
    const list = this.idle.get(key) ?? [];
    if (list.length >= this.options.maxIdlePerOrigin) {
      socket.destroy();
      return;
    }
    const entry: IdleEntry = {
      pooled,
      timer: setTimeout(() => entry.drop(), this.options.idleTimeoutMs),
      drop: () => {
        clearTimeout(entry.timer);
        const l = this.idle.get(key);
        const i = l ? l.indexOf(entry) : -1;
        if (l && i >= 0) l.splice(i, 1);
        if (l && !l.length) this.idle.delete(key);
        socket.destroy();
      },
    };
    entry.timer.unref();
    // A server closing an idle keep-alive connection sends FIN: the socket is useless from then on. The
    // socket must be read to see it (node leaves a freed socket paused); bytes on an idle connection are
    // a protocol error, so they drop it too.
    socket.once('close', entry.drop);
    socket.once('end', entry.drop);
    socket.once('error', entry.drop);
    socket.once('data', entry.drop);
    socket.resume();
    list.push(entry);
    this.idle.set(key, list);
  }

  /** A live HTTP/2 session for this key, counted as in use until `releaseSession`. */
  useSession(key: string): (PooledConnection & { session: ClientHttp2Session }) | undefined {
    const e = this.sessions.get(key);
    if (!e) return undefined;
    const s = e.pooled.session;
    if (s.closed || s.destroyed) {
      this.sessions.delete(key);
      return undefined;
    }
    clearTimeout(e.timer);
    e.active += 1;
    return e.pooled;
  }

  /** Registers a new HTTP/2 session (in use by the caller's request). */
  addSession(key: string, pooled: PooledConnection & { session: ClientHttp2Session }): void {
    const old = this.sessions.get(key);
    if (old && old.pooled !== pooled) old.pooled.session.close();
    const entry: SessionEntry = { pooled, active: 1 };
    this.sessions.set(key, entry);
    const forget = () => {
      clearTimeout(entry.timer);
      if (this.sessions.get(key) === entry) this.sessions.delete(key);
    };
    pooled.session.once('close', forget);
    pooled.session.once('goaway', forget);
    pooled.session.once('error', forget);
  }

  releaseSession(key: string, pooled: PooledConnection): void {
    const e = this.sessions.get(key);
    if (!e || e.pooled !== pooled) return;
    e.active = Math.max(0, e.active - 1);
    if (e.active > 0) return;
    clearTimeout(e.timer);
    e.timer = setTimeout(() => {
      if (this.sessions.get(key) === e) this.sessions.delete(key);
      e.pooled.session.close();
      e.pooled.session.destroy();
    }, this.options.idleTimeoutMs);
    e.timer.unref();
  }

  /** Open connections the pool holds: idle HTTP/1.1 sockets and HTTP/2 sessions. */
  size(): { idle: number; sessions: number } {
    let idle = 0;
    for (const l of this.idle.values()) idle += l.length;
    return { idle, sessions: this.sessions.size };
  }

  /** Closes every kept connection (the UI's "close connections"); in-flight requests finish on theirs. */
  closeAll(): number {
    let n = 0;
    for (const l of [...this.idle.values()])
      for (const e of [...l]) {
        e.drop();
        n += 1;
      }
    this.idle.clear();
    for (const e of this.sessions.values()) {
      clearTimeout(e.timer);
      e.pooled.session.close();
      if (e.active === 0) e.pooled.session.destroy();
      n += 1;
    }
    this.sessions.clear();
    return n;
  }
}
