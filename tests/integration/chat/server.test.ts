import { describe, expect, it } from 'vitest';
import type { Socket } from 'node:net';
import { onTestFinished } from 'vitest';
import { collect, rawConnect, waitFor } from '../../helpers/net';
import { connectClient, makeClient, received, startServer } from './helpers';

async function raw(port: number): Promise<Socket> {
  const s = await rawConnect(port);
  onTestFinished(() => {
    s.destroy();
  });
  return s;
}

function hello(nick: string, extra: Record<string, unknown> = {}): string {
  return `${JSON.stringify({ t: 'hello', v: 1, nick, identity: `id-${nick}-secret`, ...extra })}\n`;
}

function frames(text: string): Record<string, unknown>[] {
  return text
    .split('\n')
    .filter((l) => l.length > 0)
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

describe('chat server: the classic scenario and rooms', () => {
  it('three clients: a message reaches the other two and not the sender', async () => {
    const { port } = await startServer();
    const a = await connectClient(port, 'alice');
    const b = await connectClient(port, 'bob');
    const c = await connectClient(port, 'carol');
    await waitFor(
      () => c.client.membersOf('lobby').length === 3 && a.client.membersOf('lobby').length === 3,
      5000,
      'presence',
    );
    const id = a.client.send({ room: 'lobby' }, 'Hello, everyone!');
    await waitFor(() => received(b.events).length === 1 && received(c.events).length === 1, 5000, 'delivery');
    expect(received(b.events)[0]).toMatchObject({
      id,
      text: 'Hello, everyone!',
      from: 'alice',
      room: 'lobby',
    });
    expect(received(c.events)[0]).toMatchObject({ id, text: 'Hello, everyone!', from: 'alice' });
    await waitFor(() => a.events.some((e) => e.type === 'client.ack' && e.id === id));
    expect(received(a.events)).toEqual([]);
    expect(a.client.messages({ room: 'lobby' })).toMatchObject([{ id, status: 'sent', seq: 1 }]);
  });

  it('rooms: create by joining, list with member counts, leave, presence notices, history on join', async () => {
    const { port } = await startServer({ historyOnJoin: 2 });
    const a = await connectClient(port, 'alice');
    const b = await connectClient(port, 'bob');
    a.client.join('dev');
    await waitFor(() => a.client.membersOf('dev').length === 1);
    for (const t of ['one', 'two', 'three']) a.client.send({ room: 'dev' }, t);
    await waitFor(() => a.client.info().pending === 0);
    const rooms = await b.client.listRooms();
    expect(rooms).toEqual(
      expect.arrayContaining([
        { name: 'lobby', members: 2, lastSeq: 0 },
        { name: 'dev', members: 1, lastSeq: 3 },
      ]),
    );
    b.client.join('dev');
    // History on join is the last N (historyOnJoin = 2).
    await waitFor(() => received(b.events).length === 2, 5000, 'history');
    expect(received(b.events).map((m) => m.text)).toEqual(['two', 'three']);
    await waitFor(() =>
      a.events.some(
        (e) => e.type === 'client.presence' && e.room === 'dev' && e.nick === 'bob' && e.event === 'join',
      ),
    );
    b.client.leave('dev');
    await waitFor(() =>
      a.events.some(
        (e) => e.type === 'client.presence' && e.room === 'dev' && e.nick === 'bob' && e.event === 'leave',
      ),
    );
    expect(a.client.membersOf('dev')).toEqual(['alice']);
  });

  it('nicknames are unique per server; the same identity takes its nickname back', async () => {
    const { port } = await startServer();
    await connectClient(port, 'alice');
    const { makeClient } = await import('./helpers');
    const impostor = makeClient(port, 'alice', { identity: 'someone-else-entirely' });
    await expect(impostor.client.start()).rejects.toMatchObject({ code: 'CHAT_NICK_TAKEN' });
    // The real alice reconnecting from elsewhere replaces the stale connection.
    const again = makeClient(port, 'alice');
    await expect(again.client.start()).resolves.toMatchObject({ state: 'open' });
  });

  it('private messages go to one member only; typing indicators reach the room', async () => {
    const { port } = await startServer();
    const a = await connectClient(port, 'alice');
    const b = await connectClient(port, 'bob');
    const c = await connectClient(port, 'carol');
    await waitFor(() => c.client.membersOf('lobby').length === 3);
    a.client.send({ to: 'bob' }, 'psst');
    await waitFor(() => received(b.events).length === 1);
    expect(received(b.events)[0]).toMatchObject({ text: 'psst', from: 'alice', peer: 'alice' });
    a.client.typing({ room: 'lobby' }, true);
    await waitFor(() => c.events.some((e) => e.type === 'client.typing' && e.from === 'alice' && e.on));
    expect(received(c.events)).toEqual([]);
    expect(b.client.messages({ peer: 'alice' })).toHaveLength(1);
  });

  it('messages to an offline member are kept and delivered when it returns', async () => {
    const { port } = await startServer();
    const b1 = await connectClient(port, 'bob');
    await b1.client.close();
    const a = await connectClient(port, 'alice');
    a.client.send({ to: 'bob' }, 'while you were out');
    a.client.send({ room: 'lobby' }, 'room news');
    await waitFor(() => a.client.info().pending === 0);
    const b2 = await connectClient(port, 'bob');
    await waitFor(() => received(b2.events).some((m) => m.text === 'while you were out'), 5000, 'inbox');
    await waitFor(() => received(b2.events).some((m) => m.text === 'room news'), 5000, 'room history');
    // A never-seen nickname is refused with a code, not stored forever.
    const id = a.client.send({ to: 'nobody' }, 'hello?');
    await waitFor(() => a.client.messages({ peer: 'nobody' })[0]?.status === 'failed');
    expect(a.client.messages({ peer: 'nobody' })[0]).toMatchObject({ id, code: 'CHAT_NO_SUCH_USER' });
  });

  it('password and kick', async () => {
    const { server, port } = await startServer({ password: 's3cret' });
    const { makeClient } = await import('./helpers');
    const wrong = makeClient(port, 'eve', { password: 'guess' });
    await expect(wrong.client.start()).rejects.toMatchObject({ code: 'CHAT_AUTH_FAILED' });
    const ok = await connectClient(port, 'alice', { password: 's3cret' });
    server.kick('alice');
    await waitFor(() => ok.client.info().state === 'closed', 5000, 'kicked');
    expect(ok.client.info().code).toBe('CHAT_KICKED');
    expect(ok.events.some((e) => e.type === 'client.error' && e.code === 'CHAT_KICKED')).toBe(true);
  });

  it('refuses connections beyond maxClients with CHAT_SERVER_FULL', async () => {
    const { port } = await startServer({ maxClients: 1 });
    await connectClient(port, 'alice');
    const s = await raw(port);
    const got = collect(s);
    await got.until((t) => t.includes('CHAT_SERVER_FULL'));
    // A client refused this way is told why, not just that the connection closed.
    const late = makeClient(port, 'bob');
    await expect(late.client.start()).rejects.toMatchObject({ code: 'CHAT_SERVER_FULL' });
  });
});

describe('chat server: plain text clients (nc, a simple socket client)', () => {
  it('joins the default room as a guest; gets "nick: text" lines; a message without newline ends after the quiet gap', async () => {
    const { port } = await startServer({ quietGapMs: 50 });
    const a = await connectClient(port, 'alice');
    const p = await raw(port);
    const pr = collect(p);
    p.write('Hello from a plain client'); // no newline, as simple socket clients send
    await waitFor(() => received(a.events).length === 1, 5000, 'plain delivery');
    expect(received(a.events)[0]).toMatchObject({ from: 'guest-1', text: 'Hello from a plain client' });
    await pr.until((t) => t.includes('* welcome guest-1'));
    a.client.send({ room: 'lobby' }, 'hi guest');
    await pr.until((t) => t.includes('alice: hi guest\n'));
    // Two lines in one write are two messages.
    p.write('line one\nline two\n');
    await waitFor(() => received(a.events).length === 3);
    expect(received(a.events).map((m) => m.text)).toEqual([
      'Hello from a plain client',
      'line one',
      'line two',
    ]);
    expect(pr.text()).not.toContain('Hello from a plain client');
  });

  it('two plain clients chat through the server (not echoed to the sender)', async () => {
    const { port } = await startServer();
    const p1 = await raw(port);
    const p2 = await raw(port);
    const r1 = collect(p1);
    const r2 = collect(p2);
    // Neither has typed yet: silence makes them plain text members, as nc users expect.
    await r1.until((t) => t.includes('* welcome'));
    await r2.until((t) => t.includes('* welcome'));
    p1.write('hi there');
    await r2.until((t) => /guest-\d+: hi there\n/.test(t));
    await new Promise((r) => setTimeout(r, 100));
    expect(r1.text()).not.toContain('hi there');
  });

  it('text that starts with "{" but is not a frame is chat text', async () => {
    const { port } = await startServer();
    const a = await connectClient(port, 'alice');
    const p = await raw(port);
    p.write('{curly} braces are fine\n');
    await waitFor(() => received(a.events).length === 1);
    expect(received(a.events)[0]?.text).toBe('{curly} braces are fine');
  });
});

describe('chat server: bad input never crashes it', () => {
  it('malformed and unknown frames get error frames; the connection and the server stay up', async () => {
    const { port } = await startServer();
    const s = await raw(port);
    const r = collect(s);
    s.write(hello('mal'));
    await r.until((t) => t.includes('"welcome"'));
    s.write('{"t":"msg","id":1}\n');
    s.write('{"t":"teleport"}\n');
    s.write('{"t":"msg", broken json\n');
    s.write('[1,2,3]\n');
    await r.until((t) => (t.match(/"error"/g) ?? []).length >= 4);
    const errs = frames(r.text()).filter((f) => f.t === 'error');
    expect(errs.map((e) => e.code)).toEqual([
      'CHAT_BAD_FRAME',
      'CHAT_UNKNOWN_FRAME',
      'CHAT_BAD_FRAME',
      'CHAT_BAD_FRAME',
    ]);
    s.write('{"t":"ping","id":"still-here"}\n');
    await r.until((t) => t.includes('still-here'));
    const other = await connectClient(port, 'bob');
    expect(other.client.info().state).toBe('open');
  });

  it('a frame over maxFrameBytes is refused before it is buffered: error frame, then close', async () => {
    const { server, port } = await startServer({ maxFrameBytes: 1024 });
    const s = await raw(port);
    const r = collect(s);
    s.write(hello('big'));
    await r.until((t) => t.includes('"welcome"'));
    const closed = new Promise((res) => s.on('close', res));
    // 10 MiB without a newline: the server must stop after ~1 KiB, not hold 10 MiB.
    const chunk = Buffer.alloc(64 * 1024, 'x');
    for (let i = 0; i < 160 && !s.destroyed; i++) s.write(chunk);
    await closed;
    expect(r.text()).toContain('CHAT_FRAME_TOO_LARGE');
    await waitFor(() => server.clientCount === 0, 5000, 'connection gone');
  });

  it('a hello with a bad nickname or version is refused with its code', async () => {
    const { port } = await startServer();
    const s = await raw(port);
    const r = collect(s);
    s.write(hello('no spaces allowed'));
    await r.until((t) => t.includes('"error"'));
    expect(frames(r.text())[0]).toMatchObject({ t: 'error', code: 'CHAT_NICK_INVALID', fatal: true });
    const s2 = await raw(port);
    const r2 = collect(s2);
    s2.write(hello('future', { v: 99 }));
    await r2.until((t) => t.includes('"error"'));
    expect(frames(r2.text())[0]).toMatchObject({ code: 'CHAT_VERSION' });
  });

  it('a flooding client is slowed down to the rate limit and others are not starved', async () => {
    const { port } = await startServer({
      rateLimitPerSec: 50,
      rateLimitBurst: 10,
      floodDisconnectAfter: 100_000,
    });
    const watcher = await connectClient(port, 'watcher');
    const s = await raw(port);
    const r = collect(s);
    s.write(hello('flood'));
    await r.until((t) => t.includes('"welcome"'));
    s.write(`${JSON.stringify({ t: 'join', room: 'lobby' })}\n`);
    let lines = '';
    for (let i = 0; i < 300; i++)
      lines += `${JSON.stringify({ t: 'msg', id: `m${i}`, room: 'lobby', text: `flood ${i}` })}\n`;
    const t0 = Date.now();
    s.write(lines);
    await r.until((t) => t.includes('CHAT_RATE_LIMITED'));
    // Meanwhile a normal member still gets through promptly.
    const other = await connectClient(port, 'other');
    const id = other.client.send({ room: 'lobby' }, 'I can still talk');
    await waitFor(
      () => other.events.some((e) => e.type === 'client.ack' && e.id === id),
      5000,
      'ack while flooded',
    );
    await waitFor(
      () => received(watcher.events).filter((m) => m.from === 'flood').length === 300,
      15_000,
      'all flood messages, paced',
    );
    // 300 frames at 50/s after a burst of 10 take ≥ 5 s: nothing was dropped, order kept.
    expect(Date.now() - t0).toBeGreaterThan(4500);
    expect(
      received(watcher.events)
        .filter((m) => m.from === 'flood')
        .map((m) => m.text),
    ).toEqual(Array.from({ length: 300 }, (_, i) => `flood ${i}`));
  }, 30_000);

  it('a flooder far past its budget is disconnected with CHAT_RATE_LIMITED', async () => {
    const { port } = await startServer({ rateLimitPerSec: 10, rateLimitBurst: 5, floodDisconnectAfter: 50 });
    const s = await raw(port);
    const r = collect(s);
    s.write(hello('flood2'));
    await r.until((t) => t.includes('"welcome"'));
    const closed = new Promise((res) => s.on('close', res));
    s.write(Array.from({ length: 500 }, (_, i) => `{"t":"ping","id":"p${i}"}\n`).join(''));
    s.write(Array.from({ length: 500 }, () => `{"t":"rooms"}\n`).join(''));
    await closed;
    expect(r.text()).toContain('"fatal":true');
    expect(r.text()).toContain('CHAT_RATE_LIMITED');
  });
});
