// HTTP composer contract: one request spec shared by the composer, history, collections, importers, code
// generation and load runs. Every limit is here with its documented default (docs/http-client.md).
import { z } from 'zod';
import { coded, method } from './define';
import { empty, sessionId } from './common';
import { HTTP_CHECK_LIMITS, HttpAssertion, HttpCapture, HttpCheckResults } from './http-checks';
import { httpRunnerMethods, type HttpRunnerEvent } from './http-runner';
import { HttpLoadSummary } from './http-load';

export { HttpLoadSummary } from './http-load';

export const HTTP_CLIENT_DEFAULTS = {
  timeoutMs: 30_000,
  maxRedirects: 10,
  /** Decoded response bytes kept in memory and returned as the preview (1 MiB); the rest goes to a file. */
  previewBytes: 1024 * 1024,
  /** Largest response body written to the data directory (1 GiB); beyond, the request fails with LIMIT_EXCEEDED. */
  maxBodyFileBytes: 1024 * 1024 * 1024,
  /** Spooled response bodies kept in the data directory; older ones are deleted. */
  maxSpooledBodies: 20,
  /** History entries kept (oldest dropped). */
  maxHistory: 500,
  /** A request body larger than this (as JSON text) is not stored in history; the entry says how large it was. */
  maxHistoryBodyChars: 64 * 1024,
  /** Response header block accepted (bytes). */
  maxResponseHeaderBytes: 64 * 1024,
  maxCookies: 3000,
  maxLoadRequests: 1_000_000,
  maxLoadConcurrency: 256,
  /** A load run stops after this long even if not all requests were sent. */
  maxLoadDurationMs: 300_000,
  /** Largest chunk of a spooled body one `bodyRead` returns. */
  maxBodyReadBytes: 4 * 1024 * 1024,
  /** Largest text accepted for a cURL/OpenAPI/Postman import (8 MiB). */
  maxImportChars: 8 * 1024 * 1024,
  maxBodyChars: 16 * 1024 * 1024,
  /** Idle HTTP/1.1 connections the composer keeps per origin (and connection settings). */
  maxIdleConnectionsPerOrigin: 6,
  /** A kept connection (or HTTP/2 session) unused for this long is closed. */
  idleConnectionTimeoutMs: 30_000,
} as const;

const tokenRe = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

export const HttpMethodName = z
  .string()
  .trim()
  .min(1)
  .max(32)
  .regex(tokenRe, coded('INVALID_INPUT', 'method must be an HTTP token such as GET or PATCH'))
  .transform((m) => m.toUpperCase());

export const HttpKeyValue = z
  .object({
    name: z.string().max(1024),
    value: z.string().max(64 * 1024),
    enabled: z.boolean().default(true),
  })
  .strict();
export type HttpKeyValue = z.output<typeof HttpKeyValue>;

const bodyText = () =>
  z
    .string()
    .max(HTTP_CLIENT_DEFAULTS.maxBodyChars, coded('LIMIT_EXCEEDED', 'body too large; send a file instead'));

export const HttpMultipartPart = z
  .object({
    name: z.string().min(1).max(1024),
    /** Text value; ignored when `file` is set. */
    value: z.string().max(HTTP_CLIENT_DEFAULTS.maxBodyChars).default(''),
    /** Absolute path of a file to send as this part. */
    file: z.string().max(4096).optional(),
    filename: z.string().max(1024).optional(),
    contentType: z.string().max(256).optional(),
    enabled: z.boolean().default(true),
  })
  .strict();

export const HttpBody = z.discriminatedUnion('type', [
  z.object({ type: z.literal('none') }).strict(),
  z.object({ type: z.literal('json'), text: bodyText() }).strict(),
  z.object({ type: z.literal('form'), fields: z.array(HttpKeyValue).max(10_000) }).strict(),
  z.object({ type: z.literal('multipart'), parts: z.array(HttpMultipartPart).max(1000) }).strict(),
  z
    .object({
      type: z.literal('raw'),
      text: bodyText(),
      contentType: z.string().max(256).default('text/plain'),
    })
    .strict(),
  z
    .object({
      type: z.literal('binary'),
      file: z.string().min(1).max(4096),
      contentType: z.string().max(256).default('application/octet-stream'),
    })
    .strict(),
]);
export type HttpBody = z.output<typeof HttpBody>;

export const HttpAuth = z.discriminatedUnion('type', [
  z.object({ type: z.literal('none') }).strict(),
  z
    .object({ type: z.literal('basic'), username: z.string().max(1024), password: z.string().max(1024) })
    .strict(),
  z.object({ type: z.literal('bearer'), token: z.string().max(16 * 1024) }).strict(),
  z
    .object({
      type: z.literal('apiKey'),
      name: z.string().min(1).max(256),
      value: z.string().max(16 * 1024),
      in: z.enum(['header', 'query']).default('header'),
    })
    .strict(),
  z
    .object({ type: z.literal('digest'), username: z.string().max(1024), password: z.string().max(1024) })
    .strict(),
]);
export type HttpAuth = z.output<typeof HttpAuth>;

export const HttpRequestOptions = z
  .object({
    timeoutMs: z.number().int().min(1).max(3_600_000).default(HTTP_CLIENT_DEFAULTS.timeoutMs),
    followRedirects: z.boolean().default(true),
    maxRedirects: z.number().int().min(0).max(100).default(HTTP_CLIENT_DEFAULTS.maxRedirects),
    verifyTls: z.boolean().default(true),
    /** Extra trusted CA certificates (PEM text), added to the system ones. */
    caPem: z
      .string()
      .max(1024 * 1024)
      .optional(),
    /** Client certificate and key (PEM text) for mutual TLS. */
    clientCertPem: z
      .string()
      .max(1024 * 1024)
      .optional(),
    clientKeyPem: z
      .string()
      .max(1024 * 1024)
      .optional(),
    /** `env` honours HTTP_PROXY/HTTPS_PROXY/NO_PROXY; `none` goes direct; else an http:// proxy URL. */
    proxy: z.string().max(2048).default('env'),
    /** `auto`: HTTP/2 when the server offers it in ALPN (https), else HTTP/1.1. `2` over http:// is h2c. */
    httpVersion: z.enum(['auto', '1.1', '2']).default('auto'),
    useCookies: z.boolean().default(true),
    /** Decompress gzip/br/deflate bodies (sizes report both). */
    decode: z.boolean().default(true),
    /** Keep the connection for later requests to the origin (HTTP/1.1 keep-alive, one HTTP/2 session). */
    reuseConnections: z.boolean().default(true),
  })
  .strict();
export type HttpRequestOptions = z.output<typeof HttpRequestOptions>;

export const HttpRequestSpec = z
  .object({
    method: HttpMethodName.default('GET'),
    url: z
      .string()
      .trim()
      .min(1, coded('INVALID_URL', 'URL is empty'))
      .max(64 * 1024),
    headers: z.array(HttpKeyValue).max(500).default([]),
    body: HttpBody.default({ type: 'none' }),
    auth: HttpAuth.default({ type: 'none' }),
    options: HttpRequestOptions.default(HttpRequestOptions.parse({})),
    assertions: z.array(HttpAssertion).max(HTTP_CHECK_LIMITS.maxAssertions).default([]),
    captures: z.array(HttpCapture).max(HTTP_CHECK_LIMITS.maxCaptures).default([]),
  })
  .strict();
export type HttpRequestSpec = z.output<typeof HttpRequestSpec>;
export type HttpRequestSpecInput = z.input<typeof HttpRequestSpec>;

/** Milliseconds of each phase, measured at the socket; a phase that did not happen (reused socket) is 0. */
export const HttpTiming = z.object({
  dns: z.number(),
  connect: z.number(),
  tls: z.number(),
  /** From socket ready to the last request byte handed to the kernel. */
  send: z.number(),
  /** Waiting for the first response byte after the request was sent. */
  ttfb: z.number(),
  download: z.number(),
  total: z.number(),
});
export type HttpTiming = z.infer<typeof HttpTiming>;

export const HttpRedirectHop = z.object({
  method: z.string(),
  url: z.string(),
  status: z.number(),
  location: z.string(),
});

export const HttpResponse = z.object({
  id: z.string(),
  url: z.string(),
  method: z.string(),
  status: z.number(),
  statusText: z.string(),
  httpVersion: z.string(),
  headers: z.array(z.tuple([z.string(), z.string()])),
  remoteAddress: z.string().optional(),
  tlsProtocol: z.string().optional(),
  timing: HttpTiming,
  sizes: z.object({
    requestHeaders: z.number(),
    requestBody: z.number(),
    responseHeaders: z.number(),
    /** Body bytes as transferred (compressed, without chunk framing). */
    bodyWire: z.number(),
    /** Body bytes after gzip/br/deflate decoding. */
    bodyDecoded: z.number(),
  }),
  contentEncoding: z.string().optional(),
  contentType: z.string().optional(),
  /** The first `previewBytes` of the decoded body. */
  body: z.instanceof(Uint8Array),
  bodyTruncated: z.boolean(),
  /** Full decoded body on disk when it exceeded the preview. */
  bodyFile: z.string().optional(),
  redirects: z.array(HttpRedirectHop),
  requestHeaders: z.array(z.tuple([z.string(), z.string()])),
  /** The connection that served the final response: numbered per app run; `reused` when kept from before. */
  connection: z.object({ id: z.number(), reused: z.boolean() }).optional(),
  /** The request's assertions and captures, evaluated on this response (absent when it has none). */
  checks: HttpCheckResults.optional(),
});
export type HttpResponse = z.infer<typeof HttpResponse>;

export const HttpHistoryEntry = z.object({
  id: z.string(),
  at: z.number(),
  request: HttpRequestSpec,
  status: z.number().optional(),
  httpVersion: z.string().optional(),
  durationMs: z.number().optional(),
  bodyBytes: z.number().optional(),
  code: z.string().optional(),
  message: z.string().optional(),
  /** Set when the body was too large to keep in history (its size in characters). */
  bodyOmittedChars: z.number().optional(),
});
export type HttpHistoryEntry = z.infer<typeof HttpHistoryEntry>;

export const HttpEnvironment = z
  .object({ name: z.string().min(1).max(128), variables: z.array(HttpKeyValue).max(1000).default([]) })
  .strict();
export type HttpEnvironment = z.output<typeof HttpEnvironment>;

export const HttpEnvironments = z
  .object({ active: z.string().nullable().default(null), environments: z.array(HttpEnvironment).default([]) })
  .strict();
export type HttpEnvironments = z.output<typeof HttpEnvironments>;

export const HttpCookie = z
  .object({
    name: z.string().min(1).max(4096),
    value: z.string().max(8192),
    domain: z.string().min(1).max(253),
    path: z.string().max(4096).default('/'),
    /** Only this host, not subdomains (a cookie set without Domain=). */
    hostOnly: z.boolean().default(true),
    secure: z.boolean().default(false),
    httpOnly: z.boolean().default(false),
    sameSite: z.enum(['Strict', 'Lax', 'None']).optional(),
    /** ms since epoch; absent = session cookie. */
    expires: z.number().optional(),
  })
  .strict();
export type HttpCookie = z.output<typeof HttpCookie>;

/** A request saved in a collection; `path` is its location inside the collection, e.g. `users/get-user`. */
export const SavedHttpRequest = z
  .object({ name: z.string().min(1).max(256), request: HttpRequestSpec })
  .strict();
export type SavedHttpRequest = z.output<typeof SavedHttpRequest>;

export const HttpCollectionTree = z.object({
  name: z.string(),
  slug: z.string(),
  requests: z.array(z.object({ path: z.string(), name: z.string(), method: z.string(), url: z.string() })),
});
export type HttpCollectionTree = z.infer<typeof HttpCollectionTree>;

export const HttpImportedCollection = z.object({
  name: z.string(),
  requests: z.array(z.object({ folder: z.string(), name: z.string(), request: HttpRequestSpec })),
  variables: z.array(HttpKeyValue),
  warnings: z.array(z.string()),
});
export type HttpImportedCollection = z.infer<typeof HttpImportedCollection>;

export const HttpCodeLanguage = z.enum(['curl', 'fetch', 'node', 'python']);
export type HttpCodeLanguage = z.infer<typeof HttpCodeLanguage>;

const slugPath = () =>
  z
    .string()
    .min(1)
    .max(1024)
    .regex(
      /^[A-Za-z0-9 _.-]+(\/[A-Za-z0-9 _.-]+)*$/,
      coded('INVALID_INPUT', 'use letters, digits, space, _ . - and / between folders'),
    )
    .refine(
      (p) => !p.split('/').some((s) => s === '.' || s === '..'),
      coded('INVALID_INPUT', 'no . or .. segments'),
    );

const importText = () =>
  z
    .string()
    .min(1)
    .max(HTTP_CLIENT_DEFAULTS.maxImportChars, coded('LIMIT_EXCEEDED', 'import text too large'));

export const httpClientContract = {
  /** Sends a request; `id` (optional, caller-chosen) lets `cancel` stop it. */
  send: method(
    z
      .object({
        id: z.string().min(1).max(64).optional(),
        request: HttpRequestSpec,
        environment: z.string().max(128).optional(),
        saveHistory: z.boolean().default(true),
      })
      .strict(),
    HttpResponse,
  ),
  cancel: method(z.object({ id: z.string().min(1).max(64) }).strict(), z.object({ cancelled: z.boolean() })),
  /** Closes every connection the composer keeps open; the next request to each origin connects afresh. */
  connectionsClose: method(empty(), z.object({ closed: z.number() })),
  /**
   * Reads part of a response's spooled body (the bytes after the preview), for a viewer that shows a large
   * body on demand. Only a response's own file is readable (by the response's id), a chunk at a time.
   */
  bodyRead: method(
    z
      .object({
        id: z.string().min(1).max(64),
        offset: z.number().int().min(0),
        length: z
          .number()
          .int()
          .min(1)
          .max(HTTP_CLIENT_DEFAULTS.maxBodyReadBytes, coded('LIMIT_EXCEEDED', 'chunk too large')),
      })
      .strict(),
    z.object({ bytes: z.instanceof(Uint8Array), total: z.number(), eof: z.boolean() }),
  ),
  /** Drops a response's spooled body file (the UI replaced or closed the response). */
  releaseBody: method(
    z.object({ id: z.string().min(1).max(64) }).strict(),
    z.object({ released: z.boolean() }),
  ),
  historyList: method(
    z
      .object({
        search: z.string().max(1024).default(''),
        limit: z.number().int().min(1).max(HTTP_CLIENT_DEFAULTS.maxHistory).default(100),
      })
      .strict(),
    z.object({ entries: z.array(HttpHistoryEntry), total: z.number() }),
  ),
  historyDelete: method(z.object({ id: z.string().min(1) }).strict(), z.object({})),
  historyClear: method(empty(), z.object({})),
  environmentsGet: method(empty(), HttpEnvironments),
  environmentsSet: method(HttpEnvironments, HttpEnvironments),
  cookiesList: method(empty(), z.object({ cookies: z.array(HttpCookie) })),
  cookieSet: method(HttpCookie, z.object({ cookies: z.array(HttpCookie) })),
  cookieDelete: method(
    z.object({ name: z.string(), domain: z.string(), path: z.string().default('/') }).strict(),
    z.object({ cookies: z.array(HttpCookie) }),
  ),
  cookiesClear: method(empty(), z.object({})),
  collectionsList: method(empty(), z.object({ collections: z.array(HttpCollectionTree) })),
  collectionCreate: method(z.object({ name: z.string().min(1).max(128) }).strict(), HttpCollectionTree),
  collectionDelete: method(z.object({ slug: slugPath() }).strict(), z.object({})),
  requestGet: method(z.object({ collection: slugPath(), path: slugPath() }).strict(), SavedHttpRequest),
  requestSave: method(
    z
      .object({
        collection: slugPath(),
        folder: z.union([z.literal(''), slugPath()]).default(''),
        name: z.string().min(1).max(256),
        request: HttpRequestSpec,
      })
      .strict(),
    z.object({ path: z.string() }),
  ),
  requestDelete: method(z.object({ collection: slugPath(), path: slugPath() }).strict(), z.object({})),
  importCurl: method(
    z.object({ text: importText() }).strict(),
    z.object({ request: HttpRequestSpec, warnings: z.array(z.string()) }),
  ),
  exportCode: method(
    z.object({ request: HttpRequestSpec, language: HttpCodeLanguage.default('curl') }).strict(),
    z.object({ code: z.string() }),
  ),
  /**
   * Parses an OpenAPI 3.x / Swagger 2.0 (JSON or YAML) or Postman v2.1 document, given as `text` or (OpenAPI)
   * as a `file` path, whose references to files next to it are then followed; `save` writes it as a new
   * collection.
   */
  importCollection: method(
    z
      .object({
        format: z.enum(['openapi', 'postman']),
        text: importText().optional(),
        file: z.string().min(1).max(4096).optional(),
        save: z.boolean().default(false),
      })
      .strict()
      .refine(
        (i) => (i.text === undefined) !== (i.file === undefined),
        coded('INVALID_INPUT', 'give the document as text or as a file, not both'),
      ),
    z.object({ collection: HttpImportedCollection, saved: HttpCollectionTree.optional() }),
  ),
  loadStart: method(
    z
      .object({
        request: HttpRequestSpec,
        environment: z.string().max(128).optional(),
        requests: z
          .number()
          .int()
          .min(1)
          .max(
            HTTP_CLIENT_DEFAULTS.maxLoadRequests,
            coded('LIMIT_EXCEEDED', `at most ${HTTP_CLIENT_DEFAULTS.maxLoadRequests} requests`),
          ),
        concurrency: z
          .number()
          .int()
          .min(1)
          .max(
            HTTP_CLIENT_DEFAULTS.maxLoadConcurrency,
            coded('LIMIT_EXCEEDED', `concurrency at most ${HTTP_CLIENT_DEFAULTS.maxLoadConcurrency}`),
          ),
        maxDurationMs: z
          .number()
          .int()
          .min(100)
          .max(HTTP_CLIENT_DEFAULTS.maxLoadDurationMs)
          .default(HTTP_CLIENT_DEFAULTS.maxLoadDurationMs),
      })
      .strict(),
    z.object({ session: z.string() }),
  ),
  /** The load run's request and shape as a k6 script (assertions become checks and thresholds). */
  exportK6: method(
    z
      .object({
        request: HttpRequestSpec,
        environment: z.string().max(128).optional(),
        requests: z.number().int().min(1).max(HTTP_CLIENT_DEFAULTS.maxLoadRequests),
        concurrency: z.number().int().min(1).max(HTTP_CLIENT_DEFAULTS.maxLoadConcurrency),
        maxDurationMs: z
          .number()
          .int()
          .min(100)
          .max(HTTP_CLIENT_DEFAULTS.maxLoadDurationMs)
          .default(HTTP_CLIENT_DEFAULTS.maxLoadDurationMs),
      })
      .strict(),
    z.object({ script: z.string(), skipped: z.array(z.string()) }),
  ),
  loadStop: method(z.object({ session: sessionId() }).strict(), HttpLoadSummary),
  loadGet: method(z.object({ session: sessionId() }).strict(), HttpLoadSummary),
  ...httpRunnerMethods,
};

export type HttpClientEvent =
  | { engine: 'httpClient'; type: 'load.progress'; session: string; at: number; summary: HttpLoadSummary }
  | { engine: 'httpClient'; type: 'load.done'; session: string; at: number; summary: HttpLoadSummary }
  | { engine: 'httpClient'; type: 'history.changed'; session: string; at: number }
  | { engine: 'httpClient'; type: 'cookies.changed'; session: string; at: number }
  /** Captures wrote variables into an environment. */
  | { engine: 'httpClient'; type: 'environments.changed'; session: string; at: number }
  | HttpRunnerEvent;
