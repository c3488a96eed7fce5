// One TCP server session: the stream server over plain TCP, with echo and a changeable welcome.
// It knows nothing of the UI or the transports: it emits TcpEvents and throws coded EngineErrors.
import { createServer } from 'node:net';
import type { TcpEvent, TcpServerClient, TcpServerInfo } from '../../../shared/contract/tcp';
import { TCP_DEFAULTS } from '../../../shared/contract/tcp';
import { StreamServer, type StreamServerOptions } from '../common/stream-server';

export type TcpServerOptions = StreamServerOptions;

export const TCP_SERVER_DEFAULTS: Omit<TcpServerOptions, 'port'> = {
  host: TCP_DEFAULTS.serverHost,
  echo: false,
  maxClients: TCP_DEFAULTS.maxClients,
  maxEventDataBytes: TCP_DEFAULTS.maxEventDataBytes,
};

export class TcpServer extends StreamServer<'tcp', TcpServerClient, TcpEvent> {
  constructor(session: string, options: Partial<TcpServerOptions> & { port: number }) {
    super(
      session,
      { ...TCP_SERVER_DEFAULTS, ...options },
      {
        engine: 'tcp',
        // noDelay: a workbench shows each send as its own segment; Nagle would merge typed messages.
        createServer: (onClient) => createServer({ noDelay: true }, onClient),
        describe: (_socket, base) => base,
      },
    );
  }

  async start(): Promise<TcpServerInfo> {
    await this.listen();
    return this.info();
  }

  info(): TcpServerInfo {
    return this.baseInfo();
  }

  setOptions(patch: { echo?: boolean; welcome?: Uint8Array | null }): TcpServerInfo {
    if (patch.echo !== undefined) this.options.echo = patch.echo;
    if (patch.welcome !== undefined) this.options.welcome = patch.welcome ?? undefined;
    return this.info();
  }
}
