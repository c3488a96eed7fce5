// WebSocket and SSE routes of the mock server over real sockets: `ws` clients for echo, broadcast and
// scripted replies, Wirelab's own SSE client for streams that resume with Last-Event-ID, the inspector's
// entries for both, refusals (404 upgrade, 426 plain GET, 1009 oversized message) and coded bad input.
import { request as httpRequest } from 'node:http';
import { describe, expect, it, onTestFinished } from 'vitest';
import WebSocket from 'ws';
import { HttpMockServer } from '../../../src/main/engines/http-server/server';
import { SseClientSession } from '../../../src/main/engines/ws/sse';
import { testServices } from '../../helpers/services';
import {
  HttpRoute,
  HttpServerLimits,
  type HttpRouteInput,
  type HttpServerEvent,
  type InspectedRequest,
} from '../../../src/shared/contract/http-server';
import type { WsEvent } from '../../../src/shared/contract/ws';

const WAIT = { timeout: 20_000 };

async function server(routes: HttpRouteInput[], limits: Record<string, number> = {}) {
  const s = new HttpMockServer('t', {
    port: 0,
    host: '127.0.0.1',
    routes: routes.map((r) => HttpRoute.parse(r)),
    limits: HttpServerLimits.parse(limits),
  });
  const events: HttpServerEvent[] = [];
  s.on((e) => events.push(e));
  onTestFinished(() => s.close());
  const info = await s.start();
  const requests = (): InspectedRequest[] => events.flatMap((e) => (e.type === 'request' ? [e.request] : []));
  return { s, info, ws: info.url.replace('http:', 'ws:'), requests };
}

interface Client {
  ws: WebSocket;
  got: { data: string; binary: boolean }[];
  closed: Promise<{ code: number; reason: string }>;
}

function connect(url: string): Promise<Client> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url);
    const got: Client['got'] = [];
    // Listening from the start: a greeting may arrive in the same read as the handshake.
    ws.on('message', (d, binary) =>
      got.push({ data: binary ? (d as Buffer).toString('hex') : String(d), binary }),
    );
    const closed = new Promise<{ code: number; reason: string }>((r) =>
      ws.on('close', (code, reason) => r({ code, reason: reason.toString() })),
    );
    onTestFinished(() => ws.terminate());
    ws.once('open', () => resolve({ ws, got, closed }));
    ws.once('error', reject);
  });
}

/** The status a refused handshake got. */
function refused(url: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url);
    ws.once('unexpected-response', (_req, res) => {
      resolve(res.statusCode ?? 0);
      ws.terminate();
    });
    ws.once('error', () => undefined);
    ws.once('open', () => reject(new Error('handshake unexpectedly accepted')));
  });
}

function plainGet(url: string): Promise<{ status: number; headers: Record<string, unknown>; body: string }> {
  return new Promise((resolve, reject) => {
    httpRequest(url, { agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    })
      .on('error', reject)
      .end();
  });
}

describe('WebSocket routes', () => {
  it('echo answers text and binary to the sender; the inspector reports the connection with its counts', async () => {
    const { ws, requests } = await server([{ id: 'echo', path: '/echo', kind: 'ws' }]);
    const c = await connect(`${ws}/echo`);
    c.ws.send('hello');
    c.ws.send(Buffer.from([0xde, 0xad]));
    await expect
      .poll(() => c.got, WAIT)
      .toEqual([
        { data: 'hello', binary: false },
        { data: 'dead', binary: true },
      ]);
    c.ws.close(1000);
    await c.closed;
    await expect.poll(() => requests().length, WAIT).toBe(1);
    expect(requests()[0]).toMatchObject({
      status: 101,
      handler: 'ws',
      routeId: 'echo',
      url: '/echo',
      messages: { in: 2, out: 2 },
      responseBytes: 7,
    });
    expect(requests()[0]?.code).toBeUndefined();
  });

  it("broadcast reaches every client of the route (the sender too), not another route's clients", async () => {
    const { ws } = await server([
      { id: 'room', path: '/room/:name', kind: 'ws', ws: { mode: 'broadcast' } },
      { id: 'other', path: '/other', kind: 'ws', ws: { mode: 'broadcast' } },
    ]);
    const a = await connect(`${ws}/room/x`);
    const b = await connect(`${ws}/room/y`);
    const o = await connect(`${ws}/other`);
    a.ws.send('from a');
    await expect.poll(() => b.got.map((m) => m.data), WAIT).toEqual(['from a']);
    await expect.poll(() => a.got.map((m) => m.data), WAIT).toEqual(['from a']);
    o.ws.send('from o');
    await expect.poll(() => o.got.map((m) => m.data), WAIT).toEqual(['from o']);
    expect(a.got).toHaveLength(1);
    expect(b.got).toHaveLength(1);
  });

  it('script: greeting, rules (equals, contains, regex) with templates, fallback, reply to all, close code', async () => {
    const { ws } = await server([
      {
        id: 'bot',
        path: '/chat/:room',
        kind: 'ws',
        ws: {
          mode: 'script',
          greeting: ['welcome to {{params.room}} as {{query.user}}'],
          rules: [
            { match: 'equals', pattern: 'ping', reply: 'pong #{{seq}}' },
            { match: 'regex', pattern: '^add (\\d+)$', reply: '{"got":"{{body}}"}' },
            { match: 'contains', pattern: 'shout', reply: 'everyone: {{body}}', to: 'all' },
            { match: 'equals', pattern: 'bye', reply: 'see you', closeCode: 4001, delayMs: 20 },
          ],
          fallback: 'ignore',
        },
      },
    ]);
    const a = await connect(`${ws}/chat/lobby?user=ada`);
    const b = await connect(`${ws}/chat/lobby?user=bob`);
    await expect.poll(() => a.got.map((m) => m.data), WAIT).toEqual(['welcome to lobby as ada']);
    a.ws.send('ping');
    a.ws.send('nothing matches this');
    a.ws.send('add 42');
    a.ws.send('please shout');
    await expect
      .poll(() => a.got.map((m) => m.data), WAIT)
      .toEqual(['welcome to lobby as ada', 'pong #1', '{"got":"add 42"}', 'everyone: please shout']);
    await expect
      .poll(() => b.got.map((m) => m.data), WAIT)
      .toEqual(['welcome to lobby as bob', 'everyone: please shout']);
    a.ws.send('bye');
    expect(await a.closed).toEqual({ code: 4001, reason: '' });
    expect(a.got.at(-1)?.data).toBe('see you');
  });

  it('an oversized message closes that client with 1009 and is reported as LIMIT_EXCEEDED', async () => {
    const { ws, requests } = await server([{ path: '/echo', kind: 'ws' }], { maxWsMessageBytes: 1024 });
    const c = await connect(`${ws}/echo`);
    c.ws.on('error', () => undefined);
    c.ws.send('x'.repeat(2048));
    expect((await c.closed).code).toBe(1009);
    await expect.poll(() => requests()[0]?.code, WAIT).toBe('LIMIT_EXCEEDED');
    // The server keeps serving others.
    const d = await connect(`${ws}/echo`);
    d.ws.send('still here');
    await expect.poll(() => d.got.map((m) => m.data), WAIT).toEqual(['still here']);
  });

  it('upgrades: 404 where no WebSocket route is, 426 for a plain GET of one; routes added by update() work', async () => {
    const { s, ws, info, requests } = await server([{ id: 'plain', path: '/plain', body: 'just http' }]);
    // Without a WebSocket route an upgrade is an ordinary request: the route answers 200, no handshake.
    expect(await refused(`${ws}/plain`)).toBe(200);
    await s.update({ routes: [HttpRoute.parse({ id: 'live', path: '/live', kind: 'ws' })] });
    expect(await refused(`${ws}/nowhere`)).toBe(404);
    await expect
      .poll(() => requests().some((r) => r.url === '/nowhere' && r.status === 404), WAIT)
      .toBe(true);
    const plain = await plainGet(`${info.url}/live`);
    expect(plain.status).toBe(426);
    expect(plain.headers.upgrade).toBe('websocket');
    const c = await connect(`${ws}/live`);
    c.ws.send('after update');
    await expect.poll(() => c.got.map((m) => m.data), WAIT).toEqual(['after update']);
    // Removing the route closes nothing already open, and new upgrades are ordinary requests again.
    await s.update({ routes: [] });
    expect(await refused(`${ws}/live`)).toBe(404);
  });

  it('stopping the server closes its WebSocket clients with 1001', async () => {
    const { s, ws } = await server([{ path: '/echo', kind: 'ws' }]);
    const c = await connect(`${ws}/echo`);
    await s.close();
    expect((await c.closed).code).toBe(1001);
  });
});

describe('SSE routes', () => {
  function sseClient(url: string, lastEventId?: string) {
    const events: WsEvent[] = [];
    const c = new SseClientSession('sse', {
      url,
      headers: {},
      lastEventId,
      reconnect: true,
      maxReconnects: 5,
      timeoutMs: 10_000,
      maxEventBytes: 1024 * 1024,
      logLength: 1000,
      maxPreviewBytes: 64 * 1024,
      retryMs: 50,
      maxRetryMs: 1000,
    });
    c.on((e) => events.push(e));
    onTestFinished(() => c.close());
    const received = () =>
      events.flatMap((e) =>
        e.type === 'sse.event' ? [`${e.event.id}|${e.event.event}|${e.event.data}`] : [],
      );
    const states = () => events.flatMap((e) => (e.type === 'sse.state' ? [e.info.state] : []));
    return { c, received, states };
  }

  const ticker: HttpRouteInput = {
    id: 'ticks',
    path: '/ticks/:feed',
    kind: 'sse',
    // A Content-Type of the route's own does not replace the stream's.
    headers: { 'X-Feed': 'yes', 'Content-Type': 'application/json' },
    sse: {
      retryMs: 50,
      repeat: 2,
      events: [
        { event: 'tick', data: '{{params.feed}} #{{seq}}', delayMs: 5 },
        { data: 'line one\nline two', delayMs: 5 },
      ],
    },
  };

  it('streams the events with ids, names, templates and multi-line data; after the last one 204 ends reconnecting', async () => {
    const { info, requests } = await server([ticker]);
    const raw = await plainGet(`${info.url}/ticks/eur`);
    expect(raw.status).toBe(200);
    expect(raw.headers['content-type']).toBe('text/event-stream; charset=utf-8');
    expect(raw.headers['x-feed']).toBe('yes');
    expect(raw.body).toBe(
      'retry: 50\n\n' +
        'event: tick\nid: 1\ndata: eur #1\n\n' +
        'id: 2\ndata: line one\ndata: line two\n\n' +
        'event: tick\nid: 3\ndata: eur #3\n\n' +
        'id: 4\ndata: line one\ndata: line two\n\n',
    );
    await expect.poll(() => requests().length, WAIT).toBe(1);
    expect(requests()[0]).toMatchObject({
      handler: 'sse',
      status: 200,
      routeId: 'ticks',
      messages: { out: 4 },
    });
    expect(requests()[0]?.code).toBeUndefined();

    // Wirelab's EventSource-like client: the stream ends, it reconnects with Last-Event-ID 4, gets 204, stops.
    const sse = sseClient(`${info.url}/ticks/usd`);
    await sse.c.connect();
    await expect.poll(() => sse.states().at(-1), WAIT).toBe('closed');
    expect(sse.received()).toEqual([
      '1|tick|usd #1',
      '2|message|line one\nline two',
      '3|tick|usd #3',
      '4|message|line one\nline two',
    ]);
    await expect
      .poll(
        () =>
          requests()
            .filter((r) => r.url === '/ticks/usd')
            .map((r) => r.status),
        WAIT,
      )
      .toEqual([200, 204]);
  });

  it('resumes after Last-Event-ID (sequence numbers and explicit ids)', async () => {
    const { info } = await server([
      ticker,
      {
        path: '/named',
        kind: 'sse',
        sse: {
          autoIds: false,
          events: [
            { id: 'a', data: 'A', delayMs: 0 },
            { id: 'b', data: 'B', delayMs: 0 },
            { data: 'C', delayMs: 0 },
          ],
        },
      },
    ]);
    const resumed = sseClient(`${info.url}/ticks/gbp`, '2');
    await resumed.c.connect();
    await expect.poll(() => resumed.states().at(-1), WAIT).toBe('closed');
    expect(resumed.received()).toEqual(['3|tick|gbp #3', '4|message|line one\nline two']);
    const named = await new Promise<string>((resolve, reject) => {
      httpRequest(`${info.url}/named`, { agent: false, headers: { 'last-event-id': 'a' } }, (res) => {
        let body = '';
        res.on('data', (c: Buffer) => (body += c.toString()));
        res.on('end', () => resolve(body));
      })
        .on('error', reject)
        .end();
    });
    expect(named).toBe(':\n\nid: b\ndata: B\n\ndata: C\n\n');
  });

  it('repeat 0 streams until the client goes away; the inspector counts the events, no error', async () => {
    const { info, requests } = await server([
      { path: '/forever', kind: 'sse', sse: { repeat: 0, events: [{ data: 'x', delayMs: 1 }] } },
    ]);
    const sse = sseClient(`${info.url}/forever`);
    await sse.c.connect();
    await expect.poll(() => sse.received().length, WAIT).toBeGreaterThan(20);
    sse.c.close();
    await expect.poll(() => requests().length, WAIT).toBe(1);
    expect(requests()[0]?.messages?.out).toBeGreaterThan(20);
    expect(requests()[0]?.code).toBeUndefined();
  });
});

describe('streaming routes through the dispatcher', () => {
  it('bad WebSocket and SSE routes are coded errors', async () => {
    const services = testServices('wl-http-streams-');
    const start = (route: unknown) =>
      services.dispatcher.call('httpServer.start', { port: 0, routes: [route] });
    expect(await start({ path: '/s', kind: 'sse' })).toMatchObject({
      ok: false,
      error: { code: 'INVALID_INPUT' },
    });
    expect(await start({ path: '/s', kind: 'sse', sse: { events: [] } })).toMatchObject({
      ok: false,
      error: { code: 'INVALID_INPUT' },
    });
    expect(await start({ path: '/s', kind: 'sse', sse: { events: [{ id: 'a\nb' }] } })).toMatchObject({
      ok: false,
      error: { code: 'INVALID_INPUT' },
    });
    expect(await start({ path: '/w', kind: 'ws', method: 'POST' })).toMatchObject({
      ok: false,
      error: { code: 'INVALID_INPUT' },
    });
    expect(
      await start({
        path: '/w',
        kind: 'ws',
        ws: { mode: 'script', rules: [{ match: 'regex', pattern: '(' }] },
      }),
    ).toMatchObject({ ok: false, error: { code: 'INVALID_INPUT' } });
    expect(
      await start({
        path: '/w',
        kind: 'ws',
        ws: { mode: 'script', rules: [{ reply: 'x', closeCode: 1006 }] },
      }),
    ).toMatchObject({ ok: false, error: { code: 'WS_INVALID_CLOSE_CODE' } });
    expect(
      await start({ path: '/w', kind: 'ws', ws: { mode: 'script', rules: [{ reply: 'ok' }] } }),
    ).toMatchObject({
      ok: true,
    });
  });
});
