// The TCP engine as the dispatcher sees it: owns the server and client sessions of one app instance
// and turns contract inputs into engine calls. Payload decoding (text/hex) happens here, so the CLI
// and the UI get the same INVALID_HEX errors.
import type { z } from 'zod';
import type { TcpClientInfo, TcpEvent, TcpServerInfo, tcpContract } from '../../../shared/contract/tcp';
import { encodePayload, type PayloadEncoding } from '../../../shared/encoding';
import { TypedEmitter } from '../common/emitter';
import { EngineError } from '../common/errors';
import { IdSequence } from '../common/ids';
import { TcpClient } from './client';
import { TcpServer } from './server';

type In<K extends keyof typeof tcpContract> = z.output<(typeof tcpContract)[K]['input']>;

export function decodePayload(data: string, encoding: PayloadEncoding): Uint8Array {
  const r = encodePayload(data, encoding);
  if (!r.ok) throw new EngineError(r.error.code, r.error.message);
  return r.bytes;
}

export class TcpWorkbench extends TypedEmitter<TcpEvent> {
  private readonly servers = new Map<string, TcpServer>();
  private readonly clients = new Map<string, TcpClient>();
  private readonly serverIds = new IdSequence('srv-');
  private readonly clientIds = new IdSequence('cli-');

  async serverStart(input: In<'serverStart'>): Promise<TcpServerInfo> {
    const welcome = input.welcome ? decodePayload(input.welcome, input.welcomeEncoding) : undefined;
    const session = this.serverIds.next();
    const server = new TcpServer(session, {
      host: input.host,
      port: input.port,
      welcome,
      echo: input.echo,
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
    return this.server(input.session).send(decodePayload(input.data, input.encoding), input.clientId);
  }

  serverKick(input: In<'serverKick'>): Record<string, never> {
    this.server(input.session).kick(input.clientId);
    return {};
  }

  serverSetOptions(input: In<'serverSetOptions'>): TcpServerInfo {
    const welcome =
      input.welcome === undefined
        ? undefined
        : input.welcome === null
          ? null
          : decodePayload(input.welcome, input.welcomeEncoding ?? 'text');
    return this.server(input.session).setOptions({ echo: input.echo, welcome });
  }

  async clientConnect(input: In<'clientConnect'>): Promise<TcpClientInfo> {
    const session = this.clientIds.next();
    const client = new TcpClient(session, {
      host: input.host,
      port: input.port,
      connectTimeoutMs: input.timeoutMs,
    });
    client.on((e) => this.emit(e));
    // Registered before connecting so a failed attempt stays visible (with its error) until removed.
    this.clients.set(session, client);
    try {
      return await client.start();
    } catch (err) {
      this.clients.delete(session);
      throw err;
    }
  }

  clientSend(input: In<'clientSend'>): { bytes: number } {
    return this.client(input.session).send(decodePayload(input.data, input.encoding));
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

  list(): { servers: TcpServerInfo[]; clients: TcpClientInfo[] } {
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

  private server(session: string): TcpServer {
    const s = this.servers.get(session);
    if (!s) throw new EngineError('NOT_FOUND', `no TCP server ${session}`);
    return s;
  }

  private client(session: string): TcpClient {
    const c = this.clients.get(session);
    if (!c) throw new EngineError('NOT_FOUND', `no TCP client ${session}`);
    return c;
  }
}
