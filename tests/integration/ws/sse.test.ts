// SSE client sessions against a node:http event-stream server on 127.0.0.1: events, reconnect with
// Last-Event-ID after the stream ends, the server's retry honoured, 204 and non-streams refused.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it, onTestFinished } from 'vitest';
import { WsService } from '../../../src/main/engines/ws/service';
import { EngineError } from '../../../src/main/engines/common/errors';
import { SseConnectInput } from '../../../src/shared/contract/ws';

async function server(handler: http.RequestListener): Promise<string> {
  const s = http.createServer(handler);
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  onTestFinished(() => {
    s.closeAllConnections();
    return new Promise<void>((r) => s.close(() => r()));
  });
  return `http://127.0.0.1:${(s.address() as AddressInfo).port}/events`;
}

function engine(): WsService {
  // A long default retry makes the test fail if the server's `retry:` is not honoured.
  const ws = new WsService({ sseRetryMs: 60_000 });
  onTestFinished(() => ws.closeAll());
  return ws;
}

async function until<T>(fn: () => T | undefined, ms = 5000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = fn();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe('SSE client sessions', () => {
  it('parses events, reconnects after the stream ends with Last-Event-ID, waiting the retry the server set', async () => {
    const seenIds: (string | undefined)[] = [];
    let calls = 0;
    const url = await server((req, res) => {
      calls += 1;
      seenIds.push(req.headers['last-event-id'] as string | undefined);
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      if (calls === 1) {
        res.write('retry: 50\n: a comment\n\n');
        res.write('id: 1\ndata: first\n\n');
        res.write('event: tick\nid: 2\ndata: two\ndata: lines\r\n\r\n');
        res.end('data: never dispatched');
      } else {
        res.write('data: after reconnect\n\n');
      }
    });
    const ws = engine();
    const info = await ws.sseConnect(SseConnectInput.parse({ url }));
    expect(info.state).toBe('open');
    const { events } = await until(() => {
      const r = ws.sseEvents({ session: info.session });
      return r.events.length === 3 ? r : undefined;
    });
    expect(events.map((e) => [e.event, e.data, e.id])).toEqual([
      ['message', 'first', '1'],
      ['tick', 'two\nlines', '2'],
      ['message', 'after reconnect', '2'],
    ]);
    expect(seenIds).toEqual([undefined, '2']);
    const listed = ws.list().sse[0];
    expect(listed).toMatchObject({ reconnects: 1, retryMs: 50, lastEventId: '2', state: 'open' });
  });

  it('sends the given Last-Event-ID on the first request and stops after maxReconnects', async () => {
    const seen: (string | undefined)[] = [];
    const url = await server((req, res) => {
      seen.push(req.headers['last-event-id'] as string | undefined);
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.end('retry: 10\n\n');
    });
    const ws = engine();
    const info = await ws.sseConnect(SseConnectInput.parse({ url, lastEventId: '41', maxReconnects: 2 }));
    await until(() => (ws.list().sse[0]?.state === 'closed' ? true : undefined));
    expect(seen).toEqual(['41', '41', '41']);
    expect(ws.list().sse.find((s) => s.session === info.session)?.reconnects).toBe(2);
  });

  it('refuses a response that is not an event stream, and a bad URL, with codes', async () => {
    const url = await server((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{}');
    });
    const ws = engine();
    const code = (p: Promise<unknown>) =>
      p.then(
        () => 'no error',
        (e: unknown) => (e instanceof EngineError ? e.code : String(e)),
      );
    expect(await code(ws.sseConnect(SseConnectInput.parse({ url })))).toBe('SSE_BAD_RESPONSE');
    expect(await code(ws.sseConnect(SseConnectInput.parse({ url: 'ws://127.0.0.1:1/' })))).toBe(
      'INVALID_URL',
    );
    expect(ws.list().sse).toHaveLength(0);
  });

  it('closes the session with LIMIT_EXCEEDED when an event is above maxEventBytes', async () => {
    const url = await server((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write(`data: ${'x'.repeat(5000)}\n\n`);
    });
    const ws = new WsService();
    onTestFinished(() => ws.closeAll());
    const errors: string[] = [];
    ws.on((e) => {
      if (e.type === 'error') errors.push(e.code);
    });
    await ws.sseConnect(SseConnectInput.parse({ url, maxEventBytes: 1024 }));
    await until(() => (ws.list().sse[0]?.state === 'closed' ? true : undefined));
    expect(errors).toEqual(['LIMIT_EXCEEDED']);
  });
});
