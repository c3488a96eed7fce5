// The TCP engine as the dispatcher sees it: owns the server and client sessions of one app instance
// and turns contract inputs into engine calls. Payloads (text, \XX escapes, hex) are decoded here by
// the decoder every socket engine uses, so the CLI and the UI get the same INVALID_HEX/INVALID_ESCAPE.
import type { z } from 'zod';
import type { TcpClientInfo, TcpEvent, TcpServerInfo, tcpContract } from '../../../shared/contract/tcp';
import { TypedEmitter } from '../common/emitter';
import { payloadBytes } from '../common/payload';
import { StreamSessions } from '../common/stream-sessions';
import { TcpClient } from './client';
import { TcpServer } from './server';

type In<K extends keyof typeof tcpContract> = z.output<(typeof tcpContract)[K]['input']>;

export const decodePayload = payloadBytes;

export class TcpWorkbench extends TypedEmitter<TcpEvent> {
  private readonly sessions = new StreamSessions<TcpServerInfo, TcpClientInfo, TcpServer, TcpClient>(
    'TCP',
    '',
  );

  serverStart(input: In<'serverStart'>): Promise<TcpServerInfo> {
    const welcome = input.welcome ? decodePayload(input.welcome, input.welcomeEncoding) : undefined;
    return this.sessions.startServer(
      (session) => {
        const server = new TcpServer(session, {
          host: input.host,
          port: input.port,
          welcome,
          echo: input.echo,
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
    return this.sessions
      .server(input.session)
      .send(decodePayload(input.data, input.encoding), input.clientId);
  }

  serverKick(input: In<'serverKick'>): Record<string, never> {
    this.sessions.server(input.session).kick(input.clientId);
    return {};
  }

  serverSetOptions(input: In<'serverSetOptions'>): TcpServerInfo {
    const welcome =
      input.welcome === undefined
        ? undefined
        : input.welcome === null
          ? null
          : decodePayload(input.welcome, input.welcomeEncoding ?? 'text');
    return this.sessions.server(input.session).setOptions({ echo: input.echo, welcome });
  }

  clientConnect(input: In<'clientConnect'>): Promise<TcpClientInfo> {
    return this.sessions.connect((session) => {
      const client = new TcpClient(session, {
        host: input.host,
        port: input.port,
        connectTimeoutMs: input.timeoutMs,
      });
      client.on((e) => this.emit(e));
      return client;
    });
  }

  clientSend(input: In<'clientSend'>): { bytes: number } {
    return this.sessions.client(input.session).send(decodePayload(input.data, input.encoding));
  }

  clientClose(input: In<'clientClose'>): Promise<Record<string, never>> {
    return this.sessions.closeClient(input.session);
  }

  clientRemove(input: In<'clientRemove'>): Promise<Record<string, never>> {
    return this.sessions.removeClient(input.session);
  }

  list(): { servers: TcpServerInfo[]; clients: TcpClientInfo[] } {
    return this.sessions.list();
  }

  close(): Promise<void> {
    return this.sessions.close();
  }
}
