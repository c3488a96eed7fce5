// A stream-socket client session: connect with a timeout, send bytes, report what arrives and every
// state change. Plain TCP and TLS clients are this class with a different socket factory and ready
// event; it knows nothing of TLS itself.
import type { Socket } from 'node:net';
import {
  STREAM_DEFAULTS,
  type StreamClientEvent,
  type StreamClientInfo,
  type StreamState,
} from '../../../shared/contract/stream';
import { DataCoalescer } from './coalescer';
import { TypedEmitter } from './emitter';
import { EngineError, toEngineError } from './errors';
import type { DistributiveOmit } from './stream-server';

export interface StreamClientOptions {
  host: string;
  port: number;
  connectTimeoutMs: number;
  maxEventDataBytes: number;
  /** Data within this window becomes one event (default STREAM_DEFAULTS.coalesceMs). */
  coalesceMs?: number;
}

export interface StreamClientSetup<E extends string, I extends StreamClientInfo> {
  engine: E;
  /** Creates the socket and starts connecting. */
  open(): Socket;
  /** 'connect' for TCP, 'secureConnect' once a TLS handshake is done. */
  readyEvent: 'connect' | 'secureConnect';
  /** Called when ready, before the state becomes open (e.g. to record the handshake). */
  onReady?(socket: Socket): void;
  /** The session as described, from the base fields plus what this kind of client adds. */
  describe(base: StreamClientInfo): I;
  toError?(err: unknown, context?: string): EngineError;
  /** Words for a timeout, e.g. "no connection" or "no TLS session". */
  what: string;
}

export class StreamClient<
  E extends string,
  I extends StreamClientInfo,
  Ev extends { engine: E } = StreamClientEvent<E, I>,
> extends TypedEmitter<Ev> {
  readonly session: string;
  protected readonly options: StreamClientOptions;
  private readonly setup: StreamClientSetup<E, I>;
  private socket?: Socket;
  private state: StreamState = 'connecting';
  private bytesIn = 0;
  private bytesOut = 0;
  private readonly openedAt = Date.now();
  private connectPromise?: Promise<I>;
  private closePromise?: Promise<void>;
  private readonly data: DataCoalescer;

  constructor(session: string, options: StreamClientOptions, setup: StreamClientSetup<E, I>) {
    super();
    this.session = session;
    this.options = options;
    this.setup = setup;
    this.data = new DataCoalescer(
      { windowMs: options.coalesceMs ?? STREAM_DEFAULTS.coalesceMs, maxBytes: options.maxEventDataBytes },
      (d) =>
        this.emitEvent({
          type: d.dir === 'in' ? 'client.data' : 'client.sent',
          data: d.data,
          bytes: d.bytes,
          truncated: d.truncated,
          reads: d.reads,
        }),
    );
  }

  info(): I {
    const s = this.socket;
    return this.setup.describe({
      session: this.session,
      host: this.options.host,
      port: this.options.port,
      state: this.state,
      localAddress: s?.localAddress,
      localPort: s?.localPort,
      remoteAddress: s?.remoteAddress,
      bytesIn: this.bytesIn,
      bytesOut: this.bytesOut,
      openedAt: this.openedAt,
    });
  }

  /** Resolves once ready; rejects with CONNECTION_REFUSED, HOST_NOT_FOUND, TIMEOUT, TLS_ERROR, … */
  start(): Promise<I> {
    this.connectPromise ??= new Promise<I>((resolve, reject) => {
      const { host, port, connectTimeoutMs } = this.options;
      const socket = this.setup.open();
      socket.setNoDelay(true);
      this.socket = socket;
      let settled = false;
      const fail = (err: EngineError) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        socket.destroy();
        this.setState('closed', err);
        reject(err);
      };
      const timer = setTimeout(() => {
        fail(
          new EngineError('TIMEOUT', `${this.setup.what} with ${host}:${port} within ${connectTimeoutMs} ms`),
        );
      }, connectTimeoutMs);
      socket.once(this.setup.readyEvent, () => {
        settled = true;
        clearTimeout(timer);
        this.setup.onReady?.(socket);
        this.setState('open');
        resolve(this.info());
      });
      socket.on('data', (chunk: Buffer) => {
        this.bytesIn += chunk.length;
        this.data.push('in', this.session, chunk);
      });
      let lastError: EngineError | undefined;
      socket.on('error', (err) => {
        lastError = this.toError(err, `${host}:${port}`);
        if (!settled) fail(lastError);
      });
      socket.on('close', () => {
        if (!settled) {
          fail(
            lastError ??
              new EngineError(
                'CONNECTION_RESET',
                `${host}:${port} closed the connection before it was ready`,
              ),
          );
        } else if (this.state !== 'closed') this.setState('closed', lastError);
      });
    });
    return this.connectPromise;
  }

  send(bytes: Uint8Array): { bytes: number } {
    const s = this.socket;
    if (!s || this.state !== 'open' || !s.writable) {
      throw new EngineError('NOT_CONNECTED', `client ${this.session} is ${this.state}`);
    }
    s.write(bytes);
    this.bytesOut += bytes.length;
    this.data.push('out', this.session, bytes);
    return { bytes: bytes.length };
  }

  close(): Promise<void> {
    this.closePromise ??= new Promise<void>((resolve) => {
      const s = this.socket;
      if (!s || s.destroyed) {
        if (this.state !== 'closed') this.setState('closed');
        return resolve();
      }
      s.once('close', () => resolve());
      // end() sends FIN (and TLS close_notify) so the peer sees an orderly close; destroy if it lingers.
      s.end();
      setTimeout(() => s.destroy(), 1000).unref();
    });
    return this.closePromise;
  }

  private toError(err: unknown, context?: string): EngineError {
    return this.setup.toError ? this.setup.toError(err, context) : toEngineError(err, context);
  }

  private emitEvent(e: DistributiveOmit<StreamClientEvent<E, I>, 'engine' | 'session' | 'at'>): void {
    if (e.type === 'client.state') this.data.flush();
    this.emit({ engine: this.setup.engine, session: this.session, at: Date.now(), ...e } as unknown as Ev);
  }

  private setState(state: StreamState, err?: EngineError): void {
    this.state = state;
    this.emitEvent({
      type: 'client.state',
      state,
      ...(err ? { code: err.code, message: err.message } : {}),
      info: this.info(),
    });
  }
}
