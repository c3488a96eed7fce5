// What the inspector learns about one exchange while it is served, and the InspectedRequest it becomes
// once the response has ended (or the exchange was cut off).
import type { HttpServerHandler, InspectedRequest } from '../../../shared/contract/http-server';
import type { MockRequest, MockResponse } from './exchange';
import type { Peer } from './peer';

export interface RequestRecord {
  handler: HttpServerHandler;
  routeId: string | undefined;
  bodyBytes: number;
  preview: Buffer[];
  previewBytes: number;
  responseBytes: number;
  code: string | undefined;
  message: string | undefined;
  dropped: string[];
  /** Streaming routes: messages (events) in and out. */
  messages?: { in: number; out: number };
}

export function newRecord(): RequestRecord {
  return {
    handler: 'not-found',
    routeId: undefined,
    bodyBytes: 0,
    preview: [],
    previewBytes: 0,
    responseBytes: 0,
    code: undefined,
    message: undefined,
    dropped: [],
  };
}

/** Keeps the first `cap` bytes of the request body for the inspector. */
export function previewChunk(rec: RequestRecord, chunk: Buffer, cap: number): void {
  if (rec.previewBytes >= cap) return;
  const take = chunk.subarray(0, cap - rec.previewBytes);
  rec.preview.push(Buffer.from(take));
  rec.previewBytes += take.length;
}

export function headerPairs(raw: string[]): [string, string][] {
  const out: [string, string][] = [];
  for (let i = 0; i + 1 < raw.length; i += 2) out.push([raw[i] as string, raw[i + 1] as string]);
  return out;
}

export function inspectedRequest(
  rec: RequestRecord,
  req: MockRequest,
  res: MockResponse,
  peer: Peer,
  meta: { id: string; method: string; url: string; startedAt: number; durationMs: number },
): InspectedRequest {
  const request: InspectedRequest = {
    id: meta.id,
    method: meta.method,
    url: meta.url,
    httpVersion: req.httpVersion,
    headers: headerPairs(req.rawHeaders),
    remoteAddress: peer.remoteAddress,
    remotePort: peer.remotePort,
    body: rec.previewBytes ? new Uint8Array(Buffer.concat(rec.preview, rec.previewBytes)) : new Uint8Array(0),
    bodyBytes: rec.bodyBytes,
    bodyTruncated: rec.bodyBytes > rec.previewBytes,
    status: res.statusCode,
    handler: rec.handler,
    routeId: rec.routeId,
    responseBytes: rec.responseBytes,
    startedAt: meta.startedAt,
    durationMs: meta.durationMs,
  };
  if (rec.dropped.length) request.droppedHeaders = rec.dropped;
  if (rec.messages) request.messages = { ...rec.messages };
  if (rec.code) {
    request.code = rec.code;
    request.message = rec.message;
  } else if (!res.writableFinished && rec.handler !== 'sse') {
    // An event stream ends when its client leaves (it may repeat forever): that is not a reset.
    request.code = 'CONNECTION_RESET';
    request.message = 'client closed the connection before the response ended';
  }
  return request;
}
