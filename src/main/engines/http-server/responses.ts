// Writing answers: the one reply() every generated response goes through, the limit answers (413, 408,
// 431) and the 500 for a handler that threw. Each records what it sent on the request's record.
import { toEngineError } from '../common/errors';
import type { MockRequest, MockResponse } from './exchange';
import { closeStreamAfterResponse, type Peer } from './peer';
import type { RequestRecord } from './record';

export function reply(
  res: MockResponse,
  status: number,
  headers: Record<string, string | number>,
  body: Buffer,
  rec: { responseBytes: number },
  method: string,
): void {
  if (res.destroyed) return;
  res.writeHead(status, headers);
  const sent = method === 'HEAD' ? 0 : body.length;
  rec.responseBytes = sent;
  if (method === 'HEAD') res.end();
  // A small body as a latin1 string (byte for byte the same) lets Node send head and body in one
  // write; a Buffer body makes it a writev of two, which cost about a quarter of the throughput.
  else if (body.length <= 16 * 1024) res.end(body.toString('latin1'), 'latin1');
  else res.end(body);
}

export function replyText(
  res: MockResponse,
  status: number,
  text: string,
  rec: { responseBytes: number },
  method: string,
): void {
  const out = Buffer.from(text);
  reply(
    res,
    status,
    { 'content-type': 'text/plain; charset=utf-8', 'content-length': out.length },
    out,
    rec,
    method,
  );
}

export function replyJson(
  res: MockResponse,
  status: number,
  value: unknown,
  rec: { responseBytes: number },
  method: string,
): void {
  const out = Buffer.from(`${JSON.stringify(value, null, 2)}\n`);
  reply(
    res,
    status,
    { 'content-type': 'application/json; charset=utf-8', 'content-length': out.length },
    out,
    rec,
    method,
  );
}

export function failResponse(res: MockResponse, err: unknown): void {
  const e = toEngineError(err);
  if (!res.headersSent) {
    const body = `Internal error: ${e.code}\n`;
    try {
      res.writeHead(500, {
        'content-type': 'text/plain; charset=utf-8',
        'content-length': Buffer.byteLength(body),
      });
      res.end(body);
      return;
    } catch {
      // node:http2 keeps headers a failed writeHead set, so a second one can throw too; reset the stream.
    }
  }
  res.destroy();
}

export function corsHeaders(req: MockRequest): Record<string, string> {
  const origin = req.headers.origin;
  const h: Record<string, string> = {
    'access-control-allow-origin': origin ?? '*',
    'access-control-allow-methods': 'GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS',
    'access-control-allow-headers': req.headers['access-control-request-headers'] ?? '*',
    'access-control-expose-headers': '*',
    'access-control-max-age': '600',
  };
  if (origin) {
    h['access-control-allow-credentials'] = 'true';
    h.vary = 'Origin';
  }
  return h;
}

/** 413: the body is refused on its declared length, or once the streamed count passes the limit. */
export function replyTooLarge(
  res: MockResponse,
  peer: Peer,
  rec: RequestRecord,
  what: string,
  maxBodyBytes: number,
): void {
  rec.handler = 'limit';
  rec.code = 'LIMIT_EXCEEDED';
  rec.message = `${what} exceeds maxBodyBytes (${maxBodyBytes})`;
  const text = `Payload Too Large: ${what} exceeds ${maxBodyBytes} bytes\n`;
  rec.responseBytes = Buffer.byteLength(text);
  if (res.headersSent) return;
  const { stream, socket } = peer;
  res.writeHead(413, {
    'content-type': 'text/plain; charset=utf-8',
    'content-length': rec.responseBytes,
    // On HTTP/2 only this stream ends (the session is shared); `connection` is forbidden there.
    ...(stream ? {} : { connection: 'close' }),
  });
  if (stream) {
    res.end(text);
    closeStreamAfterResponse(stream);
  } else res.end(text, () => socket?.destroySoon());
}

/** 408 for an HTTP/2 request body that did not arrive within requestTimeoutMs. */
export function replyBodyTimeout(res: MockResponse, peer: Peer, rec: RequestRecord, timeoutMs: number): void {
  rec.handler = 'limit';
  rec.code = 'TIMEOUT';
  rec.message = `request body not received within requestTimeoutMs (${timeoutMs} ms)`;
  const text = 'Request Timeout\n';
  rec.responseBytes = text.length;
  if (res.headersSent || res.destroyed) return;
  res.writeHead(408, { 'content-type': 'text/plain; charset=utf-8', 'content-length': text.length });
  res.end(text);
  if (peer.stream) closeStreamAfterResponse(peer.stream);
}

/**
 * nghttp2 enforces maxHeaderListSize only once the client has acknowledged our SETTINGS; until then its
 * own 64 KiB default applies, so a list between the two is refused here, as HTTP/1's parser would. Counted
 * as RFC 9113 §6.5.2 does: name + value + 32 per field. True when the request was answered (431).
 */
export function refuseLargeH2Headers(
  req: MockRequest,
  res: MockResponse,
  peer: Peer,
  rec: RequestRecord,
  maxHeaderBytes: number,
): boolean {
  if (!peer.stream) return false;
  let size = 0;
  for (let i = 0; i + 1 < req.rawHeaders.length; i += 2)
    size += Buffer.byteLength(req.rawHeaders[i] ?? '') + Buffer.byteLength(req.rawHeaders[i + 1] ?? '') + 32;
  if (size <= maxHeaderBytes) return false;
  rec.handler = 'limit';
  rec.code = 'LIMIT_EXCEEDED';
  rec.message = `header list (${size} bytes) exceeds maxHeaderBytes (${maxHeaderBytes})`;
  const text = 'Request Header Fields Too Large\n';
  rec.responseBytes = text.length;
  res.writeHead(431, { 'content-type': 'text/plain; charset=utf-8', 'content-length': text.length });
  res.end(text);
  if (!peer.stream.endAfterHeaders) closeStreamAfterResponse(peer.stream);
  return true;
}
