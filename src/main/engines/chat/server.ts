// One chat server session: accepts protocol clients (JSON lines, docs/chat-protocol.md) and plain text
// clients (nc, a ten-line Python client) on one port, optionally over TLS. This is the orchestrator that
// owns sockets, timers and the lifecycle; the work is done by socket-free parts (ws's receiver /
// sender / websocket split is the model): per connection a ChatReceiver (client detection, framing,
// rate limit) and a FrameWriter (rendering, slow-reader cut), and one ChatHub (the protocol: identity,
// rooms, messages, history) over ServerState (sequence numbers, acks, the log). File transfers are
// relayed by FileRelay. One client's bad bytes never disturb another. It knows nothing of discovery or
// of the UI: it emits ChatEvents.
import { createServer as createTcpServer, type Server, type Socket } from 'node:net';
import { createServer as createTlsServer } from 'node:tls';
import type { ChatEvent, HostClient, HostInfo } from '../../../shared/contract/chat';
import type { ErrorCode } from '../../../shared/errors';
import { TypedEmitter } from '../common/emitter';
import { EngineError, toEngineError } from '../common/errors';
import { IdSequence } from '../common/ids';
import { closeServer, listen } from '../common/net';
import { FileRelay } from './file-relay';
import { encodeFrame } from './protocol';
import { SerialChain } from './server-history';
import { ChatHub, type CloseReason, type HubConn } from './server-hub';
import { CHAT_SERVER_DEFAULTS, type ChatServerOptions } from './server-options';
import { FrameWriter } from './server-output';
import { ChatReceiver } from './server-receiver';
import { ServerState } from './server-state';

export { CHAT_SERVER_DEFAULTS, type ChatServerOptions } from './server-options';

interface Conn extends HubConn {
  readonly socket: Socket;
  readonly address: string;
  readonly connectedAt: number;
}

export class ChatServer extends TypedEmitter<ChatEvent> {
  readonly session: string;
  readonly options: ChatServerOptions;
  private readonly server: Server;
  private readonly state: ServerState;
  private readonly hub: ChatHub;
  private readonly conns = new Map<string, Conn>();
  private readonly relay: FileRelay<Conn>;
  private readonly connIds = new IdSequence('c');
  private lifecycle: 'new' | 'starting' | 'listening' | 'stopped' = 'new';
  private startPromise?: Promise<HostInfo>;
  private closePromise?: Promise<void>;
  private bound = { host: '', port: 0 };
  private startedAt = 0;

  constructor(session: string, options: Partial<ChatServerOptions> & { port: number; name: string }) {
    super();
    this.session = session;
    this.options = { ...CHAT_SERVER_DEFAULTS, ...options };
    const o = this.options;
    this.state = new ServerState({
      logPath: o.dataDir ? `${o.dataDir}/history.jsonl` : undefined,
      fsync: o.fsync,
      fsyncIntervalMs: o.fsyncIntervalMs,
      historyKeep: o.historyKeep,
      inboxKeep: o.inboxKeep,
      dedupeKeep: Math.max(1000, o.historyKeep),
      compactAboveBytes: o.compactAboveBytes,
      historyIndexStride: o.historyIndexStride,
      historyIndexBytes: o.historyIndexBytes,
      historyScanBytes: o.historyScanBytes,
      historyReadChunkBytes: o.historyReadChunkBytes,
    });
    this.hub = new ChatHub(this.state, o, {
      fatal: (c, code, message, reason) => this.fatal(c as Conn, code, message, reason),
      clientEvent: (c, event) => this.emitClient(c as Conn, event),
      relayFile: (c, nick, frame) => this.relay.handle(c as Conn, nick, frame),
    });
    this.relay = new FileRelay<Conn>(
      {
        byNick: (nick) => this.hub.byNick.get(nick) as Conn | undefined,
        speaksProtocol: (c) => c.rx.mode === 'proto',
        socket: (c) => c.socket,
        send: (c, frame) => c.writer.send(frame),
      },
      { maxFileBytes: o.maxFileBytes, maxOpenTransfers: o.maxOpenTransfers },
    );
    const onSocket = (socket: Socket) => this.onConnection(socket);
    this.server = o.tls
      ? createTlsServer({ cert: o.tls.certPem, key: o.tls.keyPem, minVersion: 'TLSv1.2' }, onSocket)
      : createTcpServer({ noDelay: true }, onSocket);
    this.server.on('error', (err) => this.emitError(err));
    // A client that fails the TLS handshake is its problem, not the server's.
    this.server.on('tlsClientError', () => undefined);
  }

  start(): Promise<HostInfo> {
    this.startPromise ??= (async () => {
      this.lifecycle = 'starting';
      try {
        this.state.load();
        this.bound = await listen(this.server, this.options.port, this.options.host);
      } catch (err) {
        this.lifecycle = 'stopped';
        this.state.close();
        throw toEngineError(err);
      }
      this.lifecycle = 'listening';
      this.startedAt = Date.now();
      const info = this.info();
      this.emit({ engine: 'chat', type: 'host.started', session: this.session, at: Date.now(), info });
      return info;
    })();
    return this.startPromise;
  }

  get port(): number {
    return this.bound.port;
  }

  get fingerprint(): string | undefined {
    return this.options.tls?.fingerprint256;
  }

  get loadReport() {
    return { ...this.state.loadReport, compacted: this.state.compacted };
  }

  info(discovery = false): HostInfo {
    return {
      session: this.session,
      name: this.options.name,
      host: this.bound.host || this.options.host,
      port: this.bound.port,
      tls: Boolean(this.options.tls),
      fingerprint: this.options.tls?.fingerprint256,
      passwordProtected: Boolean(this.options.password),
      discovery,
      state: this.lifecycle === 'listening' ? 'listening' : 'stopped',
      startedAt: this.startedAt,
      clients: [...this.conns.values()].filter((c) => c.member).map((c) => this.clientInfo(c)),
      rooms: this.hub.rooms(),
      historyMessages: this.state.messageCount,
      historyBytes: this.state.historyBytes,
    };
  }

  get clientCount(): number {
    return this.conns.size;
  }

  kick(nick: string): void {
    const c = this.hub.byNick.get(nick) as Conn | undefined;
    if (!c) throw new EngineError('NOT_FOUND', `${nick} is not connected to ${this.options.name}`);
    this.fatal(c, 'CHAT_KICKED', 'kicked by the server operator', 'kicked');
  }

  close(): Promise<void> {
    this.closePromise ??= (async () => {
      const wasRunning = this.lifecycle === 'listening' || this.lifecycle === 'starting';
      if (this.startPromise) await this.startPromise.catch(() => undefined);
      this.lifecycle = 'stopped';
      const closed = closeServer(this.server);
      const gone: Promise<unknown>[] = [];
      for (const c of this.conns.values()) {
        c.closeReason ??= 'server-stopped';
        gone.push(new Promise((r) => c.socket.once('close', r)));
        c.socket.destroy();
      }
      await Promise.all([closed, ...gone]);
      this.state.close();
      if (wasRunning)
        this.emit({ engine: 'chat', type: 'host.stopped', session: this.session, at: Date.now() });
    })();
    return this.closePromise;
  }

  // ---- connections -------------------------------------------------------------------------------

  private onConnection(socket: Socket): void {
    if (this.lifecycle !== 'listening') {
      socket.destroy();
      return;
    }
    socket.setNoDelay(true);
    // Members whose machine vanished (no FIN) are noticed by TCP keepalive, so presence does not lie forever.
    socket.setKeepAlive(true, 30_000);
    const o = this.options;
    const conn: Conn = {
      id: this.connIds.next(),
      socket,
      rx: new ChatReceiver(o, {
        line: (line) => this.hub.line(conn, line),
        becomePlain: () => this.hub.becomePlain(conn),
        fatal: (code, message, reason) => this.fatal(conn, code, message, reason),
        throttle: (retryAfterMs) => {
          socket.pause();
          conn.writer.send({
            t: 'error',
            code: 'CHAT_RATE_LIMITED',
            message: `over ${o.rateLimitPerSec} frames/s; reading paused`,
            retryAfterMs,
          });
        },
        resume: () => socket.resume(),
      }),
      writer: new FrameWriter(
        socket,
        o.maxQueuedBytes,
        () => conn.rx.mode,
        () => {
          conn.closeReason = 'slow';
          conn.rx.stop();
        },
      ),
      history: new SerialChain(o.historyQueuedRequests),
      rooms: new Set(),
      address: `${socket.remoteAddress ?? '?'}:${socket.remotePort ?? 0}`,
      connectedAt: Date.now(),
    };
    socket.on('error', () => {
      conn.closeReason ??= 'error';
    });
    socket.on('close', () => this.onClose(conn));
    if (this.conns.size >= o.maxClients) {
      // One line both kinds of client understand, then goodbye.
      socket.end(
        encodeFrame({
          t: 'error',
          code: 'CHAT_SERVER_FULL',
          message: `maxClients (${o.maxClients}) reached`,
          fatal: true,
        }),
      );
      setTimeout(() => socket.destroy(), 1000).unref();
      this.emit({
        engine: 'chat',
        type: 'host.error',
        session: this.session,
        at: Date.now(),
        code: 'CHAT_SERVER_FULL',
        message: `refused ${conn.address}: maxClients reached`,
      });
      return;
    }
    this.conns.set(conn.id, conn);
    conn.rx.start();
    socket.on('data', (chunk: Buffer) => conn.rx.push(chunk));
  }

  private onClose(conn: Conn): void {
    conn.rx.stop();
    this.conns.delete(conn.id);
    this.hub.closed(conn);
    if (conn.member) this.emitClient(conn, 'disconnected', conn.closeReason ?? 'remote');
  }

  /** Sends a last error frame and closes the connection. */
  private fatal(conn: Conn, code: ErrorCode, message: string, reason: CloseReason): void {
    if (conn.writer.closing) return;
    conn.writer.send({ t: 'error', code, message, fatal: true });
    conn.writer.closing = true;
    conn.closeReason ??= reason;
    conn.rx.stop();
    conn.socket.end();
    // Give the error frame a moment to leave; a peer that does not close its side is cut off.
    setTimeout(() => conn.socket.destroy(), 2000).unref();
  }

  private clientInfo(c: Conn): HostClient {
    return {
      clientId: c.id,
      nick: c.member?.nick ?? '',
      address: c.address,
      plain: c.rx.mode === 'plain',
      rooms: [...c.rooms],
      connectedAt: c.connectedAt,
    };
  }

  private emitClient(c: Conn, event: 'connected' | 'updated' | 'disconnected', reason?: string): void {
    this.emit({
      engine: 'chat',
      type: 'host.client',
      session: this.session,
      at: Date.now(),
      event,
      client: this.clientInfo(c),
      ...(reason ? { reason } : {}),
    });
  }

  private emitError(err: unknown): void {
    if (this.lifecycle !== 'listening') return;
    const e = toEngineError(err);
    this.emit({
      engine: 'chat',
      type: 'host.error',
      session: this.session,
      at: Date.now(),
      code: e.code,
      message: e.message,
    });
  }
}
