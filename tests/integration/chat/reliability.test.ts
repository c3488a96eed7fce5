// "Nothing lost": acks, resend after reconnect, duplicate drop, gap fetch, persistence across restarts
// and a killed process, a torn last record.
import { describe, expect, it, onTestFinished } from 'vitest';
import { spawn } from 'node:child_process';
import { appendFileSync, readFileSync } from 'node:fs';
import { createServer, type Socket } from 'node:net';
import { join } from 'node:path';
import { waitFor } from '../../helpers/net';
import { ChatServer } from '../../../src/main/engines/chat/server';
import {
  connectClient,
  makeClient,
  received,
  receivedRaw,
  startCutProxy,
  startServer,
  tempDir,
} from './helpers';
import { bundled } from '../../helpers/bundle';

describe('chat: nothing lost', () => {
  it('connections cut mid-stream: after reconnects every message arrives exactly once and in order', async () => {
    const { port } = await startServer({ rateLimitPerSec: 800, rateLimitBurst: 20 });
    const proxyA = await startCutProxy(port);
    const proxyB = await startCutProxy(port);
    const b = await connectClient(proxyB.port, 'bob');
    const a = await connectClient(proxyA.port, 'alice');
    const N = 400;
    for (let i = 0; i < N; i++) a.client.send({ room: 'lobby' }, `m${i}`);
    // Cut both sides while messages and acks are in flight, several times.
    await waitFor(() => received(b.events).length >= 50, 10_000, 'first deliveries');
    proxyA.cut();
    await waitFor(
      () => a.client.info().reconnects >= 1 && received(b.events).length >= 150,
      10_000,
      'more deliveries',
    );
    proxyB.cut();
    await waitFor(
      () => b.client.info().reconnects >= 1 && received(b.events).length >= 250,
      10_000,
      'after reconnect',
    );
    expect(received(b.events).length).toBeLessThan(N);
    proxyA.cut();
    proxyB.cut();
    await waitFor(() => a.client.info().pending === 0, 20_000, 'all acked');
    await waitFor(() => received(b.events).length === N, 20_000, 'all delivered');
    expect(receivedRaw(b.events)).toEqual(Array.from({ length: N }, (_, i) => `m${i}`));
    expect(b.client.messages({ room: 'lobby' }, N).map((m) => m.seq)).toEqual(
      Array.from({ length: N }, (_, i) => i + 1),
    );
    expect(a.client.info().reconnects).toBeGreaterThanOrEqual(2);
    // The sender's own view: every message acked once, with the server's sequence numbers in order.
    expect(a.client.messages({ room: 'lobby' }, N).map((m) => m.status)).toEqual(Array(N).fill('sent'));
    expect(a.client.messages({ room: 'lobby' }, N).map((m) => m.seq)).toEqual(
      Array.from({ length: N }, (_, i) => i + 1),
    );
  }, 60_000);

  it('the server drops a resent duplicate by id and acks it with the original sequence number', async () => {
    const { port } = await startServer();
    const b = await connectClient(port, 'bob');
    const { rawConnect, collect } = await import('../../helpers/net');
    const s = await rawConnect(port);
    onTestFinished(() => {
      s.destroy();
    });
    const r = collect(s);
    s.write(
      `${JSON.stringify({ t: 'hello', v: 1, nick: 'dup', identity: 'dup-identity-123' })}\n${JSON.stringify({ t: 'join', room: 'lobby' })}\n`,
    );
    const m = `${JSON.stringify({ t: 'msg', id: 'same-id', room: 'lobby', text: 'once' })}\n`;
    s.write(m + m + m);
    await r.until((t) => (t.match(/"ack"/g) ?? []).length === 3);
    const acks = r
      .text()
      .split('\n')
      .filter((l) => l.includes('"ack"'))
      .map((l) => JSON.parse(l) as { seq: number; dup?: boolean });
    expect(acks.map((x) => x.seq)).toEqual([1, 1, 1]);
    expect(acks.map((x) => x.dup ?? false)).toEqual([false, true, true]);
    await new Promise((res) => setTimeout(res, 100));
    expect(receivedRaw(b.events)).toEqual(['once']);
  });

  it('a client that sees a gap in sequence numbers fetches what it missed before showing later messages', async () => {
    // A hand-written server that "loses" seq 2 and then answers the history request for it.
    const requests: string[] = [];
    const srv = createServer((sock: Socket) => {
      let buf = '';
      sock.on('data', (d) => {
        buf += d.toString();
        let nl: number;
        while ((nl = buf.indexOf('\n')) >= 0) {
          const line = buf.slice(0, nl);
          buf = buf.slice(nl + 1);
          const f = JSON.parse(line) as { t: string; room?: string; after?: number; before?: number };
          requests.push(f.t);
          const send = (o: unknown) => sock.write(`${JSON.stringify(o)}\n`);
          const msg = (seq: number) => ({
            t: 'msg',
            room: 'lobby',
            seq,
            id: `id${seq}`,
            from: 'x',
            text: `t${seq}`,
            at: 1,
          });
          if (f.t === 'hello')
            send({
              t: 'welcome',
              v: 1,
              nick: 'gap',
              server: { name: 'fake', tls: false },
              limits: {
                maxFrameBytes: 65536,
                maxMessageChars: 100,
                rateLimitPerSec: 100,
                rateLimitBurst: 100,
                maxFileBytes: 1,
                fileChunkBytes: 1,
              },
              inboxSeq: 0,
              rooms: ['lobby'],
            });
          if (f.t === 'join') {
            send({ t: 'joined', room: 'lobby', members: ['gap'], history: [], lastSeq: 0, more: false });
            send(msg(1));
            send(msg(3));
            send(msg(4));
          }
          if (f.t === 'history') {
            expect(f).toMatchObject({ room: 'lobby', after: 1, before: 3 });
            send({ t: 'history', room: 'lobby', messages: [msg(2)], more: false });
          }
        }
      });
    });
    await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
    onTestFinished(() => new Promise<void>((r) => srv.close(() => r())));
    const { client, events } = makeClient((srv.address() as { port: number }).port, 'gap');
    await client.start();
    await waitFor(() => received(events).length === 4, 5000, 'gap filled');
    expect(receivedRaw(events)).toEqual(['t1', 't2', 't3', 't4']);
    expect(requests).toContain('history');
  });
});

describe('chat: long absences', () => {
  it('messages older than the server keeps are reported as a gap, and later ones still flow', async () => {
    const { port } = await startServer({ historyKeep: 5, rateLimitPerSec: 1000, rateLimitBurst: 1000 });
    const store = tempDir();
    const b1 = await connectClient(port, 'bob', { storeDir: store });
    const a = await connectClient(port, 'alice');
    a.client.send({ room: 'lobby' }, 'first');
    await waitFor(() => received(b1.events).length === 1);
    await b1.client.close();
    for (let i = 0; i < 20; i++) a.client.send({ room: 'lobby' }, `while away ${i}`);
    await waitFor(() => a.client.info().pending === 0, 10_000, 'acks');
    const b2 = await connectClient(port, 'bob', { storeDir: store });
    await waitFor(() => received(b2.events).length === 5, 5000, 'what the server still has');
    expect(receivedRaw(b2.events)).toEqual([
      'while away 15',
      'while away 16',
      'while away 17',
      'while away 18',
      'while away 19',
    ]);
    expect(
      b2.events.some(
        (e) =>
          e.type === 'client.error' &&
          e.code === 'LIMIT_EXCEEDED' &&
          e.message.includes('older than the server keeps'),
      ),
    ).toBe(true);
    a.client.send({ room: 'lobby' }, 'live again');
    await waitFor(() => receivedRaw(b2.events).includes('live again'), 5000, 'live delivery after the gap');
  });
});

describe('chat: long absences with a server log', () => {
  it('catch-up past what the server keeps in memory is read from its log: every message, in order, no gap', async () => {
    const { port } = await startServer({
      dataDir: tempDir(),
      historyKeep: 5,
      historyIndexStride: 4,
      maxBatch: 7,
      rateLimitPerSec: 1000,
      rateLimitBurst: 1000,
    });
    const store = tempDir();
    const b1 = await connectClient(port, 'bob', { storeDir: store });
    const a = await connectClient(port, 'alice');
    a.client.send({ room: 'lobby' }, 'first');
    await waitFor(() => received(b1.events).length === 1);
    await b1.client.close();
    const away = Array.from({ length: 40 }, (_, i) => `while away ${i}`);
    for (const t of away) a.client.send({ room: 'lobby' }, t);
    await waitFor(() => a.client.info().pending === 0, 10_000, 'acks');
    const b2 = await connectClient(port, 'bob', { storeDir: store });
    await waitFor(() => received(b2.events).length === 40, 10_000, 'all 40 from memory and the log');
    expect(receivedRaw(b2.events)).toEqual(away);
    expect(b2.events.some((e) => e.type === 'client.error')).toBe(false);
    a.client.send({ room: 'lobby' }, 'live again');
    await waitFor(() => receivedRaw(b2.events).includes('live again'), 5000, 'live delivery');
  });
});

describe('chat: history on disk', () => {
  it('survives restarting both the server and the client; messages sent while offline are delivered later', async () => {
    const serverDir = tempDir();
    const clientDir = tempDir();
    const s1 = new ChatServer('h', { name: 'persist', host: '127.0.0.1', port: 0, dataDir: serverDir });
    onTestFinished(() => s1.close());
    const { port } = await s1.start();
    const a1 = await connectClient(port, 'alice', { storeDir: clientDir });
    const b1 = await connectClient(port, 'bob');
    a1.client.send({ room: 'lobby' }, 'before restart 1');
    a1.client.send({ room: 'lobby' }, 'before restart 2');
    await waitFor(() => received(b1.events).length === 2);
    await a1.client.close();
    // While alice is away, bob writes; then everything stops.
    b1.client.send({ room: 'lobby' }, 'while alice was away');
    b1.client.send({ to: 'alice' }, 'private, while away');
    await waitFor(() => b1.client.info().pending === 0);
    await b1.client.close();
    await s1.close();

    const s2 = new ChatServer('h', { name: 'persist', host: '127.0.0.1', port, dataDir: serverDir });
    onTestFinished(() => s2.close());
    await s2.start();
    expect(s2.info().rooms.find((r) => r.name === 'lobby')?.lastSeq).toBe(3);
    const a2 = makeClient(port, 'alice', { storeDir: clientDir });
    const started = a2.client.start();
    // The client's own log is loaded before the server answers.
    expect(a2.client.messages({ room: 'lobby' }).map((m) => m.text)).toEqual([
      'before restart 1',
      'before restart 2',
    ]);
    await started;
    await waitFor(() => received(a2.events).length === 2, 5000, 'missed messages');
    expect(a2.client.messages({ room: 'lobby' }).map((m) => m.text)).toEqual([
      'before restart 1',
      'before restart 2',
      'while alice was away',
    ]);
    expect(a2.client.messages({ peer: 'bob' }).map((m) => m.text)).toEqual(['private, while away']);
    // The duplicate check survived the restart too: nothing got a new sequence number.
    expect(a2.client.messages({ room: 'lobby' }).map((m) => m.seq)).toEqual([1, 2, 3]);
  });

  it('a message acked before the server process is killed is there after restart; a torn last record is tolerated', async () => {
    const dir = tempDir();
    // Bundled once (tests/helpers/bundle.ts), so the child starts without compiling through tsx.
    const script = bundled('tests/integration/chat/fixtures/server-process.ts');
    const child = spawn(process.execPath, [script, dir], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    onTestFinished(() => {
      child.kill('SIGKILL');
    });
    const port = await new Promise<number>((resolve, reject) => {
      child.stdout.on('data', (d: Buffer) => {
        const m = /port (\d+)/.exec(d.toString());
        if (m) resolve(Number(m[1]));
      });
      child.once('exit', (code) => reject(new Error(`server process exited ${code}`)));
    });
    const a = await connectClient(port, 'alice');
    const ids: string[] = [];
    for (let i = 0; i < 20; i++) ids.push(a.client.send({ room: 'lobby' }, `durable ${i}`));
    await waitFor(() => a.client.info().pending === 0, 10_000, 'acks');
    child.kill('SIGKILL');
    await new Promise((r) => child.once('exit', r));
    await a.client.close();
    // Simulate a crash in the middle of writing one more record.
    const log = join(dir, 'history.jsonl');
    appendFileSync(log, '{"k":"msg","room":"lobby","seq":21,"id":"torn","fr');
    const s = new ChatServer('h', { name: 'after-kill', host: '127.0.0.1', port: 0, dataDir: dir });
    onTestFinished(() => s.close());
    const info = await s.start();
    expect(s.loadReport.tornBytes).toBeGreaterThan(0);
    expect(info.rooms.find((r) => r.name === 'lobby')?.lastSeq).toBe(20);
    expect(readFileSync(log, 'utf8').endsWith('\n')).toBe(true);
    const b = await connectClient(info.port, 'bob');
    await waitFor(() => received(b.events).length === 20, 5000, 'history after kill');
    expect(receivedRaw(b.events)).toEqual(Array.from({ length: 20 }, (_, i) => `durable ${i}`));
  }, 30_000);
});
