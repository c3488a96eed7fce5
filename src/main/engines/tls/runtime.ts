// The runtime's own handshake as one inspection step: what a normal client of this TLS library
// negotiates (protocol, suite, key exchange, ALPN, stapled OCSP), its verdict on the chain in words, the
// HSTS probe and the session-resumption reconnect.
import type * as tls from 'node:tls';
import type { TLSSocket } from 'node:tls';
import type { TlsHandshake, TlsInspectOptions } from '../../../shared/contract/tls';
import { describeCertificate } from './certs';
import type { SuiteTable } from './cipher-suites';
import {
  connectTls,
  handshakeError,
  httpHead,
  parseHsts,
  waitForSession,
  type HandshakeTarget,
} from './handshake';
import { judgeSecurityHeaders } from './http-headers';
import { parseOcspResponse } from './ocsp';
import { suiteInfo } from './report-parts';

export interface RuntimeDeps {
  options: { httpTimeoutMs: number; maxHttpHeadBytes: number; ticketWaitMs: number };
  table: SuiteTable;
}

export interface RuntimeResult {
  handshake: TlsHandshake;
  runtimeChain: Uint8Array[];
  runtimeVerdict: string;
}

/**
 * Node names only the verify errors it knows and calls the rest "UNSPECIFIED" (a SHA-1-signed chain
 * under OpenSSL 3 is one: "CA signature digest algorithm too weak"). The library's own sentence is on
 * the native handle's verifyError(); where a runtime lacks it, the code is spelled out in words.
 */
export function runtimeVerifyVerdict(socket: TLSSocket): string {
  if (socket.authorized) return 'authorized';
  const code = String(socket.authorizationError ?? '');
  let words: string | undefined;
  try {
    const handle = (socket as unknown as { _handle?: { verifyError?: () => unknown } })._handle;
    const err = handle?.verifyError?.();
    if (err instanceof Error && err.message) words = err.message;
  } catch {
    // a handle without verifyError (another runtime): the code below is spelled out instead
  }
  const spelled = code && code !== 'UNSPECIFIED' ? code.toLowerCase().replace(/_/g, ' ') : undefined;
  words ??= spelled;
  if (!words) return 'not authorized (the runtime gave no reason)';
  return spelled && words !== spelled ? `not authorized: ${words} (${code})` : `not authorized: ${words}`;
}

function peerChainFromRuntime(socket: TLSSocket): Uint8Array[] {
  const out: Uint8Array[] = [];
  const seen = new Set<string>();
  let cur = socket.getPeerCertificate(true) as tls.DetailedPeerCertificate | undefined;
  while (cur && cur.raw && !seen.has(cur.fingerprint256)) {
    seen.add(cur.fingerprint256);
    out.push(new Uint8Array(cur.raw));
    cur = cur.issuerCertificate;
  }
  return out;
}

/**
 * The runtime's own handshake (and the resumption/HSTS connection). When the runtime's TLS library
 * refuses a server that only speaks legacy TLS and a scan was asked for, the inspection goes on with
 * the raw scan alone and says so in `runtimeError` instead of failing.
 */
export async function runtimeHandshake(
  deps: RuntimeDeps,
  input: TlsInspectOptions,
  target: HandshakeTarget,
  resolved: { address: string; ms?: number },
  sni: string | undefined,
  signal: AbortSignal,
  progress: (phase: 'http' | 'resumption', detail: string) => void,
): Promise<RuntimeResult> {
  const o = deps.options;
  const { host, port } = target;
  let first: Awaited<ReturnType<typeof connectTls>>;
  try {
    first = await connectTls(target, resolved.address, {}, signal);
  } catch (err) {
    const e = handshakeError(err, `TLS handshake with ${host}:${port}`);
    if (
      !(input.scan || input.clients) ||
      signal.aborted ||
      (e.code !== 'TLS_NO_COMMON_PROTOCOL' && e.code !== 'TLS_ERROR')
    )
      throw e;
    return {
      handshake: {
        protocol: 'none',
        cipherOpenssl: '',
        sni,
        resolvedAddress: resolved.address,
        ocsp: { present: false },
        runtimeError: `${e.code}: ${e.message}`,
      },
      runtimeChain: [],
      runtimeVerdict: `handshake refused by the runtime: ${e.message}`,
    };
  }
  const socket = first.socket;
  let handshake: TlsHandshake;
  let runtimeChain: Uint8Array[];
  let runtimeVerdict: string;
  let session1: Buffer | undefined;
  let ticketIssued = false;
  try {
    const cipher = socket.getCipher();
    const suite = deps.table.byName(cipher.standardName ?? cipher.name) ?? deps.table.byName(cipher.name);
    const ek = socket.getEphemeralKeyInfo();
    const alpn = socket.alpnProtocol || undefined;
    runtimeChain = peerChainFromRuntime(socket);
    runtimeVerdict = runtimeVerifyVerdict(socket);
    const leafSerial = runtimeChain[0] ? describeCertificate(runtimeChain[0]).info.serialNumber : undefined;
    // The issuer as the server sent it: a staple is judged only against what this handshake showed.
    const ocsp = first.ocsp
      ? parseOcspResponse(new Uint8Array(first.ocsp), leafSerial, runtimeChain[1])
      : { present: false };
    const wantHttp =
      !input.starttls &&
      (input.http === 'always' ||
        (input.http === 'auto' && (port === 443 || port === 8443 || alpn === 'h2' || alpn === 'http/1.1')));
    handshake = {
      protocol: socket.getProtocol() ?? 'unknown',
      cipher: suite ? suiteInfo(suite) : undefined,
      cipherOpenssl: cipher.name,
      keyExchange:
        ek && 'type' in ek && ek.type ? { type: ek.type, name: ek.name, bits: ek.size } : undefined,
      alpn,
      sni,
      resolvedAddress: resolved.address,
      timings: {
        dnsMs: resolved.ms,
        connectMs: first.connectMs,
        starttlsMs: first.starttlsMs,
        handshakeMs: first.handshakeMs,
        totalMs: 0,
      },
      ocsp,
      starttlsTranscript: first.transcript,
    };
    if (wantHttp && alpn !== 'h2') {
      progress('http', 'HEAD / for HSTS');
      const head = await httpHead(socket, host, o.httpTimeoutMs, o.maxHttpHeadBytes);
      handshake.hsts = {
        probed: true,
        status: head.status,
        header: head.header,
        contentEncoding: head.contentEncoding,
        ...(head.headers ? { securityHeaders: judgeSecurityHeaders(head.headers) } : {}),
        error: head.error,
        ...parseHsts(head.header),
      };
    } else if (!wantHttp) handshake.hsts = { probed: false };
    if (input.resumption) {
      session1 = await waitForSession(socket, o.ticketWaitMs);
      // TLS 1.3 resumes only from tickets; TLS 1.2 may use a ticket or a server-side session id.
      ticketIssued =
        socket.getProtocol() === 'TLSv1.3' ? session1 !== undefined : socket.getTLSTicket() !== undefined;
    }
  } finally {
    socket.destroy();
  }

  if (input.resumption || handshake.hsts === undefined) {
    progress('resumption', session1 ? 'reconnecting with the session' : 'reconnecting');
    try {
      const needHttp = handshake.hsts === undefined;
      const second = await connectTls(
        target,
        resolved.address,
        { session: session1, ...(needHttp ? { ALPNProtocols: ['http/1.1'] } : {}) },
        signal,
      );
      try {
        if (input.resumption)
          handshake.resumption = { tested: true, ticketIssued, reused: second.socket.isSessionReused() };
        if (needHttp) {
          const head = await httpHead(second.socket, host, o.httpTimeoutMs, o.maxHttpHeadBytes);
          handshake.hsts = {
            probed: true,
            status: head.status,
            header: head.header,
            ...(head.headers ? { securityHeaders: judgeSecurityHeaders(head.headers) } : {}),
            error: head.error,
            ...parseHsts(head.header),
          };
        }
      } finally {
        second.socket.destroy();
      }
    } catch (err) {
      if (signal.aborted) throw err;
      const e = handshakeError(err, 'second connection');
      if (input.resumption)
        handshake.resumption = {
          tested: true,
          ticketIssued,
          reused: false,
          error: `${e.code}: ${e.message}`,
        };
      if (handshake.hsts === undefined) handshake.hsts = { probed: true, error: `${e.code}: ${e.message}` };
    }
  }
  return { handshake, runtimeChain, runtimeVerdict };
}
