// The WebSocket engine over real sockets on 127.0.0.1: client sessions against a `ws` server the test
// controls, and the engine's own echo/broadcast server.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { describe, expect, it, onTestFinished } from 'vitest';
import WebSocket, { WebSocketServer } from 'ws';
import { WsService } from '../../../src/main/engines/ws/service';
import { EngineError } from '../../../src/main/engines/common/errors';
import { WsConnectInput, type WsEvent } from '../../../src/shared/contract/ws';

function service(): { ws: WsService; events: WsEvent[] } {
  const ws = new WsService();
  const events: WsEvent[] = [];
  ws.on((e) => events.push(e));
  onTestFinished(() => ws.closeAll());
  return { ws, events };
}

async function peer(
  options: ConstructorParameters<typeof WebSocketServer>[0] = {},
): Promise<{ wss: WebSocketServer; url: string }> {
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0, ...options });
  onTestFinished(() => new Promise<void>((r) => wss.close(() => r())));
  await new Promise<void>((r) => wss.once('listening', () => r()));
  return { wss, url: `ws://127.0.0.1:${(wss.address() as AddressInfo).port}/path` };
}

function connectInput(url: string, extra: Record<string, unknown> = {}) {
  return WsConnectInput.parse({ url, ...extra });
}

async function until<T>(fn: () => T | undefined, ms = 5000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = fn();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > end) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 10));
  }
}

async function codeOf(p: Promise<unknown> | (() => unknown)): Promise<string> {
  try {
    await (typeof p === 'function' ? p() : p);
  } catch (err) {
    return err instanceof EngineError ? err.code : `not coded: ${String(err)}`;
  }
  return 'no error';
}

describe('WebSocket client sessions', () => {
  it('sends text, JSON and binary, negotiates a subprotocol, sends custom headers and logs both ways', async () => {
    const { wss, url } = await peer({ handleProtocols: (set) => (set.has('chat.v2') ? 'chat.v2' : false) });
    let seenHeader = '';
    wss.on('connection', (sock, req) => {
      seenHeader = String(req.headers['x-token']);
      sock.on('message', (data, isBinary) => sock.send(data, { binary: isBinary }));
    });
    const { ws } = service();
    const info = await ws.connect(
      connectInput(url, { protocols: ['chat.v1', 'chat.v2'], headers: { 'X-Token': 'abc' } }),
    );
    expect(info.state).toBe('open');
    expect(info.protocol).toBe('chat.v2');
    expect(seenHeader).toBe('abc');

    await ws.send({ session: info.session, data: 'hello', kind: 'text' });
    await ws.send({ session: info.session, data: '{"a":1}', kind: 'json' });
    await ws.send({ session: info.session, data: '00 ff 10', kind: 'hex' });
    const log = await until(() => {
      const m = ws.messages({ session: info.session }).messages;
      return m.filter((x) => x.dir === 'in').length === 3 ? m : undefined;
    });
    const inbound = log.filter((m) => m.dir === 'in');
    expect(inbound.map((m) => m.kind)).toEqual(['text', 'text', 'binary']);
    expect(inbound[0]?.text).toBe('hello');
    expect(inbound[1]?.text).toBe('{"a":1}');
    expect(inbound[2]?.hex).toBe('00ff10');
    expect(log.filter((m) => m.dir === 'out')).toHaveLength(3);
    const listed = ws.list().clients[0];
    expect(listed?.messagesIn).toBe(3);
    expect(listed?.bytesOut).toBe(5 + 7 + 3);
  });

  it('refuses invalid JSON, bad hex, reserved close codes and sending when closed, with codes', async () => {
    const { url } = await peer();
    const { ws } = service();
    const { session } = await ws.connect(connectInput(url));
    expect(await codeOf(() => ws.send({ session, data: '{nope', kind: 'json' }))).toBe('INVALID_JSON');
    expect(await codeOf(() => ws.send({ session, data: 'zz', kind: 'hex' }))).toBe('INVALID_HEX');
    expect(await codeOf(() => ws.close({ session, code: 1005, reason: '' }))).toBe('WS_INVALID_CLOSE_CODE');
    expect(await codeOf(() => ws.close({ session, code: 2999, reason: '' }))).toBe('WS_INVALID_CLOSE_CODE');
    await ws.close({ session, code: 4000, reason: 'done' });
    expect(ws.list().clients[0]?.state).toBe('closed');
    expect(ws.list().clients[0]?.closeCode).toBe(4000);
    expect(await codeOf(() => ws.send({ session, data: 'x', kind: 'text' }))).toBe('NOT_CONNECTED');
    expect(await codeOf(() => ws.send({ session: 'ws-999', data: 'x', kind: 'text' }))).toBe('NOT_FOUND');
  });

  it('maps bad URLs, refused connections, failed upgrades and silent servers to codes', async () => {
    const { ws } = service();
    expect(await codeOf(ws.connect(connectInput('ftp://127.0.0.1/')))).toBe('WS_INVALID_URL');
    expect(await codeOf(ws.connect(connectInput('not a url')))).toBe('WS_INVALID_URL');

    const plain = http.createServer((_q, r) => r.writeHead(404).end());
    await new Promise<void>((r) => plain.listen(0, '127.0.0.1', r));
    const port = (plain.address() as AddressInfo).port;
    expect(await codeOf(ws.connect(connectInput(`ws://127.0.0.1:${port}/`)))).toBe('WS_HANDSHAKE_FAILED');

    await new Promise<void>((r) => plain.close(() => r()));
    expect(await codeOf(ws.connect(connectInput(`ws://127.0.0.1:${port}/`)))).toBe('CONNECTION_REFUSED');

    // A server that accepts TCP but never answers the upgrade.
    const silent = http.createServer();
    const held: Duplex[] = [];
    silent.on('upgrade', (_req, sock: Duplex) => held.push(sock));
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
    onTestFinished(() => {
      for (const sock of held) sock.destroy();
      return new Promise<void>((r) => silent.close(() => r()));
    });
    const sp = (silent.address() as AddressInfo).port;
    expect(await codeOf(ws.connect(connectInput(`ws://127.0.0.1:${sp}/`, { timeoutMs: 200 })))).toBe(
      'TIMEOUT',
    );
    expect(ws.list().clients).toHaveLength(0);
  });

  it('closes with 1009 and WS_MESSAGE_TOO_LARGE when a message exceeds maxMessageBytes', async () => {
    const { wss, url } = await peer();
    wss.on('connection', (sock) => sock.send(Buffer.alloc(2048)));
    const { ws, events } = service();
    const { session } = await ws.connect(connectInput(url, { maxMessageBytes: 1024 }));
    const closed = await until(() => events.find((e) => e.type === 'closed'));
    expect(closed.type === 'closed' && closed.code).toBe(1009);
    expect(events.some((e) => e.type === 'error' && e.code === 'WS_MESSAGE_TOO_LARGE')).toBe(true);
    expect(ws.messages({ session }).messages.filter((m) => m.dir === 'in')).toHaveLength(0);
  });

  it('keeps the log to logLength, counts the dropped ones, and sees pings, pongs and the peer close', async () => {
    const { wss, url } = await peer();
    wss.on('connection', (sock) => {
      for (let i = 0; i < 20; i++) sock.send(`m${i}`);
      sock.on('message', () => sock.close(4001, 'bye'));
    });
    const { ws, events } = service();
    const { session } = await ws.connect(connectInput(url, { logLength: 5 }));
    await until(() => ws.list().clients[0]?.messagesIn === 20 || undefined);
    const { messages, dropped } = ws.messages({ session });
    expect(messages.map((m) => m.text)).toEqual(['m15', 'm16', 'm17', 'm18', 'm19']);
    expect(dropped).toBe(15);

    ws.ping({ session, data: 'hi' });
    await until(() => ws.messages({ session }).messages.find((m) => m.kind === 'pong' && m.dir === 'in'));
    await ws.send({ session, data: 'close please', kind: 'text' });
    const closed = await until(() => events.find((e) => e.type === 'closed'));
    expect(closed).toMatchObject({ code: 4001, reason: 'bye', by: 'remote' });
  });
});

describe('WebSocket server (ws serve)', () => {
  it('echoes with the same frame type and broadcasts to every client', async () => {
    const { ws } = service();
    const echo = await ws.serverStart({
      host: '127.0.0.1',
      port: 0,
      mode: 'echo',
      maxClients: 10,
      maxMessageBytes: 1024,
    });
    const a = await ws.connect(connectInput(`ws://127.0.0.1:${echo.port}/`));
    await ws.send({ session: a.session, data: 'ping?', kind: 'text' });
    await ws.send({ session: a.session, data: 'cafe', kind: 'hex' });
    const got = await until(() => {
      const m = ws.messages({ session: a.session }).messages.filter((x) => x.dir === 'in');
      return m.length === 2 ? m : undefined;
    });
    expect(got.map((m) => [m.kind, m.text ?? m.hex])).toEqual([
      ['text', 'ping?'],
      ['binary', 'cafe'],
    ]);

    const bc = await ws.serverStart({
      host: '127.0.0.1',
      port: 0,
      mode: 'broadcast',
      maxClients: 10,
      maxMessageBytes: 1024,
    });
    const c1 = await ws.connect(connectInput(`ws://127.0.0.1:${bc.port}/`));
    const c2 = await ws.connect(connectInput(`ws://127.0.0.1:${bc.port}/`));
    await ws.send({ session: c1.session, data: 'to all', kind: 'text' });
    for (const c of [c1, c2])
      await until(() =>
        ws.messages({ session: c.session }).messages.find((m) => m.dir === 'in' && m.text === 'to all'),
      );
    expect(ws.list().servers.find((s) => s.session === bc.session)?.clients).toBe(2);
    expect(await ws.serverStop({ session: bc.session })).toEqual({ closedClients: 2 });
    await until(() => ws.list().clients.find((c) => c.session === c1.session && c.closeCode === 1001));
  });

  it('refuses clients above maxClients and messages above maxMessageBytes; ADDRESS_IN_USE for a taken port', async () => {
    const { ws } = service();
    const s = await ws.serverStart({
      host: '127.0.0.1',
      port: 0,
      mode: 'echo',
      maxClients: 1,
      maxMessageBytes: 16,
    });
    await ws.connect(connectInput(`ws://127.0.0.1:${s.port}/`));
    expect(await codeOf(ws.connect(connectInput(`ws://127.0.0.1:${s.port}/`)))).toBe('WS_HANDSHAKE_FAILED');

    const s2 = await ws.serverStart({
      host: '127.0.0.1',
      port: 0,
      mode: 'echo',
      maxClients: 5,
      maxMessageBytes: 16,
    });
    const big = new WebSocket(`ws://127.0.0.1:${s2.port}/`);
    onTestFinished(() => big.terminate());
    await new Promise((r) => big.once('open', r));
    const code = new Promise<number>((r) => big.once('close', (c) => r(c)));
    big.send('x'.repeat(17));
    expect(await code).toBe(1009);

    expect(
      await codeOf(
        ws.serverStart({ host: '127.0.0.1', port: s.port, mode: 'echo', maxClients: 1, maxMessageBytes: 16 }),
      ),
    ).toBe('ADDRESS_IN_USE');
  });
});
