// One TLS server session: the TCP workbench server's behaviour (many clients, welcome, echo, send to
// one or all, kick) over TLS, plus auto-reply rules, the negotiated version/cipher/SNI/ALPN per client
// and failed handshakes as events. Built from the same common pieces as the TCP server.
import { createServer, type Server, type TLSSocket } from 'node:tls';
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
import { wireBytes } from '../common/bytes';
import { TypedEmitter } from '../common/emitter';
import { EngineError } from '../common/errors';
import { IdSequence } from '../common/ids';
import { closeServer, listen } from '../common/net';
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

interface ClientEntry {
  socket: TLSSocket;
  info: TlsServerClient;
  closeReason?: 'kicked' | 'server-stopped' | 'error';
}

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

export class TlsServer extends TypedEmitter<TlsSockEvent> {
  readonly session: string;
  private readonly options: TlsServerOptions;
  private readonly server: Server;
  private readonly rules: CompiledRule[];
  private readonly clients = new Map<string, ClientEntry>();
  private readonly clientIds = new IdSequence('c');
  private state: 'new' | 'starting' | 'listening' | 'stopped' = 'new';
  private startPromise?: Promise<TlsServerInfo>;
  private closePromise?: Promise<void>;
  private bound = { host: '', port: 0 };
  private startedAt = 0;

  constructor(
    session: string,
    options: Partial<TlsServerOptions> & { port: number; identity: ServerIdentity },
  ) {
    super();
    this.session = session;
    this.options = { ...TLS_SERVER_DEFAULTS, ...options };
    const compiled = compileAutoReplies(this.options.autoReplies);
    if (!compiled.ok) throw new EngineError(compiled.error.code, compiled.error.message);
    this.rules = compiled.rules;
    try {
      this.server = createServer(
        {
          cert: this.options.identity.certPem,
          key: this.options.identity.keyPem,
          minVersion: this.options.minVersion,
          handshakeTimeout: this.options.handshakeTimeoutMs,
          ...(this.options.alpn?.length ? { ALPNProtocols: this.options.alpn } : {}),
        },
        (socket) => this.onSecureConnection(socket),
      );
    } catch (err) {
      throw tlsEngineError(err, 'TLS server');
    }
    this.server.on('tlsClientError', (err, socket) => {
      const e = tlsEngineError(err);
      const remote = `${socket.remoteAddress ?? '?'}:${socket.remotePort ?? 0}`;
      this.emit({
        engine: 'tlssock',
        type: 'server.handshakeFailed',
        session: this.session,
        at: Date.now(),
        remote,
        code: e.code,
        message: e.message,
      });
    });
    this.server.on('error', (err) => {
      if (this.state !== 'listening') return;
      const e = tlsEngineError(err);
      this.emit({
        engine: 'tlssock',
        type: 'server.error',
        session: this.session,
        at: Date.now(),
        code: e.code,
        message: e.message,
      });
    });
  }

  start(): Promise<TlsServerInfo> {
    this.startPromise ??= (async () => {
      this.state = 'starting';
      this.bound = await listen(this.server, this.options.port, this.options.host).catch((err: unknown) => {
        this.state = 'stopped';
        throw err;
      });
      this.state = 'listening';
      this.startedAt = Date.now();
      return this.info();
    })();
    return this.startPromise;
  }

  get port(): number {
    return this.bound.port;
  }

  get clientCount(): number {
    return this.clients.size;
  }

  info(): TlsServerInfo {
    return {
      session: this.session,
      host: this.bound.host || this.options.host,
      port: this.bound.port,
      echo: this.options.echo,
      autoReplyRules: this.rules.length,
      state: this.state === 'listening' ? 'listening' : 'stopped',
      startedAt: this.startedAt,
      certificate: { source: this.options.identity.source, ...this.options.identity.summary },
      minVersion: this.options.minVersion,
      clients: [...this.clients.values()].map((c) => ({ ...c.info, tls: { ...c.info.tls } })),
    };
  }

  send(bytes: Uint8Array, clientId?: string): { sentTo: number; bytes: number } {
    if (this.state !== 'listening')
      throw new EngineError('NOT_FOUND', `server ${this.session} is not running`);
    const targets = clientId === undefined ? [...this.clients.values()] : [this.requireClient(clientId)];
    for (const c of targets) this.write(c, bytes);
    return { sentTo: targets.length, bytes: bytes.length };
  }

  kick(clientId: string): void {
    const c = this.requireClient(clientId);
    c.closeReason = 'kicked';
    c.socket.destroy();
  }

  close(): Promise<void> {
    this.closePromise ??= (async () => {
      const wasRunning = this.state === 'listening' || this.state === 'starting';
      if (this.startPromise) await this.startPromise.catch(() => undefined);
      this.state = 'stopped';
      const closed = closeServer(this.server);
      const gone: Promise<unknown>[] = [];
      for (const c of this.clients.values()) {
        c.closeReason ??= 'server-stopped';
        gone.push(new Promise((r) => c.socket.once('close', r)));
        c.socket.destroy();
      }
      await Promise.all([closed, ...gone]);
      if (wasRunning)
        this.emit({ engine: 'tlssock', type: 'server.stopped', session: this.session, at: Date.now() });
    })();
    return this.closePromise;
  }

  private requireClient(clientId: string): ClientEntry {
    const c = this.clients.get(clientId);
    if (!c) throw new EngineError('NOT_FOUND', `client ${clientId} is not connected to ${this.session}`);
    return c;
  }

  private write(c: ClientEntry, bytes: Uint8Array): boolean {
    if (c.socket.destroyed || !c.socket.writable) return true;
    const ok = c.socket.write(bytes);
    c.info.bytesOut += bytes.length;
    this.emit({
      engine: 'tlssock',
      type: 'server.sent',
      session: this.session,
      at: Date.now(),
      clientId: c.info.clientId,
      ...wireBytes(bytes, this.options.maxEventDataBytes),
    });
    return ok;
  }

  private onSecureConnection(socket: TLSSocket): void {
    if (this.state !== 'listening') {
      socket.destroy();
      return;
    }
    const clientId = this.clientIds.next();
    if (this.clients.size >= this.options.maxClients) {
      socket.destroy();
      this.emit({
        engine: 'tlssock',
        type: 'server.clientClosed',
        session: this.session,
        at: Date.now(),
        clientId,
        reason: 'limit',
        code: 'LIMIT_EXCEEDED',
        message: `maxClients (${this.options.maxClients}) reached`,
      });
      return;
    }
    const entry: ClientEntry = {
      socket,
      info: {
        clientId,
        remoteAddress: socket.remoteAddress ?? '?',
        remotePort: socket.remotePort ?? 0,
        connectedAt: Date.now(),
        bytesIn: 0,
        bytesOut: 0,
        tls: sessionInfo(socket),
      },
    };
    this.clients.set(clientId, entry);
    this.emit({
      engine: 'tlssock',
      type: 'server.clientConnected',
      session: this.session,
      at: Date.now(),
      client: { ...entry.info },
    });
    if (this.options.welcome && this.options.welcome.length > 0) this.write(entry, this.options.welcome);

    let lastError: EngineError | undefined;
    socket.on('data', (chunk: Buffer) => {
      entry.info.bytesIn += chunk.length;
      this.emit({
        engine: 'tlssock',
        type: 'server.data',
        session: this.session,
        at: Date.now(),
        clientId,
        ...wireBytes(chunk, this.options.maxEventDataBytes),
      });
      // Rules see each received chunk: a small request usually arrives whole, a large one may not.
      const rule = this.rules.length ? findAutoReply(this.rules, chunk) : undefined;
      const answer = rule ? rule.reply : this.options.echo ? chunk : undefined;
      // Backpressure: a client that sends faster than it reads its answers is paused, not buffered.
      if (answer && !this.write(entry, answer)) {
        socket.pause();
        socket.once('drain', () => socket.resume());
      }
    });
    socket.on('error', (err) => {
      lastError = tlsEngineError(err);
      entry.closeReason ??= 'error';
    });
    socket.on('close', () => {
      this.clients.delete(clientId);
      const reason = entry.closeReason ?? 'remote';
      this.emit({
        engine: 'tlssock',
        type: 'server.clientClosed',
        session: this.session,
        at: Date.now(),
        clientId,
        reason,
        ...(lastError && reason === 'error' ? { code: lastError.code, message: lastError.message } : {}),
      });
    });
  }
}
