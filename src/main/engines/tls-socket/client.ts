// One TLS client session: connect with a timeout, verify (or deliberately not), report what the
// handshake settled (version, cipher, ALPN, SNI, the peer certificate and whether it is trusted),
// then send and receive like the TCP client.
import { connect, type TLSSocket } from 'node:tls';
import { isIP } from 'node:net';
import type { TlsClientInfo, TlsClientState, TlsSockEvent } from '../../../shared/contract/tlssock';
import { TLSSOCK_DEFAULTS } from '../../../shared/contract/tlssock';
import { wireBytes } from '../common/bytes';
import { TypedEmitter } from '../common/emitter';
import { EngineError } from '../common/errors';
import { checkCaPem, summarize, tlsEngineError } from './certs';
import { sessionInfo } from './server';

export interface TlsClientOptions {
  host: string;
  port: number;
  connectTimeoutMs: number;
  verify: boolean;
  ca?: string;
  servername?: string;
  alpn?: string[];
  minVersion: 'TLSv1.2' | 'TLSv1.3';
  maxEventDataBytes: number;
}

export const TLS_CLIENT_DEFAULTS = {
  connectTimeoutMs: TLSSOCK_DEFAULTS.connectTimeoutMs,
  verify: true,
  minVersion: TLSSOCK_DEFAULTS.minVersion,
  maxEventDataBytes: TLSSOCK_DEFAULTS.maxEventDataBytes,
};

export class TlsClient extends TypedEmitter<TlsSockEvent> {
  readonly session: string;
  private readonly options: TlsClientOptions;
  private socket?: TLSSocket;
  private state: TlsClientState = 'connecting';
  private bytesIn = 0;
  private bytesOut = 0;
  private readonly openedAt = Date.now();
  private handshake: Pick<
    TlsClientInfo,
    'handshakeMs' | 'tls' | 'authorized' | 'authorizationError' | 'peerCertificate'
  > = {};
  private connectPromise?: Promise<TlsClientInfo>;
  private closePromise?: Promise<void>;

  constructor(session: string, options: Partial<TlsClientOptions> & { host: string; port: number }) {
    super();
    this.session = session;
    this.options = { ...TLS_CLIENT_DEFAULTS, ...options };
    if (this.options.ca) checkCaPem(this.options.ca);
  }

  info(): TlsClientInfo {
    const s = this.socket;
    return {
      session: this.session,
      host: this.options.host,
      port: this.options.port,
      state: this.state,
      verify: this.options.verify,
      localAddress: s?.localAddress,
      localPort: s?.localPort,
      remoteAddress: s?.remoteAddress,
      bytesIn: this.bytesIn,
      bytesOut: this.bytesOut,
      openedAt: this.openedAt,
      ...this.handshake,
    };
  }

  /** Resolves once the handshake is done; rejects with TLS_ERROR, CONNECTION_REFUSED, TIMEOUT, … */
  start(): Promise<TlsClientInfo> {
    this.connectPromise ??= new Promise<TlsClientInfo>((resolve, reject) => {
      const { host, port, connectTimeoutMs, verify, ca, alpn, minVersion } = this.options;
      // RFC 6066: SNI carries host names only; an IP literal sends none unless the user names one.
      const servername = this.options.servername ?? (isIP(host) ? undefined : host);
      const t0 = performance.now();
      const socket = connect({
        host,
        port,
        rejectUnauthorized: verify,
        minVersion,
        ...(servername ? { servername } : {}),
        ...(ca ? { ca } : {}),
        ...(alpn?.length ? { ALPNProtocols: alpn } : {}),
      });
      socket.setNoDelay(true);
      this.socket = socket;
      let settled = false;
      const timer = setTimeout(() => {
        fail(new EngineError('TIMEOUT', `no TLS session with ${host}:${port} within ${connectTimeoutMs} ms`));
        socket.destroy();
      }, connectTimeoutMs);
      const fail = (err: EngineError) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        socket.destroy();
        this.setState('closed', err);
        reject(err);
      };
      socket.once('secureConnect', () => {
        settled = true;
        clearTimeout(timer);
        const peer = socket.getPeerX509Certificate();
        const authErr = socket.authorizationError;
        this.handshake = {
          handshakeMs: Math.round((performance.now() - t0) * 100) / 100,
          tls: sessionInfo(socket),
          authorized: socket.authorized,
          ...(authErr ? { authorizationError: String(authErr) } : {}),
          ...(peer ? { peerCertificate: summarize(peer) } : {}),
        };
        if (this.handshake.tls && servername) this.handshake.tls.servername = servername;
        this.setState('open');
        resolve(this.info());
      });
      socket.on('data', (chunk: Buffer) => {
        this.bytesIn += chunk.length;
        this.emit({
          engine: 'tlssock',
          type: 'client.data',
          session: this.session,
          at: Date.now(),
          ...wireBytes(chunk, this.options.maxEventDataBytes),
        });
      });
      let lastError: EngineError | undefined;
      socket.on('error', (err) => {
        lastError = tlsEngineError(err, `${host}:${port}`);
        if (!settled) fail(lastError);
      });
      socket.on('close', () => {
        if (!settled)
          fail(
            lastError ??
              new EngineError(
                'CONNECTION_RESET',
                `${host}:${port} closed the connection during the TLS handshake`,
              ),
          );
        else if (this.state !== 'closed') this.setState('closed', lastError);
      });
    });
    return this.connectPromise;
  }

  send(bytes: Uint8Array): { bytes: number } {
    const s = this.socket;
    if (!s || this.state !== 'open' || !s.writable)
      throw new EngineError('NOT_CONNECTED', `client ${this.session} is ${this.state}`);
    s.write(bytes);
    this.bytesOut += bytes.length;
    this.emit({
      engine: 'tlssock',
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
      // end() sends close_notify and FIN so the peer sees an orderly close; destroy if it lingers.
      s.end();
      setTimeout(() => s.destroy(), 1000).unref();
    });
    return this.closePromise;
  }

  private setState(state: TlsClientState, err?: EngineError): void {
    this.state = state;
    this.emit({
      engine: 'tlssock',
      type: 'client.state',
      session: this.session,
      at: Date.now(),
      state,
      ...(err ? { code: err.code, message: err.message } : {}),
      info: this.info(),
    });
  }
}
