// One TLS server session: the stream server the TCP workbench uses (many clients, welcome, echo, send
// to one or all, kick) over TLS, plus auto-reply rules, the negotiated version/cipher/SNI/ALPN per
// client and failed handshakes as events.
import { createServer, type Server as TlsNodeServer, type TLSSocket } from 'node:tls';
import type {
  TlsServerClient,
  TlsServerInfo,
  TlsSessionInfo,
  TlsSockEvent,
} from '../../../shared/contract/tlssock';
import { TLSSOCK_DEFAULTS } from '../../../shared/contract/tlssock';
import {
  compileAutoReplies,
  findAutoReply,
  type AutoReplyRule,
  type CompiledRule,
} from '../../../shared/autoreply';
import { EngineError } from '../common/errors';
import { StreamServer } from '../common/stream-server';
import { tlsEngineError, type ServerIdentity } from './certs';

export interface TlsServerOptions {
  host: string;
  port: number;
  identity: ServerIdentity;
  welcome?: Uint8Array;
  echo: boolean;
  autoReplies: AutoReplyRule[];
  minVersion: 'TLSv1.2' | 'TLSv1.3';
  alpn?: string[];
  maxClients: number;
  handshakeTimeoutMs: number;
  maxEventDataBytes: number;
}

export const TLS_SERVER_DEFAULTS = {
  host: TLSSOCK_DEFAULTS.serverHost,
  echo: false,
  autoReplies: [] as AutoReplyRule[],
  minVersion: TLSSOCK_DEFAULTS.minVersion,
  maxClients: TLSSOCK_DEFAULTS.maxClients,
  handshakeTimeoutMs: TLSSOCK_DEFAULTS.handshakeTimeoutMs,
  maxEventDataBytes: TLSSOCK_DEFAULTS.maxEventDataBytes,
};

export function sessionInfo(s: TLSSocket): TlsSessionInfo {
  const c = s.getCipher() as { name: string; standardName?: string; version: string } | undefined;
  const alpn = s.alpnProtocol;
  const sni = (s as TLSSocket & { servername?: string | false }).servername;
  return {
    protocol: s.getProtocol() ?? null,
    cipher: c
      ? { name: c.name, ...(c.standardName ? { standardName: c.standardName } : {}), version: c.version }
      : null,
    alpn: typeof alpn === 'string' ? alpn : null,
    servername: typeof sni === 'string' ? sni : null,
  };
}

export class TlsServer extends StreamServer<'tlssock', TlsServerClient, TlsSockEvent> {
  private readonly rules: CompiledRule[];
  private readonly identity: ServerIdentity;
  private readonly minVersion: TlsServerOptions['minVersion'];

  constructor(
    session: string,
    options: Partial<TlsServerOptions> & { port: number; identity: ServerIdentity },
  ) {
    const opts = { ...TLS_SERVER_DEFAULTS, ...options };
    const compiled = compileAutoReplies(opts.autoReplies);
    if (!compiled.ok) throw new EngineError(compiled.error.code, compiled.error.message);
    super(session, opts, {
      engine: 'tlssock',
      createServer: (onClient) => {
        try {
          return createServer(
            {
              cert: opts.identity.certPem,
              key: opts.identity.keyPem,
              minVersion: opts.minVersion,
              handshakeTimeout: opts.handshakeTimeoutMs,
              ...(opts.alpn?.length ? { ALPNProtocols: opts.alpn } : {}),
            },
            onClient,
          );
        } catch (err) {
          throw tlsEngineError(err, 'TLS server');
        }
      },
      describe: (socket, base) => ({ ...base, tls: sessionInfo(socket as TLSSocket) }),
      // Rules see each received chunk: a small request usually arrives whole, a large one may not.
      answer: (chunk) => (compiled.rules.length ? findAutoReply(compiled.rules, chunk)?.reply : undefined),
      toError: tlsEngineError,
    });
    this.rules = compiled.rules;
    this.identity = opts.identity;
    this.minVersion = opts.minVersion;
    (this.server as TlsNodeServer).on('tlsClientError', (err, socket) => {
      const e = tlsEngineError(err);
      this.emit({
        engine: 'tlssock',
        type: 'server.handshakeFailed',
        session: this.session,
        at: Date.now(),
        remote: `${socket.remoteAddress ?? '?'}:${socket.remotePort ?? 0}`,
        code: e.code,
        message: e.message,
      });
    });
  }

  async start(): Promise<TlsServerInfo> {
    await this.listen();
    return this.info();
  }

  info(): TlsServerInfo {
    return {
      ...this.baseInfo(),
      autoReplyRules: this.rules.length,
      certificate: { source: this.identity.source, ...this.identity.summary },
      minVersion: this.minVersion,
    };
  }
}
