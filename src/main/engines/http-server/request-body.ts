// Reading a request body under the limits: refused on its declared length first (by the caller), then
// counted while streaming — never buffered past maxBodyBytes. Handlers that do not use the body get it
// counted and previewed for the inspector but not held, so concurrent uploads to a static folder cost no
// memory.
import type { HttpServerLimits } from '../../../shared/contract/http-server';
import type { MockRequest } from './exchange';
import type { Peer } from './peer';
import { previewChunk, type RequestRecord } from './record';

export type BodyResult =
  { ok: true; body: Buffer } | { ok: false; reason: 'too-large' | 'timeout' | 'incomplete' };

/** Whether the request carries a body at all. HTTP/2 frames bodies itself: one unless END_STREAM came with the headers. */
export function hasRequestBody(req: MockRequest, peer: Peer, declared: number | undefined): boolean {
  if (declared !== undefined) return declared > 0;
  if (peer.stream) return !peer.stream.endAfterHeaders;
  return req.headers['transfer-encoding'] !== undefined;
}

export async function readRequestBody(
  req: MockRequest,
  peer: Peer,
  limits: HttpServerLimits,
  rec: RequestRecord,
  keep: boolean,
): Promise<BodyResult> {
  const chunks: Buffer[] = [];
  let timedOut = false;
  const ok = await new Promise<boolean>((resolve) => {
    // HTTP/1's requestTimeout is node's parser's; an h2 stream gets the same bound here.
    const timer = peer.stream
      ? setTimeout(() => {
          timedOut = true;
          req.pause();
          resolve(false);
        }, limits.requestTimeoutMs)
      : undefined;
    const done = (v: boolean) => {
      clearTimeout(timer);
      resolve(v);
    };
    req.on('data', (chunk: Buffer) => {
      rec.bodyBytes += chunk.length;
      if (rec.bodyBytes > limits.maxBodyBytes) {
        req.pause();
        done(false);
        return;
      }
      if (keep) chunks.push(chunk);
      previewChunk(rec, chunk, limits.inspectorBodyBytes);
    });
    req.once('end', () => done(true));
    req.once('error', () => done(false));
    // node:http2's compatibility request ends its stream even when the client reset it ('aborted'
    // comes first), and reports `complete` for a closed stream either way.
    req.once('aborted', () => done(false));
    req.once('close', () => done(peer.stream ? req.readableEnded : req.complete));
  });
  if (ok) return { ok: true, body: keep ? Buffer.concat(chunks, rec.bodyBytes) : Buffer.alloc(0) };
  if (rec.bodyBytes > limits.maxBodyBytes) return { ok: false, reason: 'too-large' };
  return { ok: false, reason: timedOut ? 'timeout' : 'incomplete' };
}
