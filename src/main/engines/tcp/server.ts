// One TCP server session: many clients, optional welcome bytes and echo, send to one or all.
// It knows nothing of the UI or the transports: it emits TcpEvents and throws coded EngineErrors.
import { createServer, type Server, type Socket } from 'node:net';
import type { TcpEvent, TcpServerClient, TcpServerInfo } from '../../../shared/contract/tcp';
import { TCP_DEFAULTS } from '../../../shared/contract/tcp';
import { wireBytes } from '../common/bytes';
import { TypedEmitter } from '../common/emitter';
import { EngineError, toEngineError } from '../common/errors';
import { IdSequence } from '../common/ids';
import { closeServer, listen } from '../common/net';

export interface TcpServerOptions {
  host: string;
  port: number;
  /** Bytes sent to every client as soon as it connects (the seed's "Welcome to the server!"). */
  welcome?: Uint8Array;
  echo: boolean;
  /** Connections beyond this are accepted and closed at once, with a 'limit' event. */
  maxClients: number;
  maxEventDataBytes: number;
}

export const TCP_SERVER_DEFAULTS: Omit<TcpServerOptions, 'port'> = {
  host: TCP_DEFAULTS.serverHost,
  echo: false,
  maxClients: TCP_DEFAULTS.maxClients,
  maxEventDataBytes: TCP_DEFAULTS.maxEventDataBytes,
};

interface ClientEntry {
  socket: Socket;
  info: TcpServerClient;
  closeReason?: 'kicked' | 'server-stopped' | 'error';
}

export class TcpServer extends TypedEmitter<TcpEvent> {
  readonly session: string;
  private readonly options: TcpServerOptions;
  private readonly server: Server;
  private readonly clients = new Map<string, ClientEntry>();
  private readonly clientIds = new IdSequence('c');
  private state: 'new' | 'starting' | 'listening' | 'stopped' = 'new';
  private startPromise?: Promise<TcpServerInfo>;
  private closePromise?: Promise<void>;
  private bound = { host: '', port: 0 };
  private startedAt = 0;

  constructor(session: string, options: Partial<TcpServerOptions> & { port: number }) {
    super();
    this.session = session;
    this.options = { ...TCP_SERVER_DEFAULTS, ...options };
    // noDelay: a workbench shows each send as its own segment; Nagle would merge typed messages.
    this.server = createServer({ noDelay: true }, (socket) => this.onConnection(socket));
    this.server.on('error', (err) => this.emitError(err));
  }

  start(): Promise<TcpServerInfo> {
    this.startPromise ??= (async () => {
      this.state = 'starting';
      this.bound = await listen(this.server, this.options.port, this.options.host).catch((err: unknown) => {
        this.state = 'stopped';
        throw err;
      });
      this.state = 'listening';
      this.startedAt = Date.now();
      return this.info();
    })();
    return this.startPromise;
  }

  get port(): number {
    return this.bound.port;
  }

  info(): TcpServerInfo {
    return {
      session: this.session,
      host: this.bound.host || this.options.host,
      port: this.bound.port,
      echo: this.options.echo,
      welcome: this.options.welcome ? Buffer.from(this.options.welcome).toString('utf8') : undefined,
      state: this.state === 'listening' ? 'listening' : 'stopped',
      startedAt: this.startedAt,
      clients: [...this.clients.values()].map((c) => ({ ...c.info })),
    };
  }

  setOptions(patch: { echo?: boolean; welcome?: Uint8Array | null }): TcpServerInfo {
    if (patch.echo !== undefined) this.options.echo = patch.echo;
    if (patch.welcome !== undefined) this.options.welcome = patch.welcome ?? undefined;
    return this.info();
  }

  /** Sends to one client, or to all when clientId is omitted. Resolves with how many got it. */
  send(bytes: Uint8Array, clientId?: string): { sentTo: number; bytes: number } {
    if (this.state !== 'listening')
      throw new EngineError('NOT_FOUND', `server ${this.session} is not running`);
    const targets = clientId === undefined ? [...this.clients.values()] : [this.requireClient(clientId)];
    for (const c of targets) this.write(c, bytes);
    return { sentTo: targets.length, bytes: bytes.length };
  }

  kick(clientId: string): void {
    const c = this.requireClient(clientId);
    c.closeReason = 'kicked';
    c.socket.destroy();
  }

  close(): Promise<void> {
    this.closePromise ??= (async () => {
      const wasRunning = this.state === 'listening' || this.state === 'starting';
      if (this.startPromise) await this.startPromise.catch(() => undefined);
      this.state = 'stopped';
      const closed = closeServer(this.server);
      const gone: Promise<unknown>[] = [];
      for (const c of this.clients.values()) {
        c.closeReason ??= 'server-stopped';
        gone.push(new Promise((r) => c.socket.once('close', r)));
        c.socket.destroy();
      }
      // Each client's clientClosed event precedes server.stopped, so the UI never shows a ghost client.
      await Promise.all([closed, ...gone]);
      if (wasRunning)
        this.emit({ engine: 'tcp', type: 'server.stopped', session: this.session, at: Date.now() });
    })();
    return this.closePromise;
  }

  get clientCount(): number {
    return this.clients.size;
  }

  private requireClient(clientId: string): ClientEntry {
    const c = this.clients.get(clientId);
    if (!c) throw new EngineError('NOT_FOUND', `client ${clientId} is not connected to ${this.session}`);
    return c;
  }

  private write(c: ClientEntry, bytes: Uint8Array): void {
    if (c.socket.destroyed || !c.socket.writable) return;
    c.socket.write(bytes);
    c.info.bytesOut += bytes.length;
    this.emit({
      engine: 'tcp',
      type: 'server.sent',
      session: this.session,
      at: Date.now(),
      clientId: c.info.clientId,
      ...wireBytes(bytes, this.options.maxEventDataBytes),
    });
  }

  private onConnection(socket: Socket): void {
    if (this.state !== 'listening') {
      socket.destroy();
      return;
    }
    const clientId = this.clientIds.next();
    if (this.clients.size >= this.options.maxClients) {
      socket.destroy();
      this.emit({
        engine: 'tcp',
        type: 'server.clientClosed',
        session: this.session,
        at: Date.now(),
        clientId,
        reason: 'limit',
        code: 'LIMIT_EXCEEDED',
        message: `maxClients (${this.options.maxClients}) reached`,
      });
      return;
    }
    const entry: ClientEntry = {
      socket,
      info: {
        clientId,
        remoteAddress: socket.remoteAddress ?? '?',
        remotePort: socket.remotePort ?? 0,
        connectedAt: Date.now(),
        bytesIn: 0,
        bytesOut: 0,
      },
    };
    this.clients.set(clientId, entry);
    this.emit({
      engine: 'tcp',
      type: 'server.clientConnected',
      session: this.session,
      at: Date.now(),
      client: { ...entry.info },
    });
    if (this.options.welcome && this.options.welcome.length > 0) this.write(entry, this.options.welcome);

    let lastError: EngineError | undefined;
    socket.on('data', (chunk: Buffer) => {
      entry.info.bytesIn += chunk.length;
      this.emit({
        engine: 'tcp',
        type: 'server.data',
        session: this.session,
        at: Date.now(),
        clientId,
        ...wireBytes(chunk, this.options.maxEventDataBytes),
      });
      if (this.options.echo && socket.writable) {
        entry.info.bytesOut += chunk.length;
        // Backpressure: a client that sends faster than it reads its echo is paused, not buffered.
        if (!socket.write(chunk)) {
          socket.pause();
          socket.once('drain', () => socket.resume());
        }
      }
    });
    socket.on('error', (err) => {
      lastError = toEngineError(err);
      entry.closeReason ??= 'error';
    });
    socket.on('close', () => {
      this.clients.delete(clientId);
      const reason = entry.closeReason ?? 'remote';
      this.emit({
        engine: 'tcp',
        type: 'server.clientClosed',
        session: this.session,
        at: Date.now(),
        clientId,
        reason,
        ...(lastError && reason === 'error' ? { code: lastError.code, message: lastError.message } : {}),
      });
    });
  }

  private emitError(err: unknown): void {
    if (this.state !== 'listening') return; // listen errors are reported by start()
    const e = toEngineError(err);
    this.emit({
      engine: 'tcp',
      type: 'server.error',
      session: this.session,
      at: Date.now(),
      code: e.code,
      message: e.message,
    });
  }
}
