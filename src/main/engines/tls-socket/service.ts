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
import { StreamSessions } from '../common/stream-sessions';
import { payloadBytes } from '../common/payload';
import { serverIdentity } from './certs';
import { TlsClient } from './client';
import { TlsServer } from './server';

type In<K extends keyof typeof tlssockContract> = z.output<(typeof tlssockContract)[K]['input']>;

export class TlsSocketService extends TypedEmitter<TlsSockEvent> {
  private readonly sessions = new StreamSessions<TlsServerInfo, TlsClientInfo, TlsServer, TlsClient>(
    'TLS',
    'tls-',
  );

  /** `certDir`: where the app certificate is made once and kept (the data directory). */
  constructor(private readonly certDir: string) {
    super();
  }

  async serverStart(input: In<'serverStart'>): Promise<TlsServerInfo> {
    const welcome = input.welcome ? payloadBytes(input.welcome, input.welcomeEncoding) : undefined;
    const identity = await serverIdentity(input.certificate, this.certDir);
    return this.sessions.startServer(
      (session) => {
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
        return server;
      },
      (server) => server.start(),
    );
  }

  serverStop(input: In<'serverStop'>): Promise<{ closedClients: number }> {
    return this.sessions.stopServer(input.session);
  }

  serverSend(input: In<'serverSend'>): { sentTo: number; bytes: number } {
    return this.sessions.server(input.session).send(payloadBytes(input.data, input.encoding), input.clientId);
  }

  serverKick(input: In<'serverKick'>): Record<string, never> {
    this.sessions.server(input.session).kick(input.clientId);
    return {};
  }

  clientConnect(input: In<'clientConnect'>): Promise<TlsClientInfo> {
    return this.sessions.connect((session) => {
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
      return client;
    });
  }

  clientSend(input: In<'clientSend'>): { bytes: number } {
    return this.sessions.client(input.session).send(payloadBytes(input.data, input.encoding));
  }

  clientClose(input: In<'clientClose'>): Promise<Record<string, never>> {
    return this.sessions.closeClient(input.session);
  }

  clientRemove(input: In<'clientRemove'>): Promise<Record<string, never>> {
    return this.sessions.removeClient(input.session);
  }

  async appCertificate(): Promise<{ certPem: string; fingerprint256: string }> {
    const c = await loadOrCreateAppCertificate(this.certDir);
    return { certPem: c.certPem, fingerprint256: c.fingerprint256 };
  }

  list(): { servers: TlsServerInfo[]; clients: TlsClientInfo[] } {
    return this.sessions.list();
  }

  close(): Promise<void> {
    return this.sessions.close();
  }
}
