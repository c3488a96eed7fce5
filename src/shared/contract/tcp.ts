// TCP workbench contract: servers (many clients each) and clients, several of each at once.
import { z } from 'zod';
import { method } from './define';
import type { StreamClientEvent, StreamServerEvent } from './stream';
import { destPort, empty, host, payload, port, sessionId, timeoutMs } from './common';
import { payloadTextEncoding } from './packets';

/** Documented defaults of the TCP engine (docs/tcp.md). */
export const TCP_DEFAULTS = {
  serverHost: '127.0.0.1',
  maxClients: 1000,
  connectTimeoutMs: 10_000,
  /** Bytes of one received chunk copied into an event (4 KiB); the rest is counted, not shipped to the UI. */
  maxEventDataBytes: 4 * 1024,
} as const;

export const TcpServerStartInput = z
  .object({
    host: host().default(TCP_DEFAULTS.serverHost),
    port: port(),
    welcome: payload().optional(),
    welcomeEncoding: payloadTextEncoding().default('text'),
    echo: z.boolean().default(false),
    maxClients: z.number().int().min(1).max(100_000).default(TCP_DEFAULTS.maxClients),
  })
  .strict();

export const TcpServerClient = z.object({
  clientId: z.string(),
  remoteAddress: z.string(),
  remotePort: z.number(),
  connectedAt: z.number(),
  bytesIn: z.number(),
  bytesOut: z.number(),
});
export type TcpServerClient = z.infer<typeof TcpServerClient>;

export const TcpServerInfo = z.object({
  session: z.string(),
  host: z.string(),
  port: z.number(),
  echo: z.boolean(),
  welcome: z.string().optional(),
  state: z.enum(['listening', 'stopped']),
  startedAt: z.number(),
  clients: z.array(TcpServerClient),
});
export type TcpServerInfo = z.infer<typeof TcpServerInfo>;

export const TcpClientState = z.enum(['connecting', 'open', 'closed']);
export type TcpClientState = z.infer<typeof TcpClientState>;

export const TcpClientInfo = z.object({
  session: z.string(),
  host: z.string(),
  port: z.number(),
  state: TcpClientState,
  localAddress: z.string().optional(),
  localPort: z.number().optional(),
  remoteAddress: z.string().optional(),
  bytesIn: z.number(),
  bytesOut: z.number(),
  openedAt: z.number(),
});
export type TcpClientInfo = z.infer<typeof TcpClientInfo>;

const SendInput = {
  data: payload(),
  encoding: payloadTextEncoding().default('text'),
};

export const tcpContract = {
  serverStart: method(TcpServerStartInput, TcpServerInfo),
  serverStop: method(z.object({ session: sessionId() }).strict(), z.object({ closedClients: z.number() })),
  serverSend: method(
    z.object({ session: sessionId(), clientId: z.string().min(1).optional(), ...SendInput }).strict(),
    z.object({ sentTo: z.number(), bytes: z.number() }),
  ),
  serverKick: method(z.object({ session: sessionId(), clientId: z.string().min(1) }).strict(), z.object({})),
  serverSetOptions: method(
    z
      .object({
        session: sessionId(),
        echo: z.boolean().optional(),
        welcome: payload().nullable().optional(),
        welcomeEncoding: payloadTextEncoding().optional(),
      })
      .strict(),
    TcpServerInfo,
  ),
  clientConnect: method(
    z
      .object({ host: host(), port: destPort(), timeoutMs: timeoutMs(TCP_DEFAULTS.connectTimeoutMs) })
      .strict(),
    TcpClientInfo,
  ),
  clientSend: method(
    z.object({ session: sessionId(), ...SendInput }).strict(),
    z.object({ bytes: z.number() }),
  ),
  clientClose: method(z.object({ session: sessionId() }).strict(), z.object({})),
  clientRemove: method(z.object({ session: sessionId() }).strict(), z.object({})),
  list: method(empty(), z.object({ servers: z.array(TcpServerInfo), clients: z.array(TcpClientInfo) })),
};

export type { WireBytes } from './stream';

export type TcpEvent = StreamServerEvent<'tcp', TcpServerClient> | StreamClientEvent<'tcp', TcpClientInfo>;
