// TLS sockets: the TCP workbench's server and client over TLS. Same session model and event names as
// the TCP contract (server.data, client.state, …) under engine 'tlssock', plus what TLS adds: the
// certificate used, the negotiated protocol version and cipher, SNI, ALPN and the verification result.
import { z } from 'zod';
import { coded, method } from './define';
import { destPort, empty, host, payload, port, sessionId, timeoutMs } from './common';
import { autoReplies, payloadTextEncoding } from './packets';
import type { TcpServerClient } from './tcp';
import type { StreamClientEvent, StreamServerEvent } from './stream';

/** Documented defaults of the TLS socket engine (docs/udp.md, "TLS sockets"). */
export const TLSSOCK_DEFAULTS = {
  serverHost: '127.0.0.1',
  maxClients: 1000,
  connectTimeoutMs: 10_000,
  /** A client that has not finished its handshake after this long is dropped (server side). */
  handshakeTimeoutMs: 10_000,
  /** Bytes of one received chunk copied into an event (4 KiB). */
  maxEventDataBytes: 4 * 1024,
  /** Largest PEM text accepted for a certificate, key or CA bundle (256 KiB). */
  maxPemChars: 256 * 1024,
  minVersion: 'TLSv1.2',
} as const;

const pem = () =>
  z.string().min(1).max(TLSSOCK_DEFAULTS.maxPemChars, coded('LIMIT_EXCEEDED', 'PEM text too large'));
export const TlsVersion = z.enum(['TLSv1.2', 'TLSv1.3']);
const alpn = () => z.array(z.string().min(1).max(255)).max(16).optional();

export const TlsCertificateChoice = z.discriminatedUnion('source', [
  /** The app's own self-signed certificate, generated once per data directory and kept. */
  z.object({ source: z.literal('app') }).strict(),
  z.object({ source: z.literal('pem'), certPem: pem(), keyPem: pem() }).strict(),
]);

export const TlsServerStartInput = z
  .object({
    host: host().default(TLSSOCK_DEFAULTS.serverHost),
    port: port(),
    certificate: TlsCertificateChoice.default({ source: 'app' }),
    welcome: payload().optional(),
    welcomeEncoding: payloadTextEncoding().default('text'),
    echo: z.boolean().default(false),
    autoReplies: autoReplies().default([]),
    minVersion: TlsVersion.default(TLSSOCK_DEFAULTS.minVersion),
    alpn: alpn(),
    maxClients: z.number().int().min(1).max(100_000).default(TLSSOCK_DEFAULTS.maxClients),
  })
  .strict();

export const TlsCipher = z.object({
  name: z.string(),
  standardName: z.string().optional(),
  version: z.string(),
});

/** What the handshake settled, as both sides report it. */
export const TlsSessionInfo = z.object({
  protocol: z.string().nullable(),
  cipher: TlsCipher.nullable(),
  alpn: z.string().nullable(),
  servername: z.string().nullable(),
});
export type TlsSessionInfo = z.infer<typeof TlsSessionInfo>;

export const TlsCertSummary = z.object({
  subject: z.string(),
  issuer: z.string(),
  subjectAltName: z.string().optional(),
  validFrom: z.string(),
  validTo: z.string(),
  fingerprint256: z.string(),
});
export type TlsCertSummary = z.infer<typeof TlsCertSummary>;

export type TlsServerClient = TcpServerClient & { tls: TlsSessionInfo };

export const TlsServerInfo = z.object({
  session: z.string(),
  host: z.string(),
  port: z.number(),
  echo: z.boolean(),
  autoReplyRules: z.number(),
  state: z.enum(['listening', 'stopped']),
  startedAt: z.number(),
  certificate: TlsCertSummary.extend({ source: z.enum(['app', 'pem']) }),
  minVersion: TlsVersion,
  clients: z.array(
    z.object({
      clientId: z.string(),
      remoteAddress: z.string(),
      remotePort: z.number(),
      connectedAt: z.number(),
      bytesIn: z.number(),
      bytesOut: z.number(),
      tls: TlsSessionInfo,
    }),
  ),
});
export type TlsServerInfo = z.infer<typeof TlsServerInfo>;

export const TlsClientState = z.enum(['connecting', 'open', 'closed']);
export type TlsClientState = z.infer<typeof TlsClientState>;

export const TlsClientInfo = z.object({
  session: z.string(),
  host: z.string(),
  port: z.number(),
  state: TlsClientState,
  verify: z.boolean(),
  localAddress: z.string().optional(),
  localPort: z.number().optional(),
  remoteAddress: z.string().optional(),
  bytesIn: z.number(),
  bytesOut: z.number(),
  openedAt: z.number(),
  /** Time from connect() to the end of the TLS handshake. */
  handshakeMs: z.number().optional(),
  tls: TlsSessionInfo.optional(),
  /** Whether the peer certificate chains to a trusted CA and matches the name (also when verify is off). */
  authorized: z.boolean().optional(),
  authorizationError: z.string().optional(),
  peerCertificate: TlsCertSummary.optional(),
});
export type TlsClientInfo = z.infer<typeof TlsClientInfo>;

const SendInput = { data: payload(), encoding: payloadTextEncoding().default('text') };

export const tlssockContract = {
  serverStart: method(TlsServerStartInput, TlsServerInfo),
  serverStop: method(z.object({ session: sessionId() }).strict(), z.object({ closedClients: z.number() })),
  serverSend: method(
    z.object({ session: sessionId(), clientId: z.string().min(1).optional(), ...SendInput }).strict(),
    z.object({ sentTo: z.number(), bytes: z.number() }),
  ),
  serverKick: method(z.object({ session: sessionId(), clientId: z.string().min(1) }).strict(), z.object({})),
  clientConnect: method(
    z
      .object({
        host: host(),
        port: destPort(),
        timeoutMs: timeoutMs(TLSSOCK_DEFAULTS.connectTimeoutMs),
        /** Check the server certificate against the trusted CAs (system or `ca`) and the name. */
        verify: z.boolean().default(true),
        /** PEM CA bundle trusted instead of the system store (e.g. the app certificate of another Wirelab). */
        ca: pem().optional(),
        /** SNI name; default: the host when it is a name (never an IP address, per RFC 6066). */
        servername: z.string().trim().min(1).max(253).optional(),
        alpn: alpn(),
        minVersion: TlsVersion.default(TLSSOCK_DEFAULTS.minVersion),
      })
      .strict(),
    TlsClientInfo,
  ),
  clientSend: method(
    z.object({ session: sessionId(), ...SendInput }).strict(),
    z.object({ bytes: z.number() }),
  ),
  clientClose: method(z.object({ session: sessionId() }).strict(), z.object({})),
  clientRemove: method(z.object({ session: sessionId() }).strict(), z.object({})),
  /** The app's own certificate (made on first use): what a peer pins or imports as its CA. */
  appCertificate: method(empty(), z.object({ certPem: z.string(), fingerprint256: z.string() })),
  list: method(empty(), z.object({ servers: z.array(TlsServerInfo), clients: z.array(TlsClientInfo) })),
};

export type TlsSockEvent =
  | StreamServerEvent<'tlssock', TlsServerClient>
  | StreamClientEvent<'tlssock', TlsClientInfo>
  | {
      engine: 'tlssock';
      type: 'server.handshakeFailed';
      session: string;
      at: number;
      remote: string;
      code: string;
      message: string;
    };
