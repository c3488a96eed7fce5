// The real handshake, made by the runtime's TLS library (OpenSSL in Node, BoringSSL in Electron): what
// a normal client negotiates, with timings, ALPN, stapled OCSP, session resumption and HSTS. It does
// not judge certificates (validate.ts) and never sends data the user did not ask for, except one HEAD
// request when the HTTP probe is on.
import { lookup } from '../common/resolve';
import { isIP, type Socket } from 'node:net';
import {
  connect as tlsConnect,
  createSecureContext,
  type ConnectionOptions,
  type SecureContext,
  type TLSSocket,
} from 'node:tls';
import { EngineError, toEngineError } from '../common/errors';
import { connectSocket } from './raw-connection';
import { startTls, type StartTlsProtocol } from './starttls';

export interface HandshakeTarget {
  host: string;
  port: number;
  /** undefined = no SNI */
  servername?: string;
  alpn: string[];
  starttls?: StartTlsProtocol;
  /** Trust anchors and client certificate, built once per inspection (see secureContextFor). */
  secureContext?: SecureContext;
  connectTimeoutMs: number;
  timeoutMs: number;
  starttlsMaxReplyBytes: number;
}

export interface Connected {
  socket: TLSSocket;
  address: string;
  dnsMs?: number;
  connectMs: number;
  starttlsMs?: number;
  handshakeMs: number;
  ocsp?: Buffer;
  transcript?: string[];
}

const NOT_TLS_CODES =
  /WRONG_VERSION_NUMBER|PACKET_LENGTH_TOO_LONG|UNKNOWN_PROTOCOL|HTTP_REQUEST|RECORD_LENGTH_MISMATCH|BAD_RECORD_TYPE|RECORD_LAYER_FAILURE|UNEXPECTED_RECORD|BAD_PACKET_LENGTH|ENCRYPTED_LENGTH_TOO_LONG/;

/** Maps an error seen during a TLS handshake to a stable code. */
/**
 * OpenSSL's error line ("80BC…:error:0A000410:SSL routines:ssl3_read_bytes:sslv3 alert handshake
 * failure:../ssl/record/rec_layer_s3.c:1601:SSL alert number 40") in words: the reason and its data,
 * without the thread id, packed code, function and source file. Other text is returned as it is.
 */
export function opensslWords(message: string): string {
  const m = /^[0-9A-F]+:error:[0-9A-F]+:[^:]*:[^:]*:([^:]+):[^:]*:\d+:?(.*)$/.exec(message.trim());
  if (!m?.[1]) return message;
  const data = m[2]?.trim();
  return data ? `${m[1]} (${data})` : m[1];
}

export function handshakeError(err: unknown, where: string): EngineError {
  if (err instanceof EngineError) return err;
  const e = err as NodeJS.ErrnoException;
  const code = e?.code ?? '';
  const message = `${where}: ${opensslWords(e?.message ?? String(err))}`;
  if (NOT_TLS_CODES.test(code) || NOT_TLS_CODES.test(e?.message?.toUpperCase().replace(/ /g, '_') ?? ''))
    return new EngineError('NOT_TLS', message, { cause: err });
  if (
    code === 'ECONNRESET' ||
    code === 'EPIPE' ||
    /disconnected before secure TLS connection/.test(e?.message ?? '')
  )
    return new EngineError('TLS_HANDSHAKE_INCOMPLETE', message, { cause: err });
  if (
    /PROTOCOL_VERSION|UNSUPPORTED_PROTOCOL|NO_PROTOCOLS_AVAILABLE|NO_SHARED_CIPHER|NO_CIPHERS_AVAILABLE/.test(
      code,
    )
  )
    return new EngineError('TLS_NO_COMMON_PROTOCOL', message, { cause: err });
  if (
    /^ERR_OSSL_|^ERR_SSL_/.test(code) &&
    /PEM|KEY_VALUES_MISMATCH|NO_START_LINE|BAD_BASE64|DECODER/.test(code)
  )
    return new EngineError('INVALID_CERTIFICATE', message, { cause: err });
  const mapped = toEngineError(err, where);
  return new EngineError(
    mapped.code === 'INTERNAL' && code.startsWith('ERR_') ? 'TLS_ERROR' : mapped.code,
    message,
    {
      cause: err,
    },
  );
}

/** One context for all connections of an inspection: parsing ~150 roots per connection would dominate. */
export function secureContextFor(ca: string[], certPem?: string, keyPem?: string): SecureContext {
  if ((certPem === undefined) !== (keyPem === undefined))
    throw new EngineError(
      'INVALID_CERTIFICATE',
      'a client certificate needs both the certificate and its private key',
    );
  try {
    return createSecureContext({ ca, cert: certPem, key: keyPem, minVersion: 'TLSv1' });
  } catch (err) {
    throw new EngineError('INVALID_CERTIFICATE', `client certificate: ${(err as Error).message}`, {
      cause: err,
    });
  }
}

export async function resolveHost(
  host: string,
  timeoutMs: number,
): Promise<{ address: string; ms?: number }> {
  if (isIP(host)) return { address: host };
  const t0 = performance.now();
  let timer: NodeJS.Timeout | undefined;
  try {
    const r = await Promise.race([
      lookup(host),
      new Promise<never>((_, reject) => {
        timer = setTimeout(
          () => reject(new EngineError('TIMEOUT', `resolving ${host}: no answer within ${timeoutMs} ms`)),
          timeoutMs,
        );
      }),
    ]);
    return { address: r.address, ms: performance.now() - t0 };
  } catch (err) {
    throw toEngineError(err, `resolve ${host}`);
  } finally {
    clearTimeout(timer);
  }
}

export async function connectTls(
  t: HandshakeTarget,
  address: string,
  extra: Partial<ConnectionOptions> = {},
  signal?: AbortSignal,
): Promise<Connected> {
  const t0 = performance.now();
  const raw: Socket = await connectSocket(address, t.port, t.connectTimeoutMs, signal);
  const connectMs = performance.now() - t0;
  let starttlsMs: number | undefined;
  let transcript: string[] | undefined;
  if (t.starttls) {
    const s0 = performance.now();
    try {
      transcript = (
        await startTls(raw, t.starttls, {
          timeoutMs: t.timeoutMs,
          maxReplyBytes: t.starttlsMaxReplyBytes,
          clientName: 'wirelab.invalid',
        })
      ).transcript;
    } catch (err) {
      raw.destroy();
      throw err;
    }
    starttlsMs = performance.now() - s0;
  }
  const h0 = performance.now();
  return new Promise<Connected>((resolve, reject) => {
    let ocsp: Buffer | undefined;
    let socket: TLSSocket;
    try {
      // requestOCSP is forwarded by tls.connect to the TLSSocket it creates; @types/node lists it only there.
      const options: ConnectionOptions & { requestOCSP: boolean } = {
        socket: raw,
        servername: t.servername,
        ALPNProtocols: t.alpn.length > 0 ? t.alpn : undefined,
        rejectUnauthorized: false,
        requestOCSP: true,
        minVersion: 'TLSv1',
        secureContext: t.secureContext,
        ...extra,
      };
      socket = tlsConnect(options);
    } catch (err) {
      raw.destroy();
      reject(handshakeError(err, 'TLS options'));
      return;
    }
    const timer = setTimeout(() => {
      cleanup();
      socket.destroy();
      reject(
        new EngineError(
          'TIMEOUT',
          `TLS handshake with ${t.host}:${t.port}: not finished within ${t.timeoutMs} ms`,
        ),
      );
    }, t.timeoutMs);
    const onAbort = () => {
      cleanup();
      socket.destroy();
      reject(new EngineError('CANCELLED', 'cancelled'));
    };
    const cleanup = () => {
      clearTimeout(timer);
      socket.off('error', onError);
      signal?.removeEventListener('abort', onAbort);
    };
    const onError = (err: Error) => {
      cleanup();
      socket.destroy();
      reject(handshakeError(err, `TLS handshake with ${t.host}:${t.port}`));
    };
    socket.on('OCSPResponse', (buf: Buffer) => {
      ocsp = buf;
    });
    socket.once('secureConnect', () => {
      cleanup();
      socket.on('error', () => {
        // after the handshake, errors surface through the reads that wait for them
      });
      resolve({
        socket,
        address,
        connectMs,
        starttlsMs,
        handshakeMs: performance.now() - h0,
        ocsp,
        transcript,
      });
    });
    socket.once('error', onError);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

export interface HttpHead {
  status?: number;
  header?: string;
  /** Content-Encoding of the answer to a request that accepts gzip, deflate and br (BREACH). */
  contentEncoding?: string;
  /** Every header line of the (bounded) head, in order. */
  headers?: Array<[string, string]>;
  error?: string;
}

/** Sends HEAD / and reads the response head (bounded): Strict-Transport-Security, and whether it is compressed. */
export function httpHead(
  socket: TLSSocket,
  host: string,
  timeoutMs: number,
  maxBytes: number,
): Promise<HttpHead> {
  return new Promise((resolve) => {
    let buf = Buffer.alloc(0);
    const finish = (r: HttpHead) => {
      clearTimeout(timer);
      socket.off('data', onData);
      socket.off('close', onClose);
      resolve(r);
    };
    const parse = (): HttpHead => {
      const text = buf.toString('latin1');
      const end = text.indexOf('\r\n\r\n');
      const head = end >= 0 ? text.slice(0, end) : text;
      const m = /^HTTP\/\d(?:\.\d)? (\d{3})/.exec(head);
      if (!m) return { error: `not an HTTP response: ${JSON.stringify(head.slice(0, 60))}` };
      const hsts = /(?:^|\r\n)strict-transport-security:[ \t]*([^\r\n]*)/i.exec(head);
      const enc = /(?:^|\r\n)content-encoding:[ \t]*([^\r\n]*)/i.exec(head)?.[1]?.trim();
      const headers = head
        .split('\r\n')
        .slice(1)
        .map((l): [string, string] => {
          const colon = l.indexOf(':');
          return colon > 0 ? [l.slice(0, colon).trim(), l.slice(colon + 1).trim()] : ['', ''];
        })
        .filter(([n]) => n !== '');
      return {
        status: Number(m[1]),
        header: hsts?.[1]?.trim(),
        headers,
        ...(enc && enc.toLowerCase() !== 'identity' ? { contentEncoding: enc } : {}),
      };
    };
    const onData = (chunk: Buffer) => {
      buf = Buffer.concat([buf, chunk]);
      if (buf.includes('\r\n\r\n')) finish(parse());
      else if (buf.length > maxBytes)
        finish({ ...parse(), error: `response head longer than ${maxBytes} bytes` });
    };
    const onClose = () =>
      finish(buf.length > 0 ? parse() : { error: 'the server closed the connection without an HTTP answer' });
    const timer = setTimeout(
      () => finish(buf.length > 0 ? parse() : { error: `no HTTP answer within ${timeoutMs} ms` }),
      timeoutMs,
    );
    socket.on('data', onData);
    socket.once('close', onClose);
    const hostHeader = isIP(host) === 6 ? `[${host}]` : host;
    socket.write(
      `HEAD / HTTP/1.1\r\nHost: ${hostHeader}\r\nUser-Agent: Wirelab-TLS-Inspector\r\nAccept: */*\r\nAccept-Encoding: gzip, deflate, br\r\nConnection: close\r\n\r\n`,
    );
  });
}

export function parseHsts(header: string | undefined): {
  maxAgeSeconds?: number;
  includeSubDomains?: boolean;
  preload?: boolean;
} {
  if (!header) return {};
  const maxAge = /max-age\s*=\s*"?(\d+)"?/i.exec(header);
  return {
    maxAgeSeconds: maxAge ? Number(maxAge[1]) : undefined,
    includeSubDomains: /(^|;)\s*includeSubDomains\s*(;|$)/i.test(header),
    preload: /(^|;)\s*preload\s*(;|$)/i.test(header),
  };
}

/** Waits (bounded) for a session to become available — TLS 1.3 tickets arrive after the handshake. */
export function waitForSession(socket: TLSSocket, timeoutMs: number): Promise<Buffer | undefined> {
  const existing = socket.getProtocol() === 'TLSv1.3' ? undefined : socket.getSession();
  if (existing) return Promise.resolve(existing);
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      socket.off('session', onSession);
      resolve(undefined);
    }, timeoutMs);
    const onSession = (s: Buffer) => {
      clearTimeout(timer);
      resolve(s);
    };
    socket.once('session', onSession);
  });
}
