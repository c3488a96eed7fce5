// The request pipeline of the mock server, in order: header limits (HTTP/2), CORS, the body under its
// limits, the CORS preflight, user routes (an SSE route streams; a WebSocket route answers a request that
// is not an upgrade with 426; upgrades go to ws-routes.ts), echo, the static folder, the demo API, the hello page, 404.
// It works on the MockRequest/MockResponse pair only; the sockets belong to server.ts.
import type { InspectedRequest } from '../../../shared/contract/http-server';
import { demoApi } from './demo-api';
import type { MockRequest, MockResponse } from './exchange';
import { serveEcho, serveRoute, serveUpgradeRequired, type RequestLine } from './handlers';
import { HELLO_WORLD_BODY, type HttpMockServerOptions } from './options';
import type { Peer } from './peer';
import { inspectedRequest, newRecord } from './record';
import { hasRequestBody, readRequestBody } from './request-body';
import {
  corsHeaders,
  refuseLargeH2Headers,
  reply,
  replyBodyTimeout,
  replyJson,
  replyTooLarge,
  replyText,
} from './responses';
import { findRoute, type CompiledRoute } from './router';
import { serveSse } from './sse-routes';
import { serveStatic, STATIC_MISS } from './static-files';

const HELLO_BYTES = Buffer.from(HELLO_WORLD_BODY);

/** What the pipeline reads from its server, current at the moment a request arrives. */
export interface HandlerContext {
  readonly options: Readonly<HttpMockServerOptions>;
  readonly compiled: readonly CompiledRoute[];
  readonly staticRoot: string | null;
  nextRequestId(): string;
  /** Called once per request, when its response has ended or the exchange was cut off. */
  report(request: InspectedRequest): void;
}

export function requestLine(req: MockRequest): RequestLine {
  const rawUrl = req.url ?? '/';
  const qi = rawUrl.indexOf('?');
  return {
    method: (req.method ?? 'GET').toUpperCase(),
    rawUrl,
    rawPath: qi < 0 ? rawUrl : rawUrl.slice(0, qi),
    rawQuery: qi < 0 ? '' : rawUrl.slice(qi + 1),
  };
}

export async function handleRequest(
  ctx: HandlerContext,
  req: MockRequest,
  res: MockResponse,
  peer: Peer,
): Promise<void> {
  const t0 = performance.now();
  const startedAt = Date.now();
  const o = ctx.options;
  const limits = o.limits;
  const line = requestLine(req);
  const { method, rawPath } = line;
  const rec = newRecord();
  res.once('close', () => {
    ctx.report(
      inspectedRequest(rec, req, res, peer, {
        id: ctx.nextRequestId(),
        method,
        url: line.rawUrl,
        startedAt,
        durationMs: performance.now() - t0,
      }),
    );
  });

  if (refuseLargeH2Headers(req, res, peer, rec, limits.maxHeaderBytes)) return;

  const cors = o.cors ? corsHeaders(req) : undefined;
  if (cors) for (const [k, v] of Object.entries(cors)) res.setHeader(k, v);

  const declared =
    req.headers['content-length'] !== undefined ? Number(req.headers['content-length']) : undefined;
  if (declared !== undefined && declared > limits.maxBodyBytes) {
    replyTooLarge(res, peer, rec, `declared body (${declared} bytes)`, limits.maxBodyBytes);
    return;
  }
  const found = findRoute(ctx.compiled, method, rawPath);
  // Only the handlers that use the body keep it.
  const keepBody =
    o.echo ||
    (found !== undefined && found.route.body.includes('{{')) ||
    (o.demoApi && rawPath.startsWith('/users'));
  let body: Buffer = Buffer.alloc(0);
  if (hasRequestBody(req, peer, declared)) {
    const got = await readRequestBody(req, peer, limits, rec, keepBody);
    if (!got.ok) {
      if (got.reason === 'too-large')
        replyTooLarge(
          res,
          peer,
          rec,
          `streamed body (more than ${limits.maxBodyBytes} bytes)`,
          limits.maxBodyBytes,
        );
      else if (got.reason === 'timeout') replyBodyTimeout(res, peer, rec, limits.requestTimeoutMs);
      else {
        rec.code = 'RESPONSE_INCOMPLETE';
        rec.message = 'request body ended early';
        res.destroy();
      }
      return;
    }
    body = got.body;
  }

  if (cors && method === 'OPTIONS' && req.headers['access-control-request-method']) {
    rec.handler = 'cors';
    res.writeHead(204, { 'content-length': 0 });
    res.end();
    return;
  }

  if (found) {
    const r = found.route;
    if (r.kind === 'sse' && r.sse)
      return serveSse(req, res, peer, rec, line, { id: r.id, headers: r.headers, sse: r.sse }, found.params);
    if (r.kind === 'ws') return serveUpgradeRequired(res, peer, rec, line, r);
    return serveRoute(req, res, peer, rec, line, found, body);
  }
  if (o.echo) return serveEcho(req, res, peer, rec, line, body, Boolean(o.tls));

  if (ctx.staticRoot) {
    // The record is marked before the folder answers: the inspector entry is taken when the response
    // closes, which can come before this function resumes.
    rec.handler = 'static';
    const opts = { root: ctx.staticRoot, index: o.staticIndex, listing: o.staticListing };
    const r = await serveStatic(req, res, rawPath, opts, rec);
    if (r !== STATIC_MISS) return;
    rec.handler = 'not-found';
  }

  if (o.demoApi) {
    const answer = demoApi(method, rawPath, body);
    if (answer) {
      rec.handler = 'demo';
      replyJson(res, answer.status, answer.body, rec, method);
      return;
    }
  }

  if (o.helloWorld && rawPath === '/' && (method === 'GET' || method === 'HEAD')) {
    rec.handler = 'hello';
    reply(
      res,
      200,
      { 'content-type': 'text/html; charset=utf-8', 'content-length': HELLO_BYTES.length },
      HELLO_BYTES,
      rec,
      method,
    );
    return;
  }

  rec.handler = 'not-found';
  replyText(res, 404, `Not Found: ${method} ${rawPath}\n`, rec, method);
}
