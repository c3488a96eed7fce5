// WebSocket and Server-Sent Events contract: WebSocket client sessions (text, binary, JSON, ping,
// close codes, a bounded message log), SSE client sessions (reconnect with Last-Event-ID, retry
// honoured) and standalone WebSocket servers (echo, broadcast) for `wirelab ws serve`.
import { z } from 'zod';
import { coded, method } from './define';
import { empty, host, payload, port, sessionId, timeoutMs } from './common';

/** Documented defaults of the WebSocket/SSE engine (docs/ws.md). */
export const WS_DEFAULTS = {
  connectTimeoutMs: 10_000,
  /** Largest message accepted (enforced by the ws parser before the message is buffered): 16 MiB. */
  maxMessageBytes: 16 * 1024 * 1024,
  /** Messages kept per session; older ones are dropped from the log (and counted). */
  logLength: 1000,
  /** Bytes of one message copied into the log and its event; the rest is counted, not kept. */
  maxPreviewBytes: 64 * 1024,
  serverHost: '127.0.0.1',
  maxClients: 1000,
  /** SSE: wait before reconnecting when the server sent no `retry:` field. */
  sseRetryMs: 3000,
  /** SSE: the longest retry a server may ask for; longer ones are clamped. */
  sseMaxRetryMs: 60_000,
  /** SSE: reconnect attempts in a row without an event before the session gives up. */
  sseMaxReconnects: 10,
  /** SSE: longest line or event accepted (an endless line would otherwise grow without bound). */
  sseMaxEventBytes: 1024 * 1024,
  maxSessions: 200,
} as const;

/** Close codes an application may send (RFC 6455 §7.4): 1000, or 3000–4999. */
export function isSendableCloseCode(code: number): boolean {
  return code === 1000 || (code >= 3000 && code <= 4999);
}

const wsUrl = () =>
  z
    .string()
    .trim()
    .min(1, coded('WS_INVALID_URL', 'URL is required'))
    .max(8192, coded('WS_INVALID_URL', 'URL is too long'));

const headerMap = () => z.record(z.string().min(1).max(256), z.string().max(8192)).default({});

export const WsConnectInput = z
  .object({
    url: wsUrl(),
    protocols: z.array(z.string().trim().min(1).max(256)).max(32).default([]),
    headers: headerMap(),
    timeoutMs: timeoutMs(WS_DEFAULTS.connectTimeoutMs),
    maxMessageBytes: z
      .number()
      .int()
      .min(1)
      .max(1024 * 1024 * 1024)
      .default(WS_DEFAULTS.maxMessageBytes),
    logLength: z.number().int().min(1).max(100_000).default(WS_DEFAULTS.logLength),
  })
  .strict();

export const WsMessageKind = z.enum(['text', 'binary', 'ping', 'pong']);
export type WsMessageKind = z.infer<typeof WsMessageKind>;

export const WsMessage = z.object({
  seq: z.number(),
  dir: z.enum(['in', 'out']),
  kind: WsMessageKind,
  at: z.number(),
  /** True length in bytes. */
  bytes: z.number(),
  /** Text frames: the text (first maxPreviewBytes). */
  text: z.string().optional(),
  /** Binary frames, pings and pongs: the bytes as hex (first maxPreviewBytes). */
  hex: z.string().optional(),
  truncated: z.boolean(),
});
export type WsMessage = z.infer<typeof WsMessage>;

export const WsState = z.enum(['connecting', 'open', 'closing', 'closed']);
export type WsState = z.infer<typeof WsState>;

export const WsClientInfo = z.object({
  session: z.string(),
  url: z.string(),
  state: WsState,
  /** The subprotocol the server chose ('' when none). */
  protocol: z.string(),
  openedAt: z.number(),
  messagesIn: z.number(),
  messagesOut: z.number(),
  bytesIn: z.number(),
  bytesOut: z.number(),
  /** Messages dropped from the front of the log because it was full. */
  logDropped: z.number(),
  closeCode: z.number().optional(),
  closeReason: z.string().optional(),
});
export type WsClientInfo = z.infer<typeof WsClientInfo>;

export const WsSendKind = z.enum(['text', 'hex', 'json']);
export type WsSendKind = z.infer<typeof WsSendKind>;

export const SseState = z.enum(['connecting', 'open', 'reconnecting', 'closed']);
export type SseState = z.infer<typeof SseState>;

export const SseEventMsg = z.object({
  seq: z.number(),
  at: z.number(),
  event: z.string(),
  data: z.string(),
  id: z.string().optional(),
  truncated: z.boolean(),
});
export type SseEventMsg = z.infer<typeof SseEventMsg>;

export const SseConnectInput = z
  .object({
    url: z
      .string()
      .trim()
      .min(1, coded('INVALID_URL', 'URL is required'))
      .max(8192, coded('INVALID_URL', 'URL is too long')),
    headers: headerMap(),
    lastEventId: z.string().max(1024).optional(),
    reconnect: z.boolean().default(true),
    maxReconnects: z.number().int().min(0).max(1000).default(WS_DEFAULTS.sseMaxReconnects),
    timeoutMs: timeoutMs(WS_DEFAULTS.connectTimeoutMs),
    maxEventBytes: z
      .number()
      .int()
      .min(16)
      .max(64 * 1024 * 1024)
      .default(WS_DEFAULTS.sseMaxEventBytes),
    logLength: z.number().int().min(1).max(100_000).default(WS_DEFAULTS.logLength),
  })
  .strict();

export const SseClientInfo = z.object({
  session: z.string(),
  url: z.string(),
  state: SseState,
  openedAt: z.number(),
  events: z.number(),
  lastEventId: z.string(),
  retryMs: z.number(),
  reconnects: z.number(),
  logDropped: z.number(),
});
export type SseClientInfo = z.infer<typeof SseClientInfo>;

export const WsServerMode = z.enum(['echo', 'broadcast', 'silent']);
export type WsServerMode = z.infer<typeof WsServerMode>;

export const WsServerInfo = z.object({
  session: z.string(),
  host: z.string(),
  port: z.number(),
  mode: WsServerMode,
  state: z.enum(['listening', 'stopped']),
  startedAt: z.number(),
  clients: z.number(),
  messages: z.number(),
});
export type WsServerInfo = z.infer<typeof WsServerInfo>;

const session = () => z.object({ session: sessionId() }).strict();

export const wsContract = {
  connect: method(WsConnectInput, WsClientInfo),
  send: method(
    z.object({ session: sessionId(), data: payload(), kind: WsSendKind.default('text') }).strict(),
    z.object({ bytes: z.number() }),
  ),
  ping: method(
    z.object({ session: sessionId(), data: z.string().max(250).default('') }).strict(),
    z.object({ bytes: z.number() }),
  ),
  close: method(
    z
      .object({
        session: sessionId(),
        code: z.number().int().optional(),
        reason: z.string().max(123).default(''),
      })
      .strict(),
    z.object({}),
  ),
  remove: method(session(), z.object({})),
  messages: method(session(), z.object({ messages: z.array(WsMessage), dropped: z.number() })),
  sseConnect: method(SseConnectInput, SseClientInfo),
  sseClose: method(session(), z.object({})),
  sseEvents: method(session(), z.object({ events: z.array(SseEventMsg), dropped: z.number() })),
  serverStart: method(
    z
      .object({
        host: host().default(WS_DEFAULTS.serverHost),
        port: port(),
        mode: WsServerMode.default('echo'),
        maxClients: z.number().int().min(1).max(100_000).default(WS_DEFAULTS.maxClients),
        maxMessageBytes: z
          .number()
          .int()
          .min(1)
          .max(1024 * 1024 * 1024)
          .default(WS_DEFAULTS.maxMessageBytes),
      })
      .strict(),
    WsServerInfo,
  ),
  serverStop: method(session(), z.object({ closedClients: z.number() })),
  list: method(
    empty(),
    z.object({
      clients: z.array(WsClientInfo),
      sse: z.array(SseClientInfo),
      servers: z.array(WsServerInfo),
    }),
  ),
};

export type WsEvent =
  | { engine: 'ws'; type: 'open'; session: string; at: number; info: WsClientInfo }
  | { engine: 'ws'; type: 'message'; session: string; at: number; message: WsMessage }
  | {
      engine: 'ws';
      type: 'closed';
      session: string;
      at: number;
      code: number;
      reason: string;
      /** Who started the close. */
      by: 'local' | 'remote' | 'error';
    }
  | { engine: 'ws'; type: 'error'; session: string; at: number; code: string; message: string }
  | { engine: 'ws'; type: 'sse.state'; session: string; at: number; info: SseClientInfo }
  | { engine: 'ws'; type: 'sse.event'; session: string; at: number; event: SseEventMsg }
  | { engine: 'ws'; type: 'server.clients'; session: string; at: number; clients: number; messages: number };
