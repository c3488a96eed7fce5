// A stream-socket server session: many clients, optional welcome bytes, echo or other automatic
// answers, send to one or all, kick, stop. Plain TCP and TLS servers are this class with a different
// listener factory and client description; it knows nothing of TLS itself.
import type { Server, Socket } from 'node:net';
import {
  STREAM_DEFAULTS,
  type StreamServerClient,
  type StreamServerEvent,
} from '../../../shared/contract/stream';
import { DataCoalescer } from './coalescer';
import { TypedEmitter } from './emitter';
import { EngineError, toEngineError } from './errors';
import { IdSequence } from './ids';
import { closeServer, listen } from './net';

export interface StreamServerOptions {
  host: string;
  port: number;
  /** Bytes sent to every client as soon as it is ready (e.g. "Welcome to the server!"). */
  welcome?: Uint8Array;
  echo: boolean;
  /** Connections beyond this are closed at once, with a 'limit' event. */
  maxClients: number;
  maxEventDataBytes: number;
  /** Data of one client within this window becomes one event (default STREAM_DEFAULTS.coalesceMs). */
  coalesceMs?: number;
}

export interface StreamServerSetup<E extends string, C extends StreamServerClient> {
  engine: E;
  /** The listener; it must call `onClient` for each connection ready to carry data. */
  createServer(onClient: (socket: Socket) => void): Server;
  /** The client as listed, from the base fields plus whatever this kind of server adds. */
  describe(socket: Socket, base: StreamServerClient): C;
  /** An automatic answer to a received chunk (auto-reply rules); echo applies when this gives none. */
  answer?(chunk: Buffer): Uint8Array | undefined;
  toError?(err: unknown, context?: string): EngineError;
}

interface ClientEntry<C> {
  socket: Socket;
  info: C;
  closeReason?: 'kicked' | 'server-stopped' | 'error';
}

export interface StreamServerState {
  session: string;
  host: string;
  port: number;
  echo: boolean;
  welcome?: string;
  state: 'listening' | 'stopped';
  startedAt: number;
}

export class StreamServer<
  E extends string,
  C extends StreamServerClient,
  Ev extends { engine: E } = StreamServerEvent<E, C>,
> extends TypedEmitter<Ev> {
  readonly session: string;
  protected readonly options: StreamServerOptions;
  protected readonly server: Server;
  private readonly setup: StreamServerSetup<E, C>;
  private readonly clients = new Map<string, ClientEntry<C>>();
  private readonly clientIds = new IdSequence('c');
  private state: 'new' | 'starting' | 'listening' | 'stopped' = 'new';
  private startPromise?: Promise<void>;
  private closePromise?: Promise<void>;
  private bound = { host: '', port: 0 };
  private startedAt = 0;
  private readonly data: DataCoalescer;

  constructor(session: string, options: StreamServerOptions, setup: StreamServerSetup<E, C>) {
    super();
    this.session = session;
    this.options = options;
    this.setup = setup;
    this.data = new DataCoalescer(
      { windowMs: options.coalesceMs ?? STREAM_DEFAULTS.coalesceMs, maxBytes: options.maxEventDataBytes },
      (d) =>
        this.emitEvent({
          type: d.dir === 'in' ? 'server.data' : 'server.sent',
          clientId: d.peer,
          data: d.data,
          bytes: d.bytes,
          truncated: d.truncated,
          reads: d.reads,
        }),
    );
    this.server = setup.createServer((socket) => this.onClient(socket));
    this.server.on('error', (err) => {
      if (this.state !== 'listening') return; // listen errors are reported by start()
      const e = this.toError(err);
      this.emitEvent({ type: 'server.error', code: e.code, message: e.message });
    });
  }

  protected async listen(): Promise<void> {
    this.startPromise ??= (async () => {
      this.state = 'starting';
      this.bound = await listen(this.server, this.options.port, this.options.host).catch((err: unknown) => {
        this.state = 'stopped';
        throw err;
      });
      this.state = 'listening';
      this.startedAt = Date.now();
    })();
    return this.startPromise;
  }

  get port(): number {
    return this.bound.port;
  }

  get clientCount(): number {
    return this.clients.size;
  }

  get running(): boolean {
    return this.state === 'listening';
  }

  protected baseInfo(): StreamServerState & { clients: C[] } {
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

  /** Sends to one client, or to all when clientId is omitted. */
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
      if (wasRunning) this.emitEvent({ type: 'server.stopped' });
    })();
    return this.closePromise;
  }

  protected toError(err: unknown, context?: string): EngineError {
    return this.setup.toError ? this.setup.toError(err, context) : toEngineError(err, context);
  }

  /** Emits one of the shared server events, tagged with this engine and session. */
  protected emitEvent(e: DistributiveOmit<StreamServerEvent<E, C>, 'engine' | 'session' | 'at'>): void {
    // Pending data goes first, so the log keeps the order things happened in.
    if (e.type !== 'server.data' && e.type !== 'server.sent') this.data.flush();
    // One cast, here: Ev is StreamServerEvent<E, C> or a union that contains it.
    this.emit({ engine: this.setup.engine, session: this.session, at: Date.now(), ...e } as unknown as Ev);
  }

  private requireClient(clientId: string): ClientEntry<C> {
    const c = this.clients.get(clientId);
    if (!c) throw new EngineError('NOT_FOUND', `client ${clientId} is not connected to ${this.session}`);
    return c;
  }

  /** Returns false when the socket's buffer is full (backpressure). */
  private write(c: ClientEntry<C>, bytes: Uint8Array): boolean {
    if (c.socket.destroyed || !c.socket.writable) return true;
    const ok = c.socket.write(bytes);
    c.info.bytesOut += bytes.length;
    this.data.push('out', c.info.clientId, bytes);
    return ok;
  }

  private onClient(socket: Socket): void {
    if (this.state !== 'listening') {
      socket.destroy();
      return;
    }
    const clientId = this.clientIds.next();
    if (this.clients.size >= this.options.maxClients) {
      socket.destroy();
      this.emitEvent({
        type: 'server.clientClosed',
        clientId,
        reason: 'limit',
        code: 'LIMIT_EXCEEDED',
        message: `maxClients (${this.options.maxClients}) reached`,
      });
      return;
    }
    const entry: ClientEntry<C> = {
      socket,
      info: this.setup.describe(socket, {
        clientId,
        remoteAddress: socket.remoteAddress ?? '?',
        remotePort: socket.remotePort ?? 0,
        connectedAt: Date.now(),
        bytesIn: 0,
        bytesOut: 0,
      }),
    };
    this.clients.set(clientId, entry);
    this.emitEvent({ type: 'server.clientConnected', client: { ...entry.info } });
    if (this.options.welcome && this.options.welcome.length > 0) this.write(entry, this.options.welcome);

    let lastError: EngineError | undefined;
    socket.on('data', (chunk: Buffer) => {
      entry.info.bytesIn += chunk.length;
      this.data.push('in', clientId, chunk);
      const answer = this.setup.answer?.(chunk) ?? (this.options.echo ? chunk : undefined);
      // Backpressure: a client that sends faster than it reads its answers is paused, not buffered.
      if (answer && !this.write(entry, answer)) {
        socket.pause();
        socket.once('drain', () => socket.resume());
      }
    });
    socket.on('error', (err) => {
      lastError = this.toError(err);
      entry.closeReason ??= 'error';
    });
    socket.on('close', () => {
      this.clients.delete(clientId);
      const reason = entry.closeReason ?? 'remote';
      this.emitEvent({
        type: 'server.clientClosed',
        clientId,
        reason,
        ...(lastError && reason === 'error' ? { code: lastError.code, message: lastError.message } : {}),
      });
    });
  }
}

/** Omit over each member of a union (the built-in Omit collapses the union). */
export type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;
