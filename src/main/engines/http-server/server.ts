// One mock HTTP(S) server session: the sockets and their lifecycle. Requests go through handle.ts (user
// routes, then echo, then the static folder, then the demo API, then the "Hello, World!" page, then 404);
// every request is reported once, when its response ends, as an inspector event. Limits (timeouts, header
// and body size, connections, HTTP/2 streams) are options with documented defaults and are enforced by
// Node's parsers or before a byte is buffered. With TLS and `http2`, one port serves h2 and HTTP/1.1 (by
// ALPN) through the same handler. It knows nothing of the UI.
import {
  createServer as createHttpServer,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http';
import {
  createSecureServer,
  type Http2SecureServer,
  type Http2ServerRequest,
  type Http2ServerResponse,
  type ServerHttp2Session,
} from 'node:http2';
import { createServer as createHttpsServer, type Server as HttpsServer } from 'node:https';
import { realpath, stat } from 'node:fs/promises';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import type { HttpServerEvent, HttpServerInfo } from '../../../shared/contract/http-server';
import { TypedEmitter } from '../common/emitter';
import { EngineError, toEngineError } from '../common/errors';
import { IdSequence } from '../common/ids';
import { closeServer, listen } from '../common/net';
import { answerClientError, guardH2Session, type LimitNotice } from './guards';
import { handleRequest, type HandlerContext } from './handle';
import { HTTP_MOCK_SERVER_DEFAULTS, type HttpMockServerOptions, type HttpMockServerPatch } from './options';
import { peerOf } from './peer';
import { failResponse } from './responses';
import { compileRoute, type CompiledRoute } from './router';
import { WsRoutes } from './ws-routes';

export {
  HELLO_WORLD_BODY,
  HTTP_MOCK_SERVER_DEFAULTS,
  type HttpMockServerOptions,
  type HttpMockServerPatch,
} from './options';

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
  /** The pipeline's view of this server; getters, so an update() applies to the next request. */
  private readonly context: HandlerContext;
  private readonly wsRoutes: WsRoutes;
  private readonly onUpgrade = (req: IncomingMessage, socket: Duplex, head: Buffer): void =>
    this.wsRoutes.handleUpgrade(req, socket, head);

  constructor(session: string, options: Partial<HttpMockServerOptions> & { port: number }) {
    super();
    this.session = session;
    this.options = { ...HTTP_MOCK_SERVER_DEFAULTS, ...options };
    this.compiled = this.options.routes.map(compileRoute);
    // eslint-disable-next-line @typescript-eslint/no-this-alias -- the context's getters read live fields
    const self = this;
    this.context = {
      options: this.options,
      get compiled() {
        return self.compiled;
      },
      get staticRoot() {
        return self.staticRoot;
      },
      nextRequestId: () => this.requestIds.next(),
      report: (request) =>
        this.emit({ engine: 'httpServer', type: 'request', session: this.session, at: Date.now(), request }),
    };
    this.wsRoutes = new WsRoutes({
      get compiled() {
        return self.compiled;
      },
      maxMessageBytes: this.options.limits.maxWsMessageBytes,
      nextRequestId: () => this.requestIds.next(),
      report: (request) =>
        this.emit({ engine: 'httpServer', type: 'request', session: this.session, at: Date.now(), request }),
    });
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
      this.requestCount += 1;
      handleRequest(this.context, req, res, peerOf(req)).catch((err: unknown) => failResponse(res, err));
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
      h2.on('session', (session: ServerHttp2Session) => {
        this.h2Sessions.add(session);
        session.once('close', () => this.h2Sessions.delete(session));
        guardH2Session(session, l, (n) => this.limit(n));
      });
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
    this.server.on('drop', (data?: { remoteAddress?: string }) =>
      this.limit({
        code: 'LIMIT_EXCEEDED',
        message: `maxConnections (${l.maxConnections}) reached; connection dropped`,
        remoteAddress: data?.remoteAddress,
      }),
    );
    this.server.on('clientError', (err: NodeJS.ErrnoException, socket: Socket) =>
      answerClientError(err, socket, this.options.limits, (n) => this.limit(n)),
    );
    this.syncUpgrades();
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
      this.syncUpgrades();
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
      await this.wsRoutes.closeAll();
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
   * Node hands Upgrade requests to the 'upgrade' listener only while there is one; so the listener is
   * there exactly while a WebSocket route is, and without one an upgrade is an ordinary request.
   */
  private syncUpgrades(): void {
    const want = this.compiled.some((c) => c.route.kind === 'ws');
    const has = this.server.listeners('upgrade').includes(this.onUpgrade);
    if (want && !has) this.server.on('upgrade', this.onUpgrade);
    else if (!want && has) this.server.off('upgrade', this.onUpgrade);
  }

  private limit(n: LimitNotice): void {
    this.emit({ engine: 'httpServer', type: 'limit', session: this.session, at: Date.now(), ...n });
  }
}
