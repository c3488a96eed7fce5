// Opening a connection for the composer, timed at the socket: DNS lookup, TCP connect, an HTTP proxy's
// CONNECT tunnel, TLS handshake (with ALPN deciding HTTP/2 or HTTP/1.1). Errors are mapped to coded
// EngineErrors by the phase they happened in. Whether the connection is then kept is transport.ts's and
// the pool's business.
import { lookup } from '../common/resolve';
import { connect as netConnect, isIP, type Socket } from 'node:net';
import { connect as tlsConnect, rootCertificates, type TLSSocket } from 'node:tls';
import type { HttpRequestOptions } from '../../../shared/contract/http-client';
import { EngineError, toEngineError } from '../common/errors';
import { proxyAuthorization, proxyFor } from './proxy';

const TLS_ERROR_CODES =
  /^(ERR_SSL|ERR_TLS|CERT_|UNABLE_TO|DEPTH_ZERO|SELF_SIGNED|HOSTNAME_MISMATCH|ERR_OSSL)/;

export function mapError(
  err: unknown,
  phase: 'dns' | 'connect' | 'tls' | 'proxy' | 'request' | 'response',
): EngineError {
  if (err instanceof EngineError) return err;
  const code = (err as NodeJS.ErrnoException)?.code ?? '';
  const message = (err as Error)?.message ?? String(err);
  if (phase === 'tls' && (TLS_ERROR_CODES.test(code) || code === '' || code === 'ECONNRESET')) {
    return new EngineError('TLS_ERROR', `${code ? `${code}: ` : ''}${message}`, { cause: err });
  }
  if (TLS_ERROR_CODES.test(code)) return new EngineError('TLS_ERROR', `${code}: ${message}`, { cause: err });
  if (code.startsWith('HPE_') || code === 'ERR_HTTP2_PROTOCOL_ERROR' || code === 'ERR_HTTP2_ERROR') {
    return new EngineError('HTTP_PROTOCOL_ERROR', `${code}: ${message}`, { cause: err });
  }
  if (
    phase === 'response' &&
    (code === 'ECONNRESET' || code === 'ERR_STREAM_PREMATURE_CLOSE' || message === 'aborted')
  ) {
    return new EngineError('RESPONSE_INCOMPLETE', message, { cause: err });
  }
  if (
    code === 'ERR_HTTP2_STREAM_ERROR' ||
    code === 'ERR_HTTP2_SESSION_ERROR' ||
    code === 'ERR_HTTP2_GOAWAY_SESSION'
  ) {
    return new EngineError(
      phase === 'response' ? 'RESPONSE_INCOMPLETE' : 'CONNECTION_RESET',
      `${code}: ${message}`,
      { cause: err },
    );
  }
  return toEngineError(err, phase);
}

export function now(): number {
  return performance.now();
}

/** Rejects with the signal's reason (a coded EngineError) as soon as it aborts. */
export function race<T>(p: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason as Error);
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason as Error);
    signal.addEventListener('abort', onAbort, { once: true });
    p.then(
      (v) => {
        signal.removeEventListener('abort', onAbort);
        resolve(v);
      },
      (e: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(e as Error);
      },
    );
  });
}

function waitConnect(socket: Socket, event: 'connect' | 'secureConnect'): Promise<void> {
  return new Promise((resolve, reject) => {
    const ok = () => {
      socket.off('error', bad);
      resolve();
    };
    const bad = (err: Error) => {
      socket.off(event, ok);
      reject(err);
    };
    socket.once(event, ok);
    socket.once('error', bad);
  });
}

/** Sends CONNECT host:port through an HTTP proxy and waits for its 2xx. */
async function tunnel(socket: Socket, target: string, auth: string | undefined): Promise<void> {
  socket.write(
    `CONNECT ${target} HTTP/1.1\r\nHost: ${target}\r\n${auth ? `Proxy-Authorization: ${auth}\r\n` : ''}\r\n`,
  );
  const head = await new Promise<Buffer>((resolve, reject) => {
    let buf = Buffer.alloc(0);
    const onData = (d: Buffer) => {
      buf = Buffer.concat([buf, d]);
      const end = buf.indexOf('\r\n\r\n');
      if (end >= 0) {
        cleanup();
        if (end + 4 < buf.length) socket.unshift(buf.subarray(end + 4));
        resolve(buf.subarray(0, end));
      } else if (buf.length > 16 * 1024) {
        cleanup();
        reject(new EngineError('PROXY_FAILED', 'proxy answered CONNECT with an oversized header'));
      }
    };
    const onEnd = () => {
      cleanup();
      reject(new EngineError('PROXY_FAILED', 'proxy closed the connection during CONNECT'));
    };
    const onError = (err: Error) => {
      cleanup();
      reject(new EngineError('PROXY_FAILED', err.message, { cause: err }));
    };
    const cleanup = () => {
      socket.off('data', onData);
      socket.off('end', onEnd);
      socket.off('error', onError);
    };
    socket.on('data', onData);
    socket.once('end', onEnd);
    socket.once('error', onError);
  });
  const status = /^HTTP\/1\.[01] (\d{3})/.exec(head.toString('latin1'));
  if (!status || !(status[1] ?? '').startsWith('2')) {
    throw new EngineError(
      'PROXY_FAILED',
      `proxy answered CONNECT ${target} with "${head.toString('latin1').split('\r\n')[0]}"`,
    );
  }
}

export interface Connection {
  socket: Socket;
  alpn?: string;
  tlsProtocol?: string;
  remoteAddress?: string;
  viaProxy: boolean;
  dns: number;
  connect: number;
  tls: number;
  t0: number;
}

export async function openConnection(
  url: URL,
  o: HttpRequestOptions,
  signal: AbortSignal,
  track: (s: Socket) => void,
): Promise<Connection> {
  const t0 = now();
  const hostname = url.hostname.replace(/^\[|\]$/g, '');
  const https = url.protocol === 'https:';
  const port = Number(url.port || (https ? 443 : 80));
  const proxy = proxyFor(url, o.proxy);
  const connectHost = proxy ? proxy.hostname.replace(/^\[|\]$/g, '') : hostname;
  const connectPort = proxy ? Number(proxy.port || 80) : port;

  let address = connectHost;
  let tDns = t0;
  if (!isIP(connectHost)) {
    try {
      address = (await race(lookup(connectHost), signal)).address;
    } catch (err) {
      throw mapError(err, 'dns');
    }
    tDns = now();
  }
  const socket = netConnect({ host: address, port: connectPort, noDelay: true });
  track(socket);
  try {
    await race(waitConnect(socket, 'connect'), signal);
  } catch (err) {
    throw proxy && !(err instanceof EngineError && (err.code === 'TIMEOUT' || err.code === 'CANCELLED'))
      ? new EngineError('PROXY_FAILED', `proxy ${proxy.host}: ${(err as Error).message}`, { cause: err })
      : mapError(err, 'connect');
  }
  const tConnect = now();
  if (proxy && https)
    await race(
      tunnel(
        socket,
        `${hostname.includes(':') ? `[${hostname}]` : hostname}:${port}`,
        proxyAuthorization(proxy),
      ),
      signal,
    );
  if (!https)
    return {
      socket,
      remoteAddress: socket.remoteAddress,
      viaProxy: Boolean(proxy),
      dns: tDns - t0,
      connect: tConnect - tDns,
      tls: 0,
      t0,
    };

  const alpn = o.httpVersion === '1.1' ? ['http/1.1'] : ['h2', 'http/1.1'];
  const ca = o.caPem ? [...rootCertificates, o.caPem] : undefined;
  let tlsSocket: TLSSocket;
  try {
    tlsSocket = tlsConnect({
      socket,
      host: hostname,
      servername: isIP(hostname) ? undefined : hostname,
      ALPNProtocols: alpn,
      rejectUnauthorized: o.verifyTls,
      ca,
      cert: o.clientCertPem,
      key: o.clientKeyPem,
    });
  } catch (err) {
    throw mapError(err, 'tls');
  }
  track(tlsSocket);
  try {
    await race(waitConnect(tlsSocket, 'secureConnect'), signal);
  } catch (err) {
    throw mapError(err, 'tls');
  }
  const tTls = now();
  const negotiated = tlsSocket.alpnProtocol || undefined;
  if (o.httpVersion === '2' && negotiated !== 'h2')
    throw new EngineError(
      'NOT_SUPPORTED',
      `the server did not offer HTTP/2 in ALPN (got ${negotiated || 'none'})`,
    );
  return {
    socket: tlsSocket,
    alpn: negotiated,
    tlsProtocol: tlsSocket.getProtocol() ?? undefined,
    remoteAddress: socket.remoteAddress,
    viaProxy: Boolean(proxy),
    dns: tDns - t0,
    connect: tConnect - tDns,
    tls: tTls - tConnect,
    t0,
  };
}
