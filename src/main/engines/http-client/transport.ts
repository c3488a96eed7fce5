// One HTTP exchange on a fresh connection, timed at the socket: DNS lookup, TCP connect, TLS handshake
// (with ALPN deciding HTTP/2 or HTTP/1.1), request sent, first response byte, body downloaded. The
// connection is opened here (not by an Agent) precisely so that each phase can be observed, and closed
// after the exchange. It knows nothing of redirects, cookies, auth challenges or history.
import { lookup } from '../common/resolve';
import { request as httpRequest, type IncomingMessage, type ClientRequest } from 'node:http';
import {
  connect as h2connect,
  constants as h2c,
  type ClientHttp2Session,
  type ClientHttp2Stream,
  type IncomingHttpHeaders,
} from 'node:http2';
import { connect as netConnect, isIP, type Socket } from 'node:net';
import { once } from 'node:events';
import { connect as tlsConnect, rootCertificates, type TLSSocket } from 'node:tls';
import type { Readable, Writable } from 'node:stream';
import type { HttpRequestOptions, HttpTiming } from '../../../shared/contract/http-client';
import { EngineError, toEngineError } from '../common/errors';
import type { PreparedBody } from './body';
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

const TLS_ERROR_CODES =
  /^(ERR_SSL|ERR_TLS|CERT_|UNABLE_TO|DEPTH_ZERO|SELF_SIGNED|HOSTNAME_MISMATCH|ERR_OSSL)/;

function mapError(
  err: unknown,
  phase: 'dns' | 'connect' | 'tls' | 'proxy' | 'request' | 'response',
): EngineError {
  if (err instanceof EngineError) return err;
  const code = (err as NodeJS.ErrnoException)?.code ?? '';
  const message = (err as Error)?.message ?? String(err);
  if (phase === 'tls' && (TLS_ERROR_CODES.test(code) || code === '' || code === 'ECONNRESET')) {
    return new EngineError('TLS_ERROR', `${code ? `${code}: ` : ''}${message}`, { cause: err });
  }
  if (TLS_ERROR_CODES.test(code)) return new EngineError('TLS_ERROR', `${code}: ${message}`, { cause: err });
  if (code.startsWith('HPE_') || code === 'ERR_HTTP2_PROTOCOL_ERROR' || code === 'ERR_HTTP2_ERROR') {
    return new EngineError('HTTP_PROTOCOL_ERROR', `${code}: ${message}`, { cause: err });
  }
  if (
    phase === 'response' &&
    (code === 'ECONNRESET' || code === 'ERR_STREAM_PREMATURE_CLOSE' || message === 'aborted')
  ) {
    return new EngineError('RESPONSE_INCOMPLETE', message, { cause: err });
  }
  if (
    code === 'ERR_HTTP2_STREAM_ERROR' ||
    code === 'ERR_HTTP2_SESSION_ERROR' ||
    code === 'ERR_HTTP2_GOAWAY_SESSION'
  ) {
    return new EngineError(
      phase === 'response' ? 'RESPONSE_INCOMPLETE' : 'CONNECTION_RESET',
      `${code}: ${message}`,
      { cause: err },
    );
  }
  return toEngineError(err, phase);
}

function now(): number {
  return performance.now();
}

/** Rejects with the signal's reason (a coded EngineError) as soon as it aborts. */
function race<T>(p: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason as Error);
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason as Error);
    signal.addEventListener('abort', onAbort, { once: true });
    p.then(
      (v) => {
        signal.removeEventListener('abort', onAbort);
        resolve(v);
      },
      (e: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(e as Error);
      },
    );
  });
}

function waitConnect(socket: Socket, event: 'connect' | 'secureConnect'): Promise<void> {
  return new Promise((resolve, reject) => {
    const ok = () => {
      socket.off('error', bad);
      resolve();
    };
    const bad = (err: Error) => {
      socket.off(event, ok);
      reject(err);
    };
    socket.once(event, ok);
    socket.once('error', bad);
  });
}

/** Sends CONNECT host:port through an HTTP proxy and waits for its 2xx. */
async function tunnel(socket: Socket, target: string, auth: string | undefined): Promise<void> {
  socket.write(
    `CONNECT ${target} HTTP/1.1\r\nHost: ${target}\r\n${auth ? `Proxy-Authorization: ${auth}\r\n` : ''}\r\n`,
  );
  const head = await new Promise<Buffer>((resolve, reject) => {
    let buf = Buffer.alloc(0);
    const onData = (d: Buffer) => {
      buf = Buffer.concat([buf, d]);
      const end = buf.indexOf('\r\n\r\n');
      if (end >= 0) {
        cleanup();
        if (end + 4 < buf.length) socket.unshift(buf.subarray(end + 4));
        resolve(buf.subarray(0, end));
      } else if (buf.length > 16 * 1024) {
        cleanup();
        reject(new EngineError('PROXY_FAILED', 'proxy answered CONNECT with an oversized header'));
      }
    };
    const onEnd = () => {
      cleanup();
      reject(new EngineError('PROXY_FAILED', 'proxy closed the connection during CONNECT'));
    };
    const onError = (err: Error) => {
      cleanup();
      reject(new EngineError('PROXY_FAILED', err.message, { cause: err }));
    };
    const cleanup = () => {
      socket.off('data', onData);
      socket.off('end', onEnd);
      socket.off('error', onError);
    };
    socket.on('data', onData);
    socket.once('end', onEnd);
    socket.once('error', onError);
  });
  const status = /^HTTP\/1\.[01] (\d{3})/.exec(head.toString('latin1'));
  if (!status || !(status[1] ?? '').startsWith('2')) {
    throw new EngineError(
      'PROXY_FAILED',
      `proxy answered CONNECT ${target} with "${head.toString('latin1').split('\r\n')[0]}"`,
    );
  }
}

interface Connection {
  socket: Socket;
  alpn?: string;
  tlsProtocol?: string;
  remoteAddress?: string;
  viaProxy: boolean;
  dns: number;
  connect: number;
  tls: number;
  t0: number;
}

async function openConnection(
  url: URL,
  o: HttpRequestOptions,
  signal: AbortSignal,
  track: (s: Socket) => void,
): Promise<Connection> {
  const t0 = now();
  const hostname = url.hostname.replace(/^\[|\]$/g, '');
  const https = url.protocol === 'https:';
  const port = Number(url.port || (https ? 443 : 80));
  const proxy = proxyFor(url, o.proxy);
  const connectHost = proxy ? proxy.hostname.replace(/^\[|\]$/g, '') : hostname;
  const connectPort = proxy ? Number(proxy.port || 80) : port;

  let address = connectHost;
  let tDns = t0;
  if (!isIP(connectHost)) {
    try {
      address = (await race(lookup(connectHost), signal)).address;
    } catch (err) {
      throw mapError(err, 'dns');
    }
    tDns = now();
  }
  const socket = netConnect({ host: address, port: connectPort, noDelay: true });
  track(socket);
  try {
    await race(waitConnect(socket, 'connect'), signal);
  } catch (err) {
    throw proxy && !(err instanceof EngineError && (err.code === 'TIMEOUT' || err.code === 'CANCELLED'))
      ? new EngineError('PROXY_FAILED', `proxy ${proxy.host}: ${(err as Error).message}`, { cause: err })
      : mapError(err, 'connect');
  }
  const tConnect = now();
  if (proxy && https)
    await race(
      tunnel(
        socket,
        `${hostname.includes(':') ? `[${hostname}]` : hostname}:${port}`,
        proxyAuthorization(proxy),
      ),
      signal,
    );
  if (!https)
    return {
      socket,
      remoteAddress: socket.remoteAddress,
      viaProxy: Boolean(proxy),
      dns: tDns - t0,
      connect: tConnect - tDns,
      tls: 0,
      t0,
    };

  const alpn = o.httpVersion === '1.1' ? ['http/1.1'] : ['h2', 'http/1.1'];
  const ca = o.caPem ? [...rootCertificates, o.caPem] : undefined;
  let tlsSocket: TLSSocket;
  try {
    tlsSocket = tlsConnect({
      socket,
      host: hostname,
      servername: isIP(hostname) ? undefined : hostname,
      ALPNProtocols: alpn,
      rejectUnauthorized: o.verifyTls,
      ca,
      cert: o.clientCertPem,
      key: o.clientKeyPem,
    });
  } catch (err) {
    throw mapError(err, 'tls');
  }
  track(tlsSocket);
  try {
    await race(waitConnect(tlsSocket, 'secureConnect'), signal);
  } catch (err) {
    throw mapError(err, 'tls');
  }
  const tTls = now();
  const negotiated = tlsSocket.alpnProtocol || undefined;
  if (o.httpVersion === '2' && negotiated !== 'h2')
    throw new EngineError(
      'NOT_SUPPORTED',
      `the server did not offer HTTP/2 in ALPN (got ${negotiated || 'none'})`,
    );
  return {
    socket: tlsSocket,
    alpn: negotiated,
    tlsProtocol: tlsSocket.getProtocol() ?? undefined,
    remoteAddress: socket.remoteAddress,
    viaProxy: Boolean(proxy),
    dns: tDns - t0,
    connect: tConnect - tDns,
    tls: tTls - tConnect,
    t0,
  };
}

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

export async function exchange(x: ExchangeRequest, signal: AbortSignal): Promise<ExchangeResult> {
  const sockets: Socket[] = [];
  let session: ClientHttp2Session | undefined;
  let req: ClientRequest | undefined;
  let stream: ClientHttp2Stream | undefined;
  const destroyAll = () => {
    stream?.destroy();
    req?.destroy();
    session?.destroy();
    // Outermost first: destroying the TCP socket under a live TLSSocket crashes Node 20 (segfault).
    for (const s of [...sockets].reverse()) s.destroy();
  };
  signal.addEventListener('abort', destroyAll, { once: true });
  try {
    const conn = await openConnection(x.url, x.options, signal, (s) => sockets.push(s));
    const useH2 = conn.alpn === 'h2' || (x.url.protocol === 'http:' && x.options.httpVersion === '2');
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
      session = h2connect(`${x.url.protocol}//${x.url.host}`, {
        createConnection: () => conn.socket,
        maxHeaderListPairs: 1000,
        maxSendHeaderBlockLength: 64 * 1024,
      });
      const s = session;
      const sessionError = new Promise<never>((_r, reject) =>
        s.once('error', (err) => reject(mapError(err, 'request'))),
      );
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
          total: tEnd - conn.t0,
        },
        body,
      };
    }

    const sendHeaders: Record<string, string | string[]> = { Host: x.url.host };
    for (const [k, v] of headers) {
      const prev = sendHeaders[k];
      sendHeaders[k] = prev === undefined ? v : Array.isArray(prev) ? [...prev, v] : [prev, v];
    }
    if (needsLength) sendHeaders['Content-Length'] = String(bodyLen);
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
        total: tEnd - conn.t0,
      },
      body,
    };
  } finally {
    signal.removeEventListener('abort', destroyAll);
    destroyAll();
  }
}
