// One TCP client session: connect with a timeout, send bytes, report what arrives and every state change.
import { connect, type Socket } from 'node:net';
import type { TcpClientInfo, TcpClientState, TcpEvent } from '../../../shared/contract/tcp';
import { TCP_DEFAULTS } from '../../../shared/contract/tcp';
import { wireBytes } from '../common/bytes';
import { TypedEmitter } from '../common/emitter';
import { EngineError, toEngineError } from '../common/errors';

export interface TcpClientOptions {
  host: string;
  port: number;
  connectTimeoutMs: number;
  maxEventDataBytes: number;
}

export const TCP_CLIENT_DEFAULTS = {
  connectTimeoutMs: TCP_DEFAULTS.connectTimeoutMs,
  maxEventDataBytes: TCP_DEFAULTS.maxEventDataBytes,
};

export class TcpClient extends TypedEmitter<TcpEvent> {
  readonly session: string;
  private readonly options: TcpClientOptions;
  private socket?: Socket;
  private state: TcpClientState = 'connecting';
  private bytesIn = 0;
  private bytesOut = 0;
  private readonly openedAt = Date.now();
  private connectPromise?: Promise<TcpClientInfo>;
  private closePromise?: Promise<void>;

  constructor(session: string, options: Partial<TcpClientOptions> & { host: string; port: number }) {
    super();
    this.session = session;
    this.options = { ...TCP_CLIENT_DEFAULTS, ...options };
  }

  info(): TcpClientInfo {
    const s = this.socket;
    return {
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
    };
  }

  /** Resolves once connected; rejects with CONNECTION_REFUSED, HOST_NOT_FOUND, TIMEOUT, … */
  start(): Promise<TcpClientInfo> {
    this.connectPromise ??= new Promise<TcpClientInfo>((resolve, reject) => {
      const { host, port, connectTimeoutMs } = this.options;
      const socket = connect({ host, port, noDelay: true });
      this.socket = socket;
      let settled = false;
      const timer = setTimeout(() => {
        fail(new EngineError('TIMEOUT', `no connection to ${host}:${port} within ${connectTimeoutMs} ms`));
        socket.destroy();
      }, connectTimeoutMs);
      const fail = (err: EngineError) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        this.setState('closed', err);
        reject(err);
      };
      socket.once('connect', () => {
        settled = true;
        clearTimeout(timer);
        this.setState('open');
        resolve(this.info());
      });
      socket.on('data', (chunk: Buffer) => {
        this.bytesIn += chunk.length;
        this.emit({
          engine: 'tcp',
          type: 'client.data',
          session: this.session,
          at: Date.now(),
          ...wireBytes(chunk, this.options.maxEventDataBytes),
        });
      });
      let lastError: EngineError | undefined;
      socket.on('error', (err) => {
        lastError = toEngineError(err, `${host}:${port}`);
        if (!settled) fail(lastError);
      });
      socket.on('close', () => {
        if (this.state !== 'closed') this.setState('closed', lastError);
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
    this.emit({
      engine: 'tcp',
      type: 'client.sent',
      session: this.session,
      at: Date.now(),
      ...wireBytes(bytes, this.options.maxEventDataBytes),
    });
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
      // end() sends FIN so the peer sees an orderly close; destroy after a grace period if it lingers.
      s.end();
      setTimeout(() => s.destroy(), 1000).unref();
    });
    return this.closePromise;
  }

  private setState(state: TcpClientState, err?: EngineError): void {
    this.state = state;
    this.emit({
      engine: 'tcp',
      type: 'client.state',
      session: this.session,
      at: Date.now(),
      state,
      ...(err ? { code: err.code, message: err.message } : {}),
      info: this.info(),
    });
  }
}
