// Opening one connection of a chat client: TCP or TLS, a connect timeout, newline framing with the frame
// size limit enforced while scanning, and one `closed(failure)` at the end with the first error seen.
// The client decides what to do with lines and with a lost connection.
import { connect as netConnect, isIP, type Socket } from 'node:net';
import { connect as tlsConnect, type TLSSocket } from 'node:tls';
import { EngineError, toEngineError } from '../common/errors';
import { connectLookup } from '../common/resolve';
import { LineFramer } from '../common/framing';

export interface ChatSocketOptions {
  host: string;
  port: number;
  tls: boolean;
  connectTimeoutMs: number;
  maxFrameBytes: number;
}

export interface ChatSocketHooks {
  /** Connected (TLS: handshake done; `tls` is the socket to check the certificate on). */
  ready(tls?: TLSSocket): void;
  /** Bytes arrived (keepalive bookkeeping). */
  heard(): void;
  line(line: string): void;
  closed(failure: EngineError | undefined): void;
}

export function openChatSocket(o: ChatSocketOptions, hooks: ChatSocketHooks): Socket {
  const { host, port, tls, connectTimeoutMs } = o;
  const socket: Socket = tls
    ? tlsConnect({
        host,
        port,
        lookup: connectLookup,
        // Chat servers use self-signed certificates; trust is the pinned fingerprint (checked in ready).
        rejectUnauthorized: false,
        servername: isIP(host) ? undefined : host,
        minVersion: 'TLSv1.2',
      })
    : netConnect({ host, port, noDelay: true, lookup: connectLookup });
  const framer = new LineFramer(o.maxFrameBytes);
  const timer = setTimeout(
    () =>
      socket.destroy(
        new EngineError('TIMEOUT', `no connection to ${host}:${port} within ${connectTimeoutMs} ms`),
      ),
    connectTimeoutMs,
  );
  let failure: EngineError | undefined;
  socket.once(tls ? 'secureConnect' : 'connect', () => {
    clearTimeout(timer);
    hooks.ready(tls ? (socket as TLSSocket) : undefined);
  });
  socket.on('data', (chunk: Buffer) => {
    hooks.heard();
    if (!framer.push(chunk, (line) => hooks.line(line))) {
      failure = new EngineError('CHAT_FRAME_TOO_LARGE', `server frame over ${o.maxFrameBytes} bytes`);
      socket.destroy();
    }
  });
  socket.on('error', (err) => {
    failure ??= toEngineError(err, `${host}:${port}`);
  });
  socket.on('close', () => {
    clearTimeout(timer);
    hooks.closed(failure);
  });
  return socket;
}

/** Trust on first use: the fingerprint expected (given or pinned) must match; none yet → pin this one. */
export function pinVerdict(fingerprint: string, expected: string | undefined): 'match' | 'changed' | 'new' {
  if (expected === undefined) return 'new';
  return expected.toUpperCase() === fingerprint.toUpperCase() ? 'match' : 'changed';
}

export interface CertificateCheck {
  fingerprint?: string;
  expected?: string;
  verdict?: 'match' | 'changed' | 'new';
  /** Set when the connection must not go on (a fatal code for the client). */
  failure?: { code: 'TLS_ERROR' | 'CHAT_CERT_CHANGED'; message: string };
}

export function checkServerCertificate(
  socket: TLSSocket,
  key: string,
  expected: string | undefined,
): CertificateCheck {
  const fingerprint = socket.getPeerX509Certificate()?.fingerprint256;
  if (!fingerprint) return { failure: { code: 'TLS_ERROR', message: 'the server presented no certificate' } };
  const verdict = pinVerdict(fingerprint, expected);
  if (verdict !== 'changed') return { fingerprint, expected, verdict };
  return {
    fingerprint,
    expected,
    verdict,
    failure: { code: 'CHAT_CERT_CHANGED', message: `${key} presented ${fingerprint}; expected ${expected}` },
  };
}

/**
 * Keepalive: a ping after `every` ms of silence; nothing heard for two intervals → `silent` (the caller
 * drops the connection and reconnects). The timer does not keep the process alive.
 */
export function keepalive(
  every: number,
  lastHeard: () => number,
  hooks: { ping(): void; silent(quietMs: number): void },
): NodeJS.Timeout {
  const timer = setInterval(() => {
    const quiet = Date.now() - lastHeard();
    if (quiet > every * 2) hooks.silent(quiet);
    else if (quiet >= every) hooks.ping();
  }, every);
  timer.unref();
  return timer;
}
