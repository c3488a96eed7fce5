// One TLS connection between two instances, either direction: newline framing with the frame limit
// checked while scanning (engines/common/framing), frames parsed against the protocol, a queued-bytes
// limit (a peer that stops reading is dropped, not buffered for), a hello deadline and a keepalive.
// Who the peer is, pinning and what frames mean are the service's business.
import { connect as tlsConnect, type TLSSocket } from 'node:tls';
import type { X509Certificate } from 'node:crypto';
import { isIP } from 'node:net';
import { EngineError, toEngineError } from '../common/errors';
import { LineFramer } from '../common/framing';
import { connectLookup } from '../common/resolve';
import { encodeFrame, parseFrame, type PeerFrame } from './protocol';

export interface LinkOptions {
  maxFrameBytes: number;
  maxQueuedBytes: number;
  helloTimeoutMs: number;
  pingIntervalMs: number;
}

export interface LinkHooks {
  frame(link: PeerLink, frame: PeerFrame): void;
  /** The socket can take more (after a write returned false). */
  drain(link: PeerLink): void;
  closed(link: PeerLink, failure: EngineError | undefined): void;
}

export type LinkState = 'handshake' | 'open' | 'closed';

export class PeerLink {
  state: LinkState = 'handshake';
  /** Set once the hello/welcome exchange named the other instance. */
  peerId?: string;
  private failure?: EngineError;
  private lastHeard = Date.now();
  private readonly helloTimer: NodeJS.Timeout;
  private pingTimer?: NodeJS.Timeout;
  private x509?: X509Certificate | null;

  constructor(
    readonly socket: TLSSocket,
    /** 'out': we connected; 'in': they did. */
    readonly direction: 'in' | 'out',
    private readonly options: LinkOptions,
    private readonly hooks: LinkHooks,
  ) {
    const framer = new LineFramer(options.maxFrameBytes);
    this.helloTimer = setTimeout(
      () => this.fail(new EngineError('TIMEOUT', `no hello within ${options.helloTimeoutMs} ms`)),
      options.helloTimeoutMs,
    );
    socket.on('data', (chunk: Buffer) => {
      this.lastHeard = Date.now();
      const ok = framer.push(chunk, (line) => this.onLine(line));
      if (!ok)
        this.fail(
          new EngineError('MESSENGER_FRAME_TOO_LARGE', `peer frame over ${options.maxFrameBytes} bytes`),
        );
    });
    socket.on('drain', () => this.hooks.drain(this));
    socket.on('error', (err) => {
      this.failure ??= toEngineError(err, this.remote);
    });
    socket.on('close', () => {
      clearTimeout(this.helloTimer);
      clearInterval(this.pingTimer);
      const was = this.state;
      this.state = 'closed';
      if (was !== 'closed') this.hooks.closed(this, this.failure);
    });
  }

  /** Milliseconds since anything was heard on this connection. */
  get quietMs(): number {
    return Date.now() - this.lastHeard;
  }

  get remote(): string {
    return `${this.socket.remoteAddress ?? '?'}:${this.socket.remotePort ?? '?'}`;
  }

  /** The certificate the other side presented, read once: on a client socket Node gives it only once. */
  private get peerX509(): X509Certificate | undefined {
    if (this.x509 === undefined) this.x509 = this.socket.getPeerX509Certificate() ?? null;
    return this.x509 ?? undefined;
  }

  /** SHA-256 fingerprint of the certificate the other side presented. */
  get peerFingerprint(): string | undefined {
    return this.peerX509?.fingerprint256;
  }

  /** The certificate the other side presented, base64 DER (kept to check its signed messages later). */
  get peerCertificate(): string | undefined {
    return this.peerX509?.raw.toString('base64');
  }

  /** The handshake is done: stop the hello deadline, start the keepalive. */
  opened(peerId: string): void {
    this.peerId = peerId;
    this.state = 'open';
    clearTimeout(this.helloTimer);
    const every = this.options.pingIntervalMs;
    this.pingTimer = setInterval(() => {
      const quiet = Date.now() - this.lastHeard;
      if (quiet > every * 2) this.fail(new EngineError('TIMEOUT', `${this.remote} silent for ${quiet} ms`));
      else if (quiet >= every) this.send({ t: 'ping' });
    }, every);
    this.pingTimer.unref();
  }

  private onLine(line: string): void {
    if (this.state === 'closed') return;
    const parsed = parseFrame(line);
    if (!parsed.ok) {
      this.fail(new EngineError(parsed.code, parsed.message), true);
      return;
    }
    this.hooks.frame(this, parsed.frame);
  }

  /** Writes a frame; false when the socket's buffer is full (wait for drain before pumping more). */
  send(frame: PeerFrame): boolean {
    // Ended by us (fail, end) or closed: a frame now would only raise "write after end".
    if (this.state === 'closed' || this.socket.destroyed || this.socket.writableEnded) return false;
    if (this.socket.writableLength > this.options.maxQueuedBytes) {
      this.fail(
        new EngineError(
          'LIMIT_EXCEEDED',
          `${this.remote} has over ${this.options.maxQueuedBytes} bytes unread`,
        ),
      );
      return false;
    }
    return this.socket.write(encodeFrame(frame));
  }

  /** Says why (an error frame) and closes. */
  fail(err: EngineError, tell = false): void {
    if (this.state === 'closed') return;
    this.failure ??= err;
    if (tell && !this.socket.destroyed && !this.socket.writableEnded)
      this.socket.write(encodeFrame({ t: 'error', code: err.code, message: err.message.slice(0, 1000) }));
    this.socket.end();
    // A peer that does not finish the close within a second is cut.
    setTimeout(() => this.socket.destroy(), 1000).unref();
  }

  /** Ends the link after a last frame (bye, dup). */
  end(last?: PeerFrame): void {
    if (this.state === 'closed') return;
    if (last && !this.socket.destroyed && !this.socket.writableEnded) this.socket.write(encodeFrame(last));
    this.socket.end();
    setTimeout(() => this.socket.destroy(), 1000).unref();
  }

  destroy(): void {
    this.socket.destroy();
  }
}

export interface DialOptions {
  host: string;
  port: number;
  certPem: string;
  keyPem: string;
  connectTimeoutMs: number;
}

/** Connects to a peer; resolves once TLS is up (the hello is the caller's). */
export function dial(o: DialOptions): Promise<TLSSocket> {
  return new Promise((resolve, reject) => {
    const socket = tlsConnect({
      host: o.host,
      port: o.port,
      lookup: connectLookup,
      cert: o.certPem,
      key: o.keyPem,
      // Peers use self-signed certificates; trust is the fingerprint pinned per instance id.
      rejectUnauthorized: false,
      servername: isIP(o.host) ? undefined : o.host,
      minVersion: 'TLSv1.2',
    });
    const timer = setTimeout(
      () =>
        socket.destroy(
          new EngineError('TIMEOUT', `no connection to ${o.host}:${o.port} within ${o.connectTimeoutMs} ms`),
        ),
      o.connectTimeoutMs,
    );
    socket.once('secureConnect', () => {
      clearTimeout(timer);
      socket.off('error', onError);
      // Until the PeerLink takes over (it records errors itself), an error must not go unhandled.
      socket.on('error', () => undefined);
      socket.setNoDelay(true);
      resolve(socket);
    });
    const onError = (err: Error) => {
      clearTimeout(timer);
      reject(toEngineError(err, `${o.host}:${o.port}`));
    };
    socket.once('error', onError);
  });
}
