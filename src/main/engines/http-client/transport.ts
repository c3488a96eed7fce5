// One HTTP exchange, timed at the socket: DNS lookup, TCP connect, TLS handshake (connect.ts), request
// sent, first response byte, body downloaded. Connections are opened by connect.ts (not by an Agent)
// precisely so that each phase can be observed. With a pool and `reuseConnections`, a kept connection
// for the origin is used instead (no DNS/TCP/TLS phases; `reused` says so) and a connection that can
// serve again goes back to the pool; otherwise it is closed after the exchange (`Connection: close`).
// It knows nothing of redirects, cookies, auth challenges or history.
import { request as httpRequest, type IncomingMessage, type ClientRequest } from 'node:http';
import {
  connect as h2connect,
  constants as h2c,
  type ClientHttp2Session,
  type ClientHttp2Stream,
  type IncomingHttpHeaders,
} from 'node:http2';
import type { Socket } from 'node:net';
import { once } from 'node:events';
import type { Readable, Writable } from 'node:stream';
import type { HttpRequestOptions, HttpTiming } from '../../../shared/contract/http-client';
import { EngineError } from '../common/errors';
import type { PreparedBody } from './body';
import { mapError, now, openConnection, race, type Connection } from './connect';
import { poolKey, type ConnectionPool, type PooledConnection } from './connection-pool';
import { proxyAuthorization, proxyFor } from './proxy';
import { receiveBody, type BodyLimits, type ReceivedBody } from './response-body';

export interface ExchangeRequest {
  url: URL;
  method: string;
  /** Headers as the user wants them sent (Host, Content-Length added here). */
  headers: [string, string][];
  body?: PreparedBody;
  options: HttpRequestOptions;
  limits: BodyLimits & { maxResponseHeaderBytes: number };
}

export interface ExchangeResult {
  status: number;
  statusText: string;
  httpVersion: string;
  headers: [string, string][];
  requestHeaders: [string, string][];
  requestHeaderBytes: number;
  requestBodyBytes: number;
  responseHeaderBytes: number;
  remoteAddress?: string;
  tlsProtocol?: string;
  timing: HttpTiming;
  body: ReceivedBody;
  /** Which connection served (numbered by the pool; 0 without one) and whether it was kept from before. */
  connection: { id: number; reused: boolean };
}

/** Hop-by-hop headers that HTTP/2 forbids (RFC 9113 §8.2.2). */
const H2_FORBIDDEN = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'transfer-encoding',
  'upgrade',
  'host',
]);

async function writeBody(sink: Writable, body: PreparedBody | undefined, signal: AbortSignal): Promise<void> {
  if (body) {
    for await (const chunk of body.open()) {
      if (signal.aborted || sink.destroyed) return;
      if (!sink.write(chunk)) await Promise.race([once(sink, 'drain'), once(sink, 'close')]);
    }
  }
  sink.end();
}

function pairs(raw: string[]): [string, string][] {
  const out: [string, string][] = [];
  for (let i = 0; i + 1 < raw.length; i += 2) out.push([raw[i] as string, raw[i + 1] as string]);
  return out;
}

function headerBlockBytes(first: string, headers: [string, string][]): number {
  let n = Buffer.byteLength(first) + 2 + 2;
  for (const [k, v] of headers) n += Buffer.byteLength(k) + 2 + Buffer.byteLength(v) + 2;
  return n;
}

/** A request that failed on a kept connection before any response byte: the server had closed it. */
class StaleConnection extends Error {
  constructor(readonly original: unknown) {
    super('kept connection was closed by the server');
  }
}

/**
 * One exchange. A kept connection the server closed meanwhile (its keep-alive timeout racing our request)
 * fails before any response byte; the request is then sent once more on a fresh connection, as browsers
 * and undici do — the server cannot have processed it.
 */
export async function exchange(
  x: ExchangeRequest,
  signal: AbortSignal,
  pool?: ConnectionPool,
): Promise<ExchangeResult> {
  try {
    return await exchangeOnce(x, signal, pool, false);
  } catch (err) {
    if (!(err instanceof StaleConnection)) throw err;
    return exchangeOnce(x, signal, pool, true);
  }
}

async function exchangeOnce(
  x: ExchangeRequest,
  signal: AbortSignal,
  pool: ConnectionPool | undefined,
  fresh: boolean,
): Promise<ExchangeResult> {
  const detach: (() => void)[] = [];
  let reused = false;
  let responded = false;
  const sockets: Socket[] = [];
  let session: ClientHttp2Session | undefined;
  let req: ClientRequest | undefined;
  let stream: ClientHttp2Stream | undefined;
  /** Set once the connection has been handed back to the pool (or is a shared session): not destroyed here. */
  let kept = false;
  const destroyAll = () => {
    stream?.destroy();
    if (kept) return;
    req?.destroy();
    session?.destroy();
    // Outermost first: destroying the TCP socket under a live TLSSocket crashes Node 20 (segfault).
    for (const s of [...sockets].reverse()) s.destroy();
  };
  signal.addEventListener('abort', destroyAll, { once: true });
  const key = pool && x.options.reuseConnections ? poolKey(x.url, x.options) : undefined;
  let pooledSession: (PooledConnection & { session: ClientHttp2Session }) | undefined;
  try {
    const t0 = now();
    let pooled = key && pool && !fresh ? pool.takeIdle(key) : undefined;
    pooledSession = key && pool && !pooled && !fresh ? pool.useSession(key) : undefined;
    reused = Boolean(pooled || pooledSession);
    if (pooledSession) {
      session = pooledSession.session;
      kept = true;
    }
    if (pooled) for (const s of socketsOf(pooled.conn)) sockets.push(s);
    const conn: Connection =
      pooledSession?.conn ??
      pooled?.conn ??
      (await openConnection(x.url, x.options, signal, (s) => sockets.push(s)));
    if (reused) Object.assign(conn, { dns: 0, connect: 0, tls: 0, t0 });
    const connectionId = pooledSession?.id ?? pooled?.id ?? pool?.newId() ?? 0;
    pooled ??= { id: connectionId, conn };
    const useH2 =
      Boolean(pooledSession) ||
      conn.alpn === 'h2' ||
      (x.url.protocol === 'http:' && x.options.httpVersion === '2');
    const tReady = now();
    let tSent = tReady;
    let tFirst = 0;
    const bodyLen = x.body?.length ?? 0;
    const headers = x.headers.filter(
      ([k]) => k.toLowerCase() !== 'host' && k.toLowerCase() !== 'content-length',
    );
    if (x.body) {
      if (x.body.contentType && !headers.some(([k]) => k.toLowerCase() === 'content-type'))
        headers.push(['Content-Type', x.body.contentType]);
    }
    const needsLength = x.body !== undefined || ['POST', 'PUT', 'PATCH'].includes(x.method);

    if (useH2) {
      session ??= h2connect(`${x.url.protocol}//${x.url.host}`, {
        createConnection: () => conn.socket,
        maxHeaderListPairs: 1000,
        maxSendHeaderBlockLength: 64 * 1024,
      });
      const s = session;
      if (key && pool && !pooledSession) {
        // From here the session is the pool's: shared by later requests, closed by it when idle.
        pooledSession = { id: connectionId, conn, session: s };
        pool.addSession(key, pooledSession);
        kept = true;
      }
      const sessionError = new Promise<never>((_r, reject) => {
        // A pooled session serves many requests: each one's listener goes when the request does.
        const onError = (err: Error) => reject(mapError(err, 'request'));
        s.once('error', onError);
        detach.push(() => s.off('error', onError));
      });
      sessionError.catch(() => undefined);
      const h2headers: Record<string, string | string[]> = {
        [h2c.HTTP2_HEADER_METHOD]: x.method,
        [h2c.HTTP2_HEADER_PATH]: `${x.url.pathname}${x.url.search}`,
        [h2c.HTTP2_HEADER_SCHEME]: x.url.protocol.slice(0, -1),
        [h2c.HTTP2_HEADER_AUTHORITY]: x.url.host,
      };
      const sent: [string, string][] = [
        [':method', x.method],
        [':path', `${x.url.pathname}${x.url.search}`],
        [':scheme', x.url.protocol.slice(0, -1)],
        [':authority', x.url.host],
      ];
      for (const [k, v] of headers) {
        const lk = k.toLowerCase();
        if (H2_FORBIDDEN.has(lk) || (lk === 'te' && v.toLowerCase() !== 'trailers')) continue;
        const prev = h2headers[lk];
        h2headers[lk] = prev === undefined ? v : Array.isArray(prev) ? [...prev, v] : [prev, v];
        sent.push([lk, v]);
      }
      if (needsLength) {
        h2headers['content-length'] = String(bodyLen);
        sent.push(['content-length', String(bodyLen)]);
      }
      stream = s.request(h2headers, { endStream: !x.body });
      const st = stream;
      const responseHeaders = race(
        Promise.race([
          new Promise<IncomingHttpHeaders>((resolve, reject) => {
            st.once('response', (h) => resolve(h));
            st.once('error', (err) => reject(mapError(err, 'request')));
            st.once('close', () =>
              reject(
                new EngineError(
                  'RESPONSE_INCOMPLETE',
                  `stream closed (code ${st.rstCode ?? 0}) before response headers`,
                ),
              ),
            );
          }),
          sessionError,
        ]),
        signal,
      );
      if (x.body) {
        writeBody(st, x.body, signal).then(
          () => (tSent = now()),
          () => undefined,
        );
      } else tSent = now();
      const h = await responseHeaders;
      responded = true;
      tFirst = now();
      const status = Number(h[':status'] ?? 0);
      const respHeaders: [string, string][] = [];
      for (const [k, v] of Object.entries(h)) {
        if (k.startsWith(':') || v === undefined) continue;
        if (Array.isArray(v)) for (const one of v) respHeaders.push([k, one]);
        else respHeaders.push([k, String(v)]);
      }
      const enc = respHeaders.find(([k]) => k === 'content-encoding')?.[1];
      // The download ends with the last byte off the wire, not when decoding and spooling caught up.
      let tLast = 0;
      st.once('end', () => (tLast = now()));
      let body: ReceivedBody;
      try {
        body = await race(receiveBody(st, enc, x.options.decode, x.limits), signal);
      } catch (err) {
        throw mapError(err, 'response');
      }
      const tEnd = tLast || now();
      if (tSent > tFirst) tSent = tFirst;
      return {
        status,
        statusText: '',
        httpVersion: '2',
        headers: respHeaders,
        requestHeaders: sent,
        requestHeaderBytes: headerBlockBytes('', sent),
        requestBodyBytes: bodyLen,
        responseHeaderBytes: headerBlockBytes(`:status: ${status}`, respHeaders),
        remoteAddress: conn.remoteAddress,
        tlsProtocol: conn.tlsProtocol,
        timing: {
          dns: conn.dns,
          connect: conn.connect,
          tls: conn.tls,
          send: tSent - tReady,
          ttfb: tFirst - tSent,
          download: tEnd - tFirst,
          total: tEnd - (reused ? t0 : conn.t0),
        },
        body,
        connection: { id: connectionId, reused },
      };
    }

    const sendHeaders: Record<string, string | string[]> = { Host: x.url.host };
    for (const [k, v] of headers) {
      const prev = sendHeaders[k];
      sendHeaders[k] = prev === undefined ? v : Array.isArray(prev) ? [...prev, v] : [prev, v];
    }
    if (needsLength) sendHeaders['Content-Length'] = String(bodyLen);
    // Node sends `Connection: close` on a request without an Agent; keep-alive is asked for explicitly.
    if (key && !headers.some(([k]) => k.toLowerCase() === 'connection'))
      sendHeaders.Connection = 'keep-alive';
    const path =
      conn.viaProxy && x.url.protocol === 'http:'
        ? `${x.url.origin}${x.url.pathname}${x.url.search}`
        : `${x.url.pathname}${x.url.search}`;
    const proxy = conn.viaProxy && x.url.protocol === 'http:' ? proxyFor(x.url, x.options.proxy) : undefined;
    const pa = proxy ? proxyAuthorization(proxy) : undefined;
    if (pa) sendHeaders['Proxy-Authorization'] = pa;
    let r: ClientRequest;
    try {
      r = httpRequest({
        createConnection: () => conn.socket,
        method: x.method,
        path,
        headers: sendHeaders,
        setHost: false,
        maxHeaderSize: x.limits.maxResponseHeaderBytes,
      });
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code ?? '';
      if (code === 'ERR_INVALID_HTTP_TOKEN' || code === 'ERR_INVALID_CHAR')
        throw new EngineError('INVALID_HEADER', (err as Error).message, { cause: err });
      if (code === 'ERR_UNESCAPED_CHARACTERS')
        throw new EngineError('INVALID_URL', (err as Error).message, { cause: err });
      throw mapError(err, 'request');
    }
    req = r;
    // Node detaches a keep-alive socket from its request ('free') on the tick after the response ends.
    const freed = new Promise<void>((resolve) => conn.socket.once('free', () => resolve()));
    conn.socket.prependOnceListener('data', () => {
      tFirst ||= now();
    });
    const response = race(
      new Promise<IncomingMessage>((resolve, reject) => {
        r.once('response', resolve);
        r.once('error', (err) => reject(mapError(err, 'request')));
      }),
      signal,
    );
    r.once('finish', () => (tSent = now()));
    writeBody(r, x.body, signal).catch(() => undefined);
    const res = await response;
    responded = true;
    tFirst ||= now();
    const rawHeader = (r as ClientRequest & { _header?: string })._header;
    const requestHeaders =
      typeof rawHeader === 'string'
        ? rawHeader
            .split('\r\n')
            .slice(1)
            .filter((l) => l.includes(':'))
            .map((l): [string, string] => [l.slice(0, l.indexOf(':')), l.slice(l.indexOf(':') + 1).trim()])
        : Object.entries(sendHeaders).map(([k, v]): [string, string] => [k, String(v)]);
    const respHeaders = pairs(res.rawHeaders);
    const enc = res.headers['content-encoding'];
    let tLast = 0;
    res.once('end', () => (tLast = now()));
    let body: ReceivedBody;
    try {
      body = await race(
        receiveBody(res as Readable, typeof enc === 'string' ? enc : undefined, x.options.decode, x.limits),
        signal,
      );
    } catch (err) {
      throw mapError(err, 'response');
    }
    if (!res.complete)
      throw new EngineError(
        'RESPONSE_INCOMPLETE',
        'the connection closed before the response body was complete',
      );
    const tEnd = tLast || now();
    if (tSent > tFirst) tSent = tFirst;
    if (key && pool && r.shouldKeepAlive && res.headers.connection?.toLowerCase() !== 'close') {
      await race(freed, signal);
      kept = true;
      pool.putIdle(key, pooled);
    }
    return {
      status: res.statusCode ?? 0,
      statusText: res.statusMessage ?? '',
      httpVersion: res.httpVersion,
      headers: respHeaders,
      requestHeaders,
      requestHeaderBytes:
        typeof rawHeader === 'string'
          ? Buffer.byteLength(rawHeader)
          : headerBlockBytes(`${x.method} ${path} HTTP/1.1`, requestHeaders),
      requestBodyBytes: bodyLen,
      responseHeaderBytes: headerBlockBytes(
        `HTTP/${res.httpVersion} ${res.statusCode} ${res.statusMessage}`,
        respHeaders,
      ),
      remoteAddress: conn.remoteAddress,
      tlsProtocol: conn.tlsProtocol,
      timing: {
        dns: conn.dns,
        connect: conn.connect,
        tls: conn.tls,
        send: tSent - tReady,
        ttfb: Math.max(0, tFirst - tSent),
        download: tEnd - tFirst,
        total: tEnd - (reused ? t0 : conn.t0),
      },
      body,
      connection: { id: connectionId, reused },
    };
  } catch (err) {
    if (reused && !responded && !signal.aborted) throw new StaleConnection(err);
    throw err;
  } finally {
    signal.removeEventListener('abort', destroyAll);
    for (const d of detach) d();
    destroyAll();
    if (key && pool && pooledSession) pool.releaseSession(key, pooledSession);
  }
}

/** The sockets under a connection, innermost first (a TLS socket over its TCP socket). */
function socketsOf(c: Connection): Socket[] {
  const tls = c.socket as Socket & { _parent?: Socket | null };
  return tls._parent ? [tls._parent, c.socket] : [c.socket];
}
