// The TLS socket engine as the dispatcher sees it: server and client sessions over TLS, mirroring the
// TCP workbench method for method. The app certificate lives in the data directory it is given.
import type { z } from 'zod';
import type {
  TlsClientInfo,
  TlsServerInfo,
  TlsSockEvent,
  tlssockContract,
} from '../../../shared/contract/tlssock';
import { loadOrCreateAppCertificate } from '../common/app-cert';
import { TypedEmitter } from '../common/emitter';
import { EngineError } from '../common/errors';
import { IdSequence } from '../common/ids';
import { payloadBytes } from '../udp/service';
import { serverIdentity } from './certs';
import { TlsClient } from './client';
import { TlsServer } from './server';

type In<K extends keyof typeof tlssockContract> = z.output<(typeof tlssockContract)[K]['input']>;

export class TlsSocketService extends TypedEmitter<TlsSockEvent> {
  private readonly servers = new Map<string, TlsServer>();
  private readonly clients = new Map<string, TlsClient>();
  private readonly serverIds = new IdSequence('tls-srv-');
  private readonly clientIds = new IdSequence('tls-cli-');

  /** `certDir`: where the app certificate is made once and kept (the data directory). */
  constructor(private readonly certDir: string) {
    super();
  }

  async serverStart(input: In<'serverStart'>): Promise<TlsServerInfo> {
    const welcome = input.welcome ? payloadBytes(input.welcome, input.welcomeEncoding) : undefined;
    const identity = await serverIdentity(input.certificate, this.certDir);
    const session = this.serverIds.next();
    const server = new TlsServer(session, {
      host: input.host,
      port: input.port,
      identity,
      welcome,
      echo: input.echo,
      autoReplies: input.autoReplies,
      minVersion: input.minVersion,
      alpn: input.alpn,
      maxClients: input.maxClients,
    });
    server.on((e) => this.emit(e));
    const info = await server.start();
    this.servers.set(session, server);
    return info;
  }

  async serverStop(input: In<'serverStop'>): Promise<{ closedClients: number }> {
    const server = this.server(input.session);
    const n = server.clientCount;
    await server.close();
    this.servers.delete(input.session);
    return { closedClients: n };
  }

  serverSend(input: In<'serverSend'>): { sentTo: number; bytes: number } {
    return this.server(input.session).send(payloadBytes(input.data, input.encoding), input.clientId);
  }

  serverKick(input: In<'serverKick'>): Record<string, never> {
    this.server(input.session).kick(input.clientId);
    return {};
  }

  async clientConnect(input: In<'clientConnect'>): Promise<TlsClientInfo> {
    const session = this.clientIds.next();
    const client = new TlsClient(session, {
      host: input.host,
      port: input.port,
      connectTimeoutMs: input.timeoutMs,
      verify: input.verify,
      ca: input.ca,
      servername: input.servername,
      alpn: input.alpn,
      minVersion: input.minVersion,
    });
    client.on((e) => this.emit(e));
    this.clients.set(session, client);
    try {
      return await client.start();
    } catch (err) {
      this.clients.delete(session);
      throw err;
    }
  }

  clientSend(input: In<'clientSend'>): { bytes: number } {
    return this.client(input.session).send(payloadBytes(input.data, input.encoding));
  }

  async clientClose(input: In<'clientClose'>): Promise<Record<string, never>> {
    await this.client(input.session).close();
    return {};
  }

  async clientRemove(input: In<'clientRemove'>): Promise<Record<string, never>> {
    await this.client(input.session).close();
    this.clients.delete(input.session);
    return {};
  }

  async appCertificate(): Promise<{ certPem: string; fingerprint256: string }> {
    const c = await loadOrCreateAppCertificate(this.certDir);
    return { certPem: c.certPem, fingerprint256: c.fingerprint256 };
  }

  list(): { servers: TlsServerInfo[]; clients: TlsClientInfo[] } {
    return {
      servers: [...this.servers.values()].map((s) => s.info()),
      clients: [...this.clients.values()].map((c) => c.info()),
    };
  }

  async close(): Promise<void> {
    await Promise.all([...this.servers.values()].map((s) => s.close()));
    await Promise.all([...this.clients.values()].map((c) => c.close()));
    this.servers.clear();
    this.clients.clear();
  }

  private server(session: string): TlsServer {
    const s = this.servers.get(session);
    if (!s) throw new EngineError('NOT_FOUND', `no TLS server ${session}`);
    return s;
  }

  private client(session: string): TlsClient {
    const c = this.clients.get(session);
    if (!c) throw new EngineError('NOT_FOUND', `no TLS client ${session}`);
    return c;
  }
}
