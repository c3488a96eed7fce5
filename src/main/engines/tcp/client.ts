// One TCP client session: the stream client over plain TCP.
import { connect } from 'node:net';
import type { TcpClientInfo, TcpEvent } from '../../../shared/contract/tcp';
import { TCP_DEFAULTS } from '../../../shared/contract/tcp';
import { StreamClient, type StreamClientOptions } from '../common/stream-client';
import { connectLookup } from '../common/resolve';

export type TcpClientOptions = StreamClientOptions;

export const TCP_CLIENT_DEFAULTS = {
  connectTimeoutMs: TCP_DEFAULTS.connectTimeoutMs,
  maxEventDataBytes: TCP_DEFAULTS.maxEventDataBytes,
};

export class TcpClient extends StreamClient<'tcp', TcpClientInfo, TcpEvent> {
  constructor(session: string, options: Partial<TcpClientOptions> & { host: string; port: number }) {
    const opts = { ...TCP_CLIENT_DEFAULTS, ...options };
    super(session, opts, {
      engine: 'tcp',
      open: () => connect({ host: opts.host, port: opts.port, lookup: connectLookup }),
      readyEvent: 'connect',
      describe: (base) => base,
      what: 'no connection',
    });
  }
}
