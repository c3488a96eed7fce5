// HTTP mock server contract: routes with templates, static folder, echo, CORS, the built-in demo API and a
// request inspector. Every limit is here with its documented default (docs/http-server.md).
import { z } from 'zod';
import { coded, method } from './define';
import { empty, host, port, sessionId } from './common';
import {
  HTTP_STREAM_DEFAULTS,
  HttpRouteKind,
  SseRouteBehaviour,
  WsRouteBehaviour,
} from './http-server-streams';

export * from './http-server-streams';

export const HTTP_SERVER_DEFAULTS = {
  host: '127.0.0.1',
  /** The whole request header block must arrive within this; a slowloris client is answered 408 and cut off. */
  headersTimeoutMs: 10_000,
  /** The whole request (headers and body) must arrive within this. */
  requestTimeoutMs: 30_000,
  /** An idle keep-alive connection is closed after this. */
  keepAliveTimeoutMs: 5_000,
  /** Request bodies above this are refused with 413, checked on Content-Length and again while streaming. */
  maxBodyBytes: 10 * 1024 * 1024,
  /** Bytes of the request header block (Node's maxHeaderSize); larger gets 431. */
  maxHeaderBytes: 16 * 1024,
  /** Open connections (TCP; on HTTP/2 one connection is one session); more are dropped at accept and
   * reported as a `limit` event. */
  maxConnections: 1000,
  /** HTTP/2 streams one session may have open at once (SETTINGS_MAX_CONCURRENT_STREAMS), as nginx and h2o;
   * a client that opens more has them refused (REFUSED_STREAM). */
  maxConcurrentStreams: 100,
  /** Request body bytes copied into one inspector event; the rest is counted, not shipped. */
  inspectorBodyBytes: 16 * 1024,
  maxRoutes: 500,
  /** Longest artificial delay a route may ask for. */
  maxDelayMs: 60_000,
  /** Longest route body template, in characters. */
  maxRouteBodyChars: 1024 * 1024,
  staticIndex: 'index.html',
} as const;

/** Methods a route can answer; `*` answers any. Tokens per RFC 9110 (letters, digits, !#$%&'*+-.^_`|~). */
const routeMethod = () =>
  z
    .string()
    .trim()
    .regex(
      /^(\*|[!#$%&'*+\-.^_`|~0-9A-Za-z]{1,32})$/,
      coded('INVALID_INPUT', 'method must be an HTTP token or *'),
    )
    .transform((m) => m.toUpperCase());

const HEADER_NAME = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]{1,256}$/;
const headerValue = () =>
  z
    .string()
    .max(16 * 1024)
    .regex(/^[^\r\n\0]*$/, coded('INVALID_HEADER', 'header value may not contain CR, LF or NUL'));

export const HttpRoute = z
  .object({
    id: z.string().min(1).max(64).optional(),
    method: routeMethod().default('GET'),
    /** `/users/:id`, `/files/*` (rest of the path), `/a/*\/b` (one segment). */
    path: z
      .string()
      .min(1)
      .max(2048)
      .regex(
        /^\/[^\s?#]*$/,
        coded('INVALID_INPUT', 'route path must start with / and contain no spaces, ? or #'),
      ),
    status: z.number().int().min(100).max(599).default(200),
    headers: z
      .record(z.string(), headerValue())
      .superRefine((h, ctx) => {
        for (const k of Object.keys(h)) {
          if (!HEADER_NAME.test(k))
            ctx.addIssue({
              code: 'custom',
              message: `INVALID_HEADER: header name ${JSON.stringify(k.slice(0, 100))} is not an HTTP token`,
            });
        }
      })
      .default({}),
    /** Template: {{params.x}}, {{query.x}}, {{headers.x}}, {{method}}, {{path}}, {{body}}, {{now}}. */
    body: z
      .string()
      .max(HTTP_SERVER_DEFAULTS.maxRouteBodyChars, coded('LIMIT_EXCEEDED', 'route body too large'))
      .default(''),
    delayMs: z.number().int().min(0).max(HTTP_SERVER_DEFAULTS.maxDelayMs).default(0),
    /** `http` answers with status/headers/body; `ws` is a WebSocket endpoint; `sse` an event stream. */
    kind: HttpRouteKind.default('http'),
    /** With kind `ws` (absent: echo). */
    ws: WsRouteBehaviour.optional(),
    /** With kind `sse` (required there). */
    sse: SseRouteBehaviour.optional(),
  })
  .strict()
  .refine((r) => r.kind !== 'sse' || r.sse !== undefined, {
    message: 'INVALID_INPUT: an SSE route needs its events (sse.events)',
    path: ['sse'],
  })
  .refine((r) => r.kind !== 'ws' || r.method === 'GET' || r.method === '*', {
    message: 'INVALID_INPUT: a WebSocket route answers GET (the opening handshake)',
    path: ['method'],
  });
export type HttpRoute = z.output<typeof HttpRoute>;
export type HttpRouteInput = z.input<typeof HttpRoute>;

export const HttpServerLimits = z
  .object({
    headersTimeoutMs: z.number().int().min(100).max(600_000).default(HTTP_SERVER_DEFAULTS.headersTimeoutMs),
    requestTimeoutMs: z.number().int().min(100).max(3_600_000).default(HTTP_SERVER_DEFAULTS.requestTimeoutMs),
    keepAliveTimeoutMs: z
      .number()
      .int()
      .min(100)
      .max(600_000)
      .default(HTTP_SERVER_DEFAULTS.keepAliveTimeoutMs),
    maxBodyBytes: z
      .number()
      .int()
      .min(0)
      .max(1024 * 1024 * 1024)
      .default(HTTP_SERVER_DEFAULTS.maxBodyBytes),
    maxHeaderBytes: z
      .number()
      .int()
      .min(1024)
      .max(1024 * 1024)
      .default(HTTP_SERVER_DEFAULTS.maxHeaderBytes),
    maxConnections: z.number().int().min(1).max(100_000).default(HTTP_SERVER_DEFAULTS.maxConnections),
    maxConcurrentStreams: z
      .number()
      .int()
      .min(1)
      .max(10_000)
      .default(HTTP_SERVER_DEFAULTS.maxConcurrentStreams),
    inspectorBodyBytes: z
      .number()
      .int()
      .min(0)
      .max(1024 * 1024)
      .default(HTTP_SERVER_DEFAULTS.inspectorBodyBytes),
    /** WebSocket routes: the largest message accepted (close 1009 above it, before it is buffered). */
    maxWsMessageBytes: z
      .number()
      .int()
      .min(1)
      .max(256 * 1024 * 1024)
      .default(HTTP_STREAM_DEFAULTS.maxWsMessageBytes),
  })
  .strict();
export type HttpServerLimits = z.output<typeof HttpServerLimits>;

const routes = () =>
  z
    .array(HttpRoute)
    .max(
      HTTP_SERVER_DEFAULTS.maxRoutes,
      coded('LIMIT_EXCEEDED', `at most ${HTTP_SERVER_DEFAULTS.maxRoutes} routes`),
    );

const ModeFields = {
  /** Absolute folder served for requests no route answers. */
  staticDir: z.string().min(1).max(4096).nullable().optional(),
  staticListing: z.boolean().optional(),
  staticIndex: z
    .string()
    .min(1)
    .max(255)
    .regex(/^[^/\\]+$/, 'index is a file name')
    .optional(),
  /** Answer every request no route matches with the request itself as JSON. */
  echo: z.boolean().optional(),
  cors: z.boolean().optional(),
  /** `/users` and `/users/:id` — a JSON REST API (JSONPlaceholder's user shape) to practise on, offline. */
  demoApi: z.boolean().optional(),
  /** GET / answers a "Hello, World!" page. */
  helloWorld: z.boolean().optional(),
};

export const HttpServerStartInput = z
  .object({
    host: host().default(HTTP_SERVER_DEFAULTS.host),
    port: port(),
    /** Serve HTTPS with the app's own certificate (made on first use in the data directory). */
    tls: z.boolean().default(false),
    /**
     * With `tls`: one port offers HTTP/2 and HTTP/1.1, chosen by ALPN (`h2`, `http/1.1`). Absent → on
     * whenever `tls` is on (clients expect an HTTPS server to speak h2). Cleartext is HTTP/1.1 only (no h2c),
     * so `http2: true` without `tls` is refused rather than silently ignored.
     */
    http2: z.boolean().optional(),
    routes: routes().default([]),
    ...ModeFields,
    limits: HttpServerLimits.default(HttpServerLimits.parse({})),
  })
  .strict()
  .refine(
    (s) => !(s.http2 === true && !s.tls),
    coded('INVALID_INPUT', 'http2 needs tls: cleartext HTTP/2 (h2c) is not offered'),
  );
export type HttpServerStartInput = z.output<typeof HttpServerStartInput>;

export const HttpServerInfo = z.object({
  session: z.string(),
  host: z.string(),
  port: z.number(),
  url: z.string(),
  tls: z.boolean(),
  http2: z.boolean(),
  /** ALPN protocols offered, preferred first: `['h2', 'http/1.1']` with http2, else `['http/1.1']`. */
  protocols: z.array(z.string()),
  fingerprint256: z.string().optional(),
  state: z.enum(['listening', 'stopped']),
  startedAt: z.number(),
  routes: z.array(HttpRoute),
  staticDir: z.string().nullable(),
  staticListing: z.boolean(),
  staticIndex: z.string(),
  echo: z.boolean(),
  cors: z.boolean(),
  demoApi: z.boolean(),
  helloWorld: z.boolean(),
  limits: HttpServerLimits,
  connections: z.number(),
  requests: z.number(),
});
export type HttpServerInfo = z.infer<typeof HttpServerInfo>;

/** Which part of the server answered a request. */
export type HttpServerHandler =
  'route' | 'ws' | 'sse' | 'echo' | 'static' | 'demo' | 'hello' | 'cors' | 'not-found' | 'limit' | 'error';

/** One inspected request, emitted when its response has finished (or the exchange was cut off). */
export interface InspectedRequest {
  id: string;
  method: string;
  url: string;
  /** `1.1`, `1.0` or `2.0`. */
  httpVersion: string;
  /**
   * In arrival order, names as sent. On HTTP/2 the pseudo-headers (`:method`, `:path`, `:authority`,
   * `:scheme`) come first, as on the wire, and names are lower case (HTTP/2 requires it).
   */
  headers: [string, string][];
  remoteAddress: string;
  remotePort: number;
  /** First `inspectorBodyBytes` of the body; `bodyBytes` is the true length. */
  body: Uint8Array;
  bodyBytes: number;
  bodyTruncated: boolean;
  status: number;
  handler: HttpServerHandler;
  routeId?: string;
  responseBytes: number;
  /** Response header names a route set that HTTP/2 forbids (connection-specific, e.g. `connection`), not sent. */
  droppedHeaders?: string[];
  startedAt: number;
  /** Milliseconds from the request's arrival to the end of the response (of the stream, for ws and sse). */
  durationMs: number;
  /** WebSocket and SSE routes: messages (events) received and sent while the stream was open. */
  messages?: { in: number; out: number };
  /** Set when the exchange ended in an error (e.g. LIMIT_EXCEEDED, TIMEOUT, CONNECTION_RESET). */
  code?: string;
  message?: string;
}

export const httpServerContract = {
  start: method(HttpServerStartInput, HttpServerInfo),
  stop: method(z.object({ session: sessionId() }).strict(), z.object({})),
  update: method(
    z.object({ session: sessionId(), routes: routes().optional(), ...ModeFields }).strict(),
    HttpServerInfo,
  ),
  list: method(empty(), z.object({ servers: z.array(HttpServerInfo) })),
};

export type HttpServerEvent =
  | { engine: 'httpServer'; type: 'request'; session: string; at: number; request: InspectedRequest }
  | {
      engine: 'httpServer';
      type: 'limit';
      session: string;
      at: number;
      code: string;
      message: string;
      remoteAddress?: string;
    }
  | { engine: 'httpServer'; type: 'stopped'; session: string; at: number }
  | { engine: 'httpServer'; type: 'error'; session: string; at: number; code: string; message: string };
