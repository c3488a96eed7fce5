// The request/response pair the mock server's one handler serves, on HTTP/1.1 (node:http) and on HTTP/2
// (node:http2's compatibility API). Only what both offer is here, so nothing in the handler or the static
// folder can quietly depend on an HTTP/1-only member (the socket, `connection: close`, destroySoon).
import type { IncomingHttpHeaders, OutgoingHttpHeaders } from 'node:http';
import type { Readable, Writable } from 'node:stream';

export interface MockRequest extends Readable {
  readonly method?: string;
  readonly url?: string;
  readonly httpVersion: string;
  /** On HTTP/2 this also holds the pseudo-headers (`:path`, `:authority`, …). */
  readonly headers: IncomingHttpHeaders;
  readonly rawHeaders: string[];
  /** HTTP/1: the whole message arrived. (node:http2 also says true for a stream the client reset.) */
  readonly complete: boolean;
}

export interface MockResponse extends Writable {
  statusCode: number;
  readonly headersSent: boolean;
  setHeader(name: string, value: string | number | readonly string[]): unknown;
  writeHead(statusCode: number, headers?: OutgoingHttpHeaders): unknown;
}

/**
 * Connection-specific header fields: HTTP/2 forbids them (RFC 9113 §8.2.2) and node:http2 throws on all
 * but `connection`, so they are taken out of HTTP/2 responses. `te` is allowed only as `trailers`.
 */
const H2_FORBIDDEN = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'transfer-encoding',
  'upgrade',
]);

export function h2Forbidden(name: string, value: string | number): boolean {
  const n = name.toLowerCase();
  return H2_FORBIDDEN.has(n) || (n === 'te' && String(value).trim().toLowerCase() !== 'trailers');
}

/** The headers HTTP/2 may carry, and the names of those it may not. */
export function h2Headers(headers: Record<string, string | number>): {
  headers: Record<string, string | number>;
  dropped: string[];
} {
  const kept: Record<string, string | number> = {};
  const dropped: string[] = [];
  for (const [k, v] of Object.entries(headers)) {
    if (h2Forbidden(k, v)) dropped.push(k);
    else kept[k] = v;
  }
  return { headers: kept, dropped };
}
