// One mock HTTP(S) server session: user routes, then echo, then the static folder, then the demo API, then
// the "Hello, World!" page, then 404. Every request is reported once, when its response ends, as an
// inspector event. Limits (timeouts, header and body size, connections, HTTP/2 streams) are options with
// documented defaults and are enforced by Node's parsers or before a byte is buffered. With TLS and
// `http2`, one port serves h2 and HTTP/1.1 (by ALPN) through the same handler. It knows nothing of the UI.
import {
  createServer as createHttpServer,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http';
import {
  constants as h2constants,
  createSecureServer,
  Http2ServerRequest,
  type Http2SecureServer,
  type Http2ServerResponse,
  type ServerHttp2Session,
  type ServerHttp2Stream,
} from 'node:http2';
import { createServer as createHttpsServer, type Server as HttpsServer } from 'node:https';
import { realpath, stat } from 'node:fs/promises';
import type { Socket } from 'node:net';
import {
  HTTP_SERVER_DEFAULTS,
  HttpServerLimits,
  type HttpRoute,
  type HttpServerEvent,
  type HttpServerHandler,
  type HttpServerInfo,
  type InspectedRequest,
} from '../../../shared/contract/http-server';
import { TypedEmitter } from '../common/emitter';
import { EngineError, toEngineError } from '../common/errors';
import { IdSequence } from '../common/ids';
import { closeServer, listen } from '../common/net';
import { demoApi } from './demo-api';
import { h2Headers, type MockRequest, type MockResponse } from './exchange';
import { compileRoute, findRoute, type CompiledRoute } from './router';
import { serveStatic } from './static-files';
import { hasPlaceholders, renderTemplate } from './template';

export interface HttpMockServerOptions {
  host: string;
  port: number;
  tls?: { certPem: string; keyPem: string; fingerprint256?: string };
  /** With `tls`: HTTP/2 and HTTP/1.1 on one port by ALPN. Ignored without `tls` (cleartext is HTTP/1.1). */
  http2: boolean;
  routes: HttpRoute[];
  staticDir: string | null;
  staticListing: boolean;
  staticIndex: string;
  echo: boolean;
  cors: boolean;
  demoApi: boolean;
  helloWorld: boolean;
  limits: HttpServerLimits;
}

export const HTTP_MOCK_SERVER_DEFAULTS: Omit<HttpMockServerOptions, 'port'> = {
  host: HTTP_SERVER_DEFAULTS.host,
  http2: false,
  routes: [],
  staticDir: null,
  staticListing: false,
  staticIndex: HTTP_SERVER_DEFAULTS.staticIndex,
  echo: false,
  cors: false,
  demoApi: true,
  helloWorld: true,
  limits: HttpServerLimits.parse({}),
};

export type HttpMockServerPatch = Partial<
  Pick<
    HttpMockServerOptions,
    'routes' | 'staticDir' | 'staticListing' | 'staticIndex' | 'echo' | 'cors' | 'demoApi' | 'helloWorld'
  >
>;

/** The seed's default page. */
export const HELLO_WORLD_BODY = 'Hello, World!';
const HELLO_BYTES = Buffer.from(HELLO_WORLD_BODY);

async function checkStaticDir(dir: string): Promise<string> {
  try {
    const real = await realpath(dir);
    if (!(await stat(real)).isDirectory()) throw new EngineError('FILE_UNREADABLE', `${dir} is not a folder`);
    return real;
  } catch (err) {
    if (err instanceof EngineError) throw err;
    throw new EngineError('FILE_UNREADABLE', `static folder ${dir}: ${(err as Error).message}`, {
      cause: err,
    });
  }
}

function headerPairs(raw: string[]): [string, string][] {
  const out: [string, string][] = [];
  for (let i = 0; i + 1 < raw.length; i += 2) out.push([raw[i] as string, raw[i + 1] as string]);
  return out;
}

function isUtf8(bytes: Uint8Array): boolean {
  try {
    new TextDecoder('utf-8', { fatal: true }).decode(bytes);
    return true;
  } catch {
    return false;
  }
}

/** Where a request came from and, on HTTP/2, the stream it is on (the socket is the session's, shared). */
interface Peer {
  remoteAddress: string;
  remotePort: number;
  stream?: ServerHttp2Stream;
  /** HTTP/1.x only: the connection, closed after a 413 so the unread body is not parsed as a request. */
  socket?: Socket;
}

/**
 * Ends an HTTP/2 stream whose request body is still arriving, once the response is out. RST_STREAM with
 * NO_ERROR is how RFC 9113 §8.1 lets a server stop an upload without error; node does the same (after
 * 'finish', on the next turn) for streams whose body was never read, so the response's last DATA frame
 * goes first.
 */
function closeStreamAfterResponse(stream: ServerHttp2Stream): void {
  const close = () => setImmediate(() => stream.close(h2constants.NGHTTP2_NO_ERROR));
  if (stream.writableFinished) close();
  else stream.once('finish', close);
}

export class HttpMockServer extends TypedEmitter<HttpServerEvent> {
  readonly session: string;
  private readonly options: HttpMockServerOptions;
  private readonly server: Server | HttpsServer | Http2SecureServer;
  private readonly h2: boolean;
  private compiled: CompiledRoute[] = [];
  private staticRoot: string | null = null;
  private readonly sockets = new Set<Socket>();
  private readonly h2Sessions = new Set<ServerHttp2Session>();
  private readonly requestIds = new IdSequence('r');
  private state: 'new' | 'starting' | 'listening' | 'stopped' = 'new';
  private startPromise?: Promise<HttpServerInfo>;
  private closePromise?: Promise<void>;
  private bound = { host: '', port: 0 };
  private startedAt = 0;
  private requestCount = 0;

  constructor(session: string, options: Partial<HttpMockServerOptions> & { port: number }) {
    super();
    this.session = session;
    this.options = { ...HTTP_MOCK_SERVER_DEFAULTS, ...options };
    this.compiled = this.options.routes.map(compileRoute);
    const l = this.options.limits;
    const serverOptions = {
      headersTimeout: l.headersTimeoutMs,
      requestTimeout: l.requestTimeoutMs,
      keepAliveTimeout: l.keepAliveTimeoutMs,
      maxHeaderSize: l.maxHeaderBytes,
      // Node checks the two timeouts on this interval (30 s by default), which would let a slowloris
      // client hold a socket far beyond headersTimeout.
      connectionsCheckingInterval: Math.max(50, Math.min(1000, Math.floor(l.headersTimeoutMs / 4))),
      noDelay: true,
    };
    // An allowHTTP1 server hands HTTP/1.1 connections node:http's IncomingMessage/ServerResponse and h2
    // streams the compatibility API's objects; both meet MockRequest/MockResponse.
    const handler = (
      req: IncomingMessage | Http2ServerRequest,
      res: ServerResponse | Http2ServerResponse,
    ) => {
      const peer: Peer =
        req instanceof Http2ServerRequest
          ? {
              remoteAddress: req.stream.session?.socket?.remoteAddress ?? '?',
              remotePort: req.stream.session?.socket?.remotePort ?? 0,
              stream: req.stream,
            }
          : {
              remoteAddress: req.socket.remoteAddress ?? '?',
              remotePort: req.socket.remotePort ?? 0,
              socket: req.socket,
            };
      this.handle(req, res, peer).catch((err: unknown) => this.failResponse(res, err));
    };
    const tls = this.options.tls;
    this.h2 = Boolean(tls && this.options.http2);
    if (tls && this.options.http2) {
      const h2 = createSecureServer(
        {
          cert: tls.certPem,
          key: tls.keyPem,
          // Node sets ALPNProtocols to ['h2', 'http/1.1'] from this (an explicit list would be overwritten).
          allowHTTP1: true,
          handshakeTimeout: l.headersTimeoutMs,
          noDelay: true,
          settings: {
            maxConcurrentStreams: l.maxConcurrentStreams,
            // nghttp2 resets a stream whose decoded header list passes this, before the handler runs.
            maxHeaderListSize: l.maxHeaderBytes,
          },
          // HTTP/1's parser allows 2000 header lines; node's h2 default (128) would refuse requests HTTP/1.1
          // accepts. maxHeaderListSize is the real bound.
          maxHeaderListPairs: 2000,
        },
        handler,
      );
      // The HTTP/1.1 side of an allowHTTP1 server is node:http's connection handler, which reads these off
      // the server object (they are not createSecureServer options); without them it would use 60 s / 5 min
      // timeouts, no keep-alive timeout and no Host check.
      Object.assign(h2, {
        headersTimeout: l.headersTimeoutMs,
        requestTimeout: l.requestTimeoutMs,
        keepAliveTimeout: l.keepAliveTimeoutMs,
        maxHeaderSize: l.maxHeaderBytes,
        connectionsCheckingInterval: serverOptions.connectionsCheckingInterval,
        requireHostHeader: true,
      });
      h2.on('session', (session: ServerHttp2Session) => this.onSession(session));
      this.server = h2;
    } else if (tls) {
      this.server = createHttpsServer(
        { ...serverOptions, handshakeTimeout: l.headersTimeoutMs, cert: tls.certPem, key: tls.keyPem },
        handler,
      );
    } else this.server = createHttpServer(serverOptions, handler);
    this.server.maxConnections = l.maxConnections;
    this.server.on('connection', (s: Socket) => {
      this.sockets.add(s);
      s.once('close', () => this.sockets.delete(s));
    });
    this.server.on('drop', (data?: { remoteAddress?: string }) => {
      this.emit({
        engine: 'httpServer',
        type: 'limit',
        session: this.session,
        at: Date.now(),
        code: 'LIMIT_EXCEEDED',
        message: `maxConnections (${l.maxConnections}) reached; connection dropped`,
        remoteAddress: data?.remoteAddress,
      });
    });
    this.server.on('clientError', (err: NodeJS.ErrnoException, socket: Socket) =>
      this.onClientError(err, socket),
    );
    this.server.on('error', (err) => {
      if (this.state !== 'listening') return;
      const e = toEngineError(err);
      this.emit({
        engine: 'httpServer',
        type: 'error',
        session: this.session,
        at: Date.now(),
        code: e.code,
        message: e.message,
      });
    });
  }

  start(): Promise<HttpServerInfo> {
    this.startPromise ??= (async () => {
      this.state = 'starting';
      try {
        if (this.options.staticDir) this.staticRoot = await checkStaticDir(this.options.staticDir);
        this.bound = await listen(this.server, this.options.port, this.options.host);
      } catch (err) {
        this.state = 'stopped';
        throw err;
      }
      this.state = 'listening';
      this.startedAt = Date.now();
      return this.info();
    })();
    return this.startPromise;
  }

  get port(): number {
    return this.bound.port;
  }

  info(): HttpServerInfo {
    const o = this.options;
    const host = this.bound.host || o.host;
    const urlHost = host.includes(':') ? `[${host}]` : host;
    return {
      session: this.session,
      host,
      port: this.bound.port,
      url: `${o.tls ? 'https' : 'http'}://${urlHost}:${this.bound.port}`,
      tls: Boolean(o.tls),
      http2: this.h2,
      protocols: this.h2 ? ['h2', 'http/1.1'] : ['http/1.1'],
      fingerprint256: o.tls?.fingerprint256,
      state: this.state === 'listening' ? 'listening' : 'stopped',
      startedAt: this.startedAt,
      routes: o.routes.map((r) => ({ ...r, headers: { ...r.headers } })),
      staticDir: o.staticDir,
      staticListing: o.staticListing,
      staticIndex: o.staticIndex,
      echo: o.echo,
      cors: o.cors,
      demoApi: o.demoApi,
      helloWorld: o.helloWorld,
      limits: { ...o.limits },
      connections: this.sockets.size,
      requests: this.requestCount,
    };
  }

  async update(patch: HttpMockServerPatch): Promise<HttpServerInfo> {
    if (patch.staticDir !== undefined) {
      this.staticRoot = patch.staticDir ? await checkStaticDir(patch.staticDir) : null;
      this.options.staticDir = patch.staticDir;
    }
    if (patch.routes) {
      this.compiled = patch.routes.map(compileRoute);
      this.options.routes = patch.routes;
    }
    for (const k of ['staticListing', 'staticIndex', 'echo', 'cors', 'demoApi', 'helloWorld'] as const) {
      const v = patch[k];
      if (v !== undefined) (this.options as Record<typeof k, unknown>)[k] = v;
    }
    return this.info();
  }

  close(): Promise<void> {
    this.closePromise ??= (async () => {
      const wasRunning = this.state === 'listening' || this.state === 'starting';
      if (this.startPromise) await this.startPromise.catch(() => undefined);
      this.state = 'stopped';
      const closed = closeServer(this.server);
      // An http2 server has no closeAllConnections(); its h2 sessions are destroyed one by one (their
      // streams with them), its HTTP/1.1 connections with the sockets below.
      if ('closeAllConnections' in this.server) this.server.closeAllConnections();
      for (const s of this.h2Sessions) s.destroy();
      for (const s of this.sockets) s.destroy();
      await closed;
      if (wasRunning)
        this.emit({ engine: 'httpServer', type: 'stopped', session: this.session, at: Date.now() });
    })();
    return this.closePromise;
  }

  /**
   * HTTP/2 has no parser-level headers timeout: a session must bring its first complete request within
   * headersTimeoutMs, and a session with no open stream is ended (GOAWAY) after keepAliveTimeoutMs — which
   * also ends a header block trickled on an otherwise idle session, since node creates a stream only once
   * its headers are complete.
   */
  private onSession(session: ServerHttp2Session): void {
    const l = this.options.limits;
    this.h2Sessions.add(session);
    const remoteAddress = session.socket?.remoteAddress;
    let open = 0;
    let served = 0;
    let timer: NodeJS.Timeout | undefined;
    const arm = () => {
      clearTimeout(timer);
      const first = served === 0;
      timer = setTimeout(
        () => {
          if (first)
            this.emit({
              engine: 'httpServer',
              type: 'limit',
              session: this.session,
              at: Date.now(),
              code: 'TIMEOUT',
              message: `HTTP/2 session sent no complete request within headersTimeoutMs (${l.headersTimeoutMs} ms); closed`,
              remoteAddress,
            });
          // destroy(), not close(): both send GOAWAY, but a graceful close only half-closes the socket and
          // then waits for the peer — which a client holding the connection open never does.
          session.destroy();
        },
        first ? l.headersTimeoutMs : l.keepAliveTimeoutMs,
      );
      timer.unref();
    };
    arm();
    session.on('stream', (stream: ServerHttp2Stream) => {
      served += 1;
      open += 1;
      clearTimeout(timer);
      stream.once('close', () => {
        open -= 1;
        if (open === 0 && !session.closed && !session.destroyed) arm();
      });
    });
    session.once('close', () => {
      clearTimeout(timer);
      this.h2Sessions.delete(session);
    });
    // Session errors (a peer's protocol error, a reset socket) end only that session; the server emits
    // 'sessionError' for them, which needs no listener.
  }

  private onClientError(err: NodeJS.ErrnoException, socket: Socket): void {
    const code = err.code ?? '';
    let status = 400;
    let errCode = 'HTTP_PROTOCOL_ERROR';
    if (code === 'ERR_TLS_HANDSHAKE_TIMEOUT') {
      // Nothing can be answered on a socket without a TLS session.
      this.emit({
        engine: 'httpServer',
        type: 'limit',
        session: this.session,
        at: Date.now(),
        code: 'TIMEOUT',
        message: `TLS handshake not complete within headersTimeoutMs (${this.options.limits.headersTimeoutMs} ms)`,
        remoteAddress: socket.remoteAddress,
      });
      socket.destroy();
      return;
    }
    if (code === 'ERR_HTTP_REQUEST_TIMEOUT') {
      status = 408;
      errCode = 'TIMEOUT';
    } else if (code === 'HPE_HEADER_OVERFLOW') {
      status = 431;
      errCode = 'LIMIT_EXCEEDED';
    } else if (code === 'ECONNRESET' || code === 'EPIPE') {
      socket.destroy();
      return;
    }
    this.emit({
      engine: 'httpServer',
      type: 'limit',
      session: this.session,
      at: Date.now(),
      code: errCode,
      message: `${status}: ${err.message}`,
      remoteAddress: socket.remoteAddress,
    });
    if (socket.writable && !(socket as Socket & { _httpMessage?: unknown })._httpMessage) {
      const reason =
        status === 408
          ? 'Request Timeout'
          : status === 431
            ? 'Request Header Fields Too Large'
            : 'Bad Request';
      socket.end(`HTTP/1.1 ${status} ${reason}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
    }
    socket.destroySoon();
  }

  private failResponse(res: MockResponse, err: unknown): void {
    const e = toEngineError(err);
    if (!res.headersSent) {
      const body = `Internal error: ${e.code}\n`;
      try {
        res.writeHead(500, {
          'content-type': 'text/plain; charset=utf-8',
          'content-length': Buffer.byteLength(body),
        });
        res.end(body);
        return;
      } catch {
        // node:http2 keeps headers a failed writeHead set, so a second one can throw too; reset the stream.
      }
    }
    res.destroy();
  }

  private corsHeaders(req: MockRequest): Record<string, string> {
    const origin = req.headers.origin;
    const h: Record<string, string> = {
      'access-control-allow-origin': origin ?? '*',
      'access-control-allow-methods': 'GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS',
      'access-control-allow-headers': req.headers['access-control-request-headers'] ?? '*',
      'access-control-expose-headers': '*',
      'access-control-max-age': '600',
    };
    if (origin) {
      h['access-control-allow-credentials'] = 'true';
      h.vary = 'Origin';
    }
    return h;
  }

  private async handle(req: MockRequest, res: MockResponse, peer: Peer): Promise<void> {
    this.requestCount += 1;
    const t0 = performance.now();
    const startedAt = Date.now();
    const limits = this.options.limits;
    const rawUrl = req.url ?? '/';
    const qi = rawUrl.indexOf('?');
    const rawPath = qi < 0 ? rawUrl : rawUrl.slice(0, qi);
    const method = (req.method ?? 'GET').toUpperCase();
    const rec = {
      handler: 'not-found' as HttpServerHandler,
      routeId: undefined as string | undefined,
      bodyBytes: 0,
      preview: [] as Buffer[],
      previewBytes: 0,
      responseBytes: 0,
      code: undefined as string | undefined,
      message: undefined as string | undefined,
      dropped: [] as string[],
    };
    res.once('close', () => {
      const request: InspectedRequest = {
        id: this.requestIds.next(),
        method,
        url: rawUrl,
        httpVersion: req.httpVersion,
        headers: headerPairs(req.rawHeaders),
        remoteAddress: peer.remoteAddress,
        remotePort: peer.remotePort,
        body: rec.previewBytes
          ? new Uint8Array(Buffer.concat(rec.preview, rec.previewBytes))
          : new Uint8Array(0),
        bodyBytes: rec.bodyBytes,
        bodyTruncated: rec.bodyBytes > rec.previewBytes,
        status: res.statusCode,
        handler: rec.handler,
        routeId: rec.routeId,
        responseBytes: rec.responseBytes,
        startedAt,
        durationMs: performance.now() - t0,
      };
      if (rec.dropped.length) request.droppedHeaders = rec.dropped;
      if (rec.code) {
        request.code = rec.code;
        request.message = rec.message;
      } else if (!res.writableFinished) {
        request.code = 'CONNECTION_RESET';
        request.message = 'client closed the connection before the response ended';
      }
      this.emit({ engine: 'httpServer', type: 'request', session: this.session, at: Date.now(), request });
    });

    if (peer.stream) {
      // nghttp2 enforces maxHeaderListSize only once the client has acknowledged our SETTINGS; until then
      // its own 64 KiB default applies, so a list between the two is refused here, as HTTP/1's parser would.
      // Counted as RFC 9113 §6.5.2 does: name + value + 32 per field.
      let size = 0;
      for (let i = 0; i + 1 < req.rawHeaders.length; i += 2)
        size +=
          Buffer.byteLength(req.rawHeaders[i] ?? '') + Buffer.byteLength(req.rawHeaders[i + 1] ?? '') + 32;
      if (size > limits.maxHeaderBytes) {
        rec.handler = 'limit';
        rec.code = 'LIMIT_EXCEEDED';
        rec.message = `header list (${size} bytes) exceeds maxHeaderBytes (${limits.maxHeaderBytes})`;
        const text = 'Request Header Fields Too Large\n';
        rec.responseBytes = text.length;
        res.writeHead(431, { 'content-type': 'text/plain; charset=utf-8', 'content-length': text.length });
        res.end(text);
        if (!peer.stream.endAfterHeaders) closeStreamAfterResponse(peer.stream);
        return;
      }
    }

    const cors = this.options.cors ? this.corsHeaders(req) : undefined;
    if (cors) for (const [k, v] of Object.entries(cors)) res.setHeader(k, v);

    // Body: refused on its declared length first, then counted while streaming — never buffered past the limit.
    const declared =
      req.headers['content-length'] !== undefined ? Number(req.headers['content-length']) : undefined;
    const tooLarge = (what: string) => {
      rec.handler = 'limit';
      rec.code = 'LIMIT_EXCEEDED';
      rec.message = `${what} exceeds maxBodyBytes (${limits.maxBodyBytes})`;
      const text = `Payload Too Large: ${what} exceeds ${limits.maxBodyBytes} bytes\n`;
      rec.responseBytes = Buffer.byteLength(text);
      if (!res.headersSent) {
        const { stream, socket } = peer;
        res.writeHead(413, {
          'content-type': 'text/plain; charset=utf-8',
          'content-length': rec.responseBytes,
          // On HTTP/2 only this stream ends (the session is shared); `connection` is forbidden there.
          ...(stream ? {} : { connection: 'close' }),
        });
        if (stream) {
          res.end(text);
          closeStreamAfterResponse(stream);
        } else res.end(text, () => socket?.destroySoon());
      }
    };
    if (declared !== undefined && declared > limits.maxBodyBytes) {
      tooLarge(`declared body (${declared} bytes)`);
      return;
    }
    const found = findRoute(this.compiled, method, rawPath);
    // Only the handlers that use the body keep it; for the others it is counted (and previewed for the
    // inspector) but not held, so many concurrent uploads to a static folder cost no memory.
    const keepBody =
      this.options.echo ||
      (found !== undefined && found.route.body.includes('{{')) ||
      (this.options.demoApi && rawPath.startsWith('/users'));
    let body: Buffer = Buffer.alloc(0);
    // HTTP/2 frames bodies itself: there is one unless END_STREAM came with the headers.
    const hasBody =
      declared !== undefined
        ? declared > 0
        : peer.stream
          ? !peer.stream.endAfterHeaders
          : req.headers['transfer-encoding'] !== undefined;
    if (hasBody) {
      const chunks: Buffer[] = [];
      let timedOut = false;
      const ok = await new Promise<boolean>((resolve) => {
        // HTTP/1's requestTimeout is node's parser's; an h2 stream gets the same bound here.
        const timer = peer.stream
          ? setTimeout(() => {
              timedOut = true;
              req.pause();
              resolve(false);
            }, limits.requestTimeoutMs)
          : undefined;
        const done = (v: boolean) => {
          clearTimeout(timer);
          resolve(v);
        };
        req.on('data', (chunk: Buffer) => {
          rec.bodyBytes += chunk.length;
          if (rec.bodyBytes > limits.maxBodyBytes) {
            req.pause();
            done(false);
            return;
          }
          if (keepBody) chunks.push(chunk);
          if (rec.previewBytes < limits.inspectorBodyBytes) {
            const take = chunk.subarray(0, limits.inspectorBodyBytes - rec.previewBytes);
            rec.preview.push(Buffer.from(take));
            rec.previewBytes += take.length;
          }
        });
        req.once('end', () => done(true));
        req.once('error', () => done(false));
        // node:http2's compatibility request ends its stream even when the client reset it ('aborted'
        // comes first), and reports `complete` for a closed stream either way.
        req.once('aborted', () => done(false));
        req.once('close', () => done(peer.stream ? req.readableEnded : req.complete));
      });
      if (!ok) {
        if (rec.bodyBytes > limits.maxBodyBytes)
          tooLarge(`streamed body (more than ${limits.maxBodyBytes} bytes)`);
        else if (timedOut) {
          rec.handler = 'limit';
          rec.code = 'TIMEOUT';
          rec.message = `request body not received within requestTimeoutMs (${limits.requestTimeoutMs} ms)`;
          const text = 'Request Timeout\n';
          rec.responseBytes = text.length;
          if (!res.headersSent && !res.destroyed) {
            res.writeHead(408, {
              'content-type': 'text/plain; charset=utf-8',
              'content-length': text.length,
            });
            res.end(text);
            if (peer.stream) closeStreamAfterResponse(peer.stream);
          }
        } else {
          rec.code = 'RESPONSE_INCOMPLETE';
          rec.message = 'request body ended early';
          res.destroy();
        }
        return;
      }
      if (keepBody) body = Buffer.concat(chunks, rec.bodyBytes);
    }

    if (cors && method === 'OPTIONS' && req.headers['access-control-request-method']) {
      rec.handler = 'cors';
      res.writeHead(204, { 'content-length': 0 });
      res.end();
      return;
    }

    if (found) {
      rec.handler = 'route';
      rec.routeId = found.route.id;
      const r = found.route;
      if (r.delayMs > 0) {
        const alive = await new Promise<boolean>((resolve) => {
          const t = setTimeout(() => resolve(true), r.delayMs);
          res.once('close', () => {
            clearTimeout(t);
            resolve(false);
          });
        });
        if (!alive) return;
      }
      const text = hasPlaceholders(r.body)
        ? renderTemplate(r.body, {
            params: found.params,
            query: new URLSearchParams(qi < 0 ? '' : rawUrl.slice(qi + 1)),
            // HTTP/2 carries the host as :authority; {{headers.host}} means the same on both.
            headers:
              peer.stream && req.headers.host === undefined
                ? { ...req.headers, host: req.headers[':authority'] }
                : req.headers,
            method,
            path: rawPath,
            body: body.toString('utf8'),
          })
        : r.body;
      const out = Buffer.from(text);
      const headers: Record<string, string | number> = { ...r.headers };
      const lower = new Set(Object.keys(headers).map((k) => k.toLowerCase()));
      if (!lower.has('content-type') && out.length > 0) {
        headers['content-type'] = /^\s*[[{]/.test(text)
          ? 'application/json; charset=utf-8'
          : 'text/plain; charset=utf-8';
      }
      if (!lower.has('content-length') && !lower.has('transfer-encoding'))
        headers['content-length'] = out.length;
      if (peer.stream) {
        const safe = h2Headers(headers);
        rec.dropped = safe.dropped;
        this.reply(res, r.status, safe.headers, out, rec, method);
      } else this.reply(res, r.status, headers, out, rec, method);
      return;
    }

    if (this.options.echo) {
      rec.handler = 'echo';
      const query: Record<string, string | string[]> = {};
      for (const [k, v] of new URLSearchParams(qi < 0 ? '' : rawUrl.slice(qi + 1))) {
        const prev = query[k];
        query[k] = prev === undefined ? v : Array.isArray(prev) ? [...prev, v] : [prev, v];
      }
      const utf8 = isUtf8(body);
      const echo = {
        method,
        url: rawUrl,
        path: rawPath,
        query,
        httpVersion: req.httpVersion,
        headers: req.headers,
        rawHeaders: headerPairs(req.rawHeaders),
        body: utf8 ? body.toString('utf8') : body.toString('base64'),
        bodyEncoding: utf8 ? 'utf8' : 'base64',
        bodyBytes: body.length,
        remoteAddress: peer.remoteAddress,
        remotePort: peer.remotePort,
        tls: Boolean(this.options.tls),
      };
      const out = Buffer.from(`${JSON.stringify(echo, null, 2)}\n`);
      this.reply(
        res,
        200,
        { 'content-type': 'application/json; charset=utf-8', 'content-length': out.length },
        out,
        rec,
        method,
      );
      return;
    }

    if (this.staticRoot) {
      const r = await serveStatic(req, res, rawPath, {
        root: this.staticRoot,
        index: this.options.staticIndex,
        listing: this.options.staticListing,
      });
      if (r.status !== 404 || !(this.options.demoApi || this.options.helloWorld) || res.headersSent) {
        rec.handler = 'static';
        rec.responseBytes = r.bytes;
        return;
      }
    }

    if (this.options.demoApi) {
      const answer = demoApi(method, rawPath, body);
      if (answer) {
        rec.handler = 'demo';
        const out = Buffer.from(`${JSON.stringify(answer.body, null, 2)}\n`);
        this.reply(
          res,
          answer.status,
          { 'content-type': 'application/json; charset=utf-8', 'content-length': out.length },
          out,
          rec,
          method,
        );
        return;
      }
    }

    if (this.options.helloWorld && rawPath === '/' && (method === 'GET' || method === 'HEAD')) {
      rec.handler = 'hello';
      this.reply(
        res,
        200,
        { 'content-type': 'text/html; charset=utf-8', 'content-length': HELLO_BYTES.length },
        HELLO_BYTES,
        rec,
        method,
      );
      return;
    }

    rec.handler = 'not-found';
    const out = Buffer.from(`Not Found: ${method} ${rawPath}\n`);
    this.reply(
      res,
      404,
      { 'content-type': 'text/plain; charset=utf-8', 'content-length': out.length },
      out,
      rec,
      method,
    );
  }

  private reply(
    res: MockResponse,
    status: number,
    headers: Record<string, string | number>,
    body: Buffer,
    rec: { responseBytes: number },
    method: string,
  ): void {
    if (res.destroyed) return;
    res.writeHead(status, headers);
    const sent = method === 'HEAD' ? 0 : body.length;
    rec.responseBytes = sent;
    if (method === 'HEAD') res.end();
    // A small body as a latin1 string (byte for byte the same) lets Node send head and body in one
    // write; a Buffer body makes it a writev of two, which cost about a quarter of the throughput.
    else if (body.length <= 16 * 1024) res.end(body.toString('latin1'), 'latin1');
    else res.end(body);
  }
}
