// The content handlers of the mock server: a user route (delay, template, headers) and the echo. Each
// takes a parsed request and writes one response through reply().
import type { HttpRoute } from '../../../shared/contract/http-server';
import { h2Headers, type MockRequest, type MockResponse } from './exchange';
import type { Peer } from './peer';
import { headerPairs, type RequestRecord } from './record';
import { reply, replyJson, replyText } from './responses';
import { hasPlaceholders, renderTemplate } from './template';

/** The parts of the request line every handler needs. */
export interface RequestLine {
  method: string;
  rawUrl: string;
  rawPath: string;
  /** Everything after `?`, without it ('' when there is none). */
  rawQuery: string;
}

function isUtf8(bytes: Uint8Array): boolean {
  try {
    new TextDecoder('utf-8', { fatal: true }).decode(bytes);
    return true;
  } catch {
    return false;
  }
}

/** Waits the route's delay; false when the client went away meanwhile (nothing is written then). */
function delay(res: MockResponse, ms: number): Promise<boolean> {
  return new Promise<boolean>((resolve) => {
    const t = setTimeout(() => resolve(true), ms);
    res.once('close', () => {
      clearTimeout(t);
      resolve(false);
    });
  });
}

export async function serveRoute(
  req: MockRequest,
  res: MockResponse,
  peer: Peer,
  rec: RequestRecord,
  line: RequestLine,
  found: { route: HttpRoute; params: Record<string, string> },
  body: Buffer,
): Promise<void> {
  rec.handler = 'route';
  rec.routeId = found.route.id;
  const r = found.route;
  if (r.delayMs > 0 && !(await delay(res, r.delayMs))) return;
  const text = hasPlaceholders(r.body)
    ? renderTemplate(r.body, {
        params: found.params,
        query: new URLSearchParams(line.rawQuery),
        // HTTP/2 carries the host as :authority; {{headers.host}} means the same on both.
        headers:
          peer.stream && req.headers.host === undefined
            ? { ...req.headers, host: req.headers[':authority'] }
            : req.headers,
        method: line.method,
        path: line.rawPath,
        body: body.toString('utf8'),
      })
    : r.body;
  const out = Buffer.from(text);
  const headers: Record<string, string | number> = { ...r.headers };
  const lower = new Set(Object.keys(headers).map((k) => k.toLowerCase()));
  if (!lower.has('content-type') && out.length > 0) {
    headers['content-type'] = /^\s*[[{]/.test(text)
      ? 'application/json; charset=utf-8'
      : 'text/plain; charset=utf-8';
  }
  if (!lower.has('content-length') && !lower.has('transfer-encoding')) headers['content-length'] = out.length;
  if (peer.stream) {
    const safe = h2Headers(headers);
    rec.dropped = safe.dropped;
    reply(res, r.status, safe.headers, out, rec, line.method);
  } else reply(res, r.status, headers, out, rec, line.method);
}

export function serveEcho(
  req: MockRequest,
  res: MockResponse,
  peer: Peer,
  rec: RequestRecord,
  line: RequestLine,
  body: Buffer,
  tls: boolean,
): void {
  rec.handler = 'echo';
  const query: Record<string, string | string[]> = {};
  for (const [k, v] of new URLSearchParams(line.rawQuery)) {
    const prev = query[k];
    query[k] = prev === undefined ? v : Array.isArray(prev) ? [...prev, v] : [prev, v];
  }
  const utf8 = isUtf8(body);
  const echo = {
    method: line.method,
    url: line.rawUrl,
    path: line.rawPath,
    query,
    httpVersion: req.httpVersion,
    headers: req.headers,
    rawHeaders: headerPairs(req.rawHeaders),
    body: utf8 ? body.toString('utf8') : body.toString('base64'),
    bodyEncoding: utf8 ? 'utf8' : 'base64',
    bodyBytes: body.length,
    remoteAddress: peer.remoteAddress,
    remotePort: peer.remotePort,
    tls,
  };
  replyJson(res, 200, echo, rec, line.method);
}

/** A plain request to a WebSocket route: 426 says how to reach it (HTTP/2 has no Upgrade header). */
export function serveUpgradeRequired(
  res: MockResponse,
  peer: Peer,
  rec: RequestRecord,
  line: RequestLine,
  route: HttpRoute,
): void {
  rec.handler = 'ws';
  rec.routeId = route.id;
  if (!peer.stream) res.setHeader('upgrade', 'websocket');
  replyText(
    res,
    426,
    `${line.rawPath} is a WebSocket endpoint: connect with a WebSocket client (ws:// or wss://).\n`,
    rec,
    line.method,
  );
}
