// Server-Sent Events routes of the mock server: the route's events, each after its pause, `repeat` times
// (0: until the client goes away), as `text/event-stream`. Events carry ids (their own, or their sequence
// number with `autoIds`), so a client that reconnects with Last-Event-ID continues after that event; one
// that resumes after the last event gets 204, which tells an EventSource to stop reconnecting. Writing waits
// for 'drain', so a client that does not read holds at most one socket buffer of events.
import type { SseEventSpec, SseRouteBehaviour } from '../../../shared/contract/http-server';
import { h2Headers, type MockRequest, type MockResponse } from './exchange';
import type { RequestLine } from './handlers';
import type { Peer } from './peer';
import type { RequestRecord } from './record';
import { renderTemplate } from './template';

/** The `id:` an event carries at sequence number `seq` (1-based), or undefined. */
function eventId(sse: SseRouteBehaviour, ev: SseEventSpec, seq: number): string | undefined {
  return ev.id ?? (sse.autoIds ? String(seq) : undefined);
}

/** How many events the stream has already delivered to a client that sent `lastEventId`. */
export function resumeFrom(sse: SseRouteBehaviour, lastEventId: string | undefined): number {
  if (lastEventId === undefined || lastEventId === '') return 0;
  const n = sse.events.length;
  // Explicit ids first: they name one event of the list (in its first round).
  const i = sse.events.findIndex((e) => e.id === lastEventId);
  if (i >= 0) return i + 1;
  if (sse.autoIds && /^[1-9][0-9]{0,15}$/.test(lastEventId)) {
    const seq = Number(lastEventId);
    const total = sse.repeat === 0 ? Infinity : n * sse.repeat;
    return Math.min(seq, total);
  }
  return 0;
}

/** One event as it goes on the wire; every line of the data becomes a `data:` line. */
export function formatEvent(ev: { event?: string; id?: string; data: string }): string {
  let out = '';
  if (ev.event !== undefined) out += `event: ${ev.event}\n`;
  if (ev.id !== undefined) out += `id: ${ev.id}\n`;
  for (const line of ev.data.split(/\r\n|\r|\n/)) out += `data: ${line}\n`;
  return `${out}\n`;
}

function pause(res: MockResponse, ms: number): Promise<boolean> {
  if (res.destroyed) return Promise.resolve(false);
  return new Promise<boolean>((resolve) => {
    const done = (ok: boolean): void => {
      clearTimeout(t);
      res.off('close', onClose);
      resolve(ok);
    };
    const onClose = (): void => done(false);
    const t = setTimeout(() => done(true), ms);
    res.once('close', onClose);
  });
}

function drained(res: MockResponse): Promise<boolean> {
  return new Promise<boolean>((resolve) => {
    const done = (ok: boolean): void => {
      res.off('drain', onDrain);
      res.off('close', onClose);
      resolve(ok);
    };
    const onDrain = (): void => done(true);
    const onClose = (): void => done(false);
    res.once('drain', onDrain);
    res.once('close', onClose);
  });
}

export async function serveSse(
  req: MockRequest,
  res: MockResponse,
  peer: Peer,
  rec: RequestRecord,
  line: RequestLine,
  route: { id?: string; headers: Record<string, string>; sse: SseRouteBehaviour },
  params: Record<string, string>,
): Promise<void> {
  rec.handler = 'sse';
  rec.routeId = route.id;
  const sse = route.sse;
  const n = sse.events.length;
  const total = sse.repeat === 0 ? Infinity : n * sse.repeat;
  const lastId = req.headers['last-event-id'];
  let seq = resumeFrom(sse, typeof lastId === 'string' ? lastId.trim() : undefined);
  rec.messages = { in: 0, out: 0 };
  if (seq >= total) {
    res.writeHead(204, { 'content-length': 0 });
    res.end();
    return;
  }
  // The stream's own Content-Type wins over a route header of any spelling: a client only reads an event
  // stream as one.
  const headers: Record<string, string | number> = {
    ...Object.fromEntries(Object.entries(route.headers).filter(([k]) => k.toLowerCase() !== 'content-type')),
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-cache',
    // Proxies such as nginx would otherwise hold events back in their buffer.
    'x-accel-buffering': 'no',
  };
  if (peer.stream) {
    const safe = h2Headers(headers);
    rec.dropped = safe.dropped;
    res.writeHead(200, safe.headers);
  } else res.writeHead(200, headers);
  if (line.method === 'HEAD') {
    res.end();
    return;
  }
  const write = async (chunk: string): Promise<boolean> => {
    if (res.destroyed) return false;
    rec.responseBytes += Buffer.byteLength(chunk);
    if (res.write(chunk)) return true;
    return drained(res);
  };
  // The status line goes out at once, so a client sees the stream open before the first event's pause.
  if (!(await write(sse.retryMs !== undefined ? `retry: ${sse.retryMs}\n\n` : ':\n\n'))) return;
  const query = new URLSearchParams(line.rawQuery);
  while (seq < total) {
    const ev = sse.events[seq % n] as SseEventSpec;
    if (ev.delayMs > 0 && !(await pause(res, ev.delayMs))) return;
    seq += 1;
    const data = ev.data.includes('{{')
      ? renderTemplate(ev.data, {
          params,
          query,
          headers: req.headers,
          method: line.method,
          path: line.rawPath,
          body: '',
          seq,
        })
      : ev.data;
    const ok = await write(formatEvent({ event: ev.event, id: eventId(sse, ev, seq), data }));
    rec.messages.out += 1;
    if (!ok) return;
  }
  res.end();
}
