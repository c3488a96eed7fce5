// One TLS client session: connect with a timeout, verify (or deliberately not), report what the
// handshake settled (version, cipher, ALPN, SNI, the peer certificate and whether it is trusted),
// then send and receive: the stream client the TCP workbench uses, over TLS.
import { connect, type TLSSocket } from 'node:tls';
import { isIP } from 'node:net';
import type { TlsClientInfo, TlsSockEvent } from '../../../shared/contract/tlssock';
import { TLSSOCK_DEFAULTS } from '../../../shared/contract/tlssock';
import { StreamClient } from '../common/stream-client';
import { connectLookup } from '../common/resolve';
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

type Handshake = Pick<
  TlsClientInfo,
  'handshakeMs' | 'tls' | 'authorized' | 'authorizationError' | 'peerCertificate'
>;

export class TlsClient extends StreamClient<'tlssock', TlsClientInfo, TlsSockEvent> {
  constructor(session: string, options: Partial<TlsClientOptions> & { host: string; port: number }) {
    const opts: TlsClientOptions = { ...TLS_CLIENT_DEFAULTS, ...options };
    if (opts.ca) checkCaPem(opts.ca);
    const { host, port, verify, ca, alpn, minVersion } = opts;
    // RFC 6066: SNI carries host names only; an IP literal sends none unless the user names one.
    const servername = opts.servername ?? (isIP(host) ? undefined : host);
    let t0 = 0;
    let handshake: Handshake = {};
    super(session, opts, {
      engine: 'tlssock',
      open: () => {
        t0 = performance.now();
        return connect({
          host,
          port,
          lookup: connectLookup,
          rejectUnauthorized: verify,
          minVersion,
          ...(servername ? { servername } : {}),
          ...(ca ? { ca } : {}),
          ...(alpn?.length ? { ALPNProtocols: alpn } : {}),
        });
      },
      readyEvent: 'secureConnect',
      onReady: (socket) => {
        const s = socket as TLSSocket;
        const peer = s.getPeerX509Certificate();
        const authErr = s.authorizationError;
        handshake = {
          handshakeMs: Math.round((performance.now() - t0) * 100) / 100,
          tls: { ...sessionInfo(s), ...(servername ? { servername } : {}) },
          authorized: s.authorized,
          ...(authErr ? { authorizationError: String(authErr) } : {}),
          ...(peer ? { peerCertificate: summarize(peer) } : {}),
        };
      },
      describe: (base) => ({ ...base, verify, ...handshake }),
      toError: tlsEngineError,
      what: 'no TLS session',
    });
  }
}
