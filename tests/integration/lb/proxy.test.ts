// The data path: integrity, half-close, backpressure, PROXY protocol, limits and the queue, failover,
// and live backend changes that must not drop established connections.
import { describe, expect, it } from 'vitest';
import { createHash, randomBytes } from 'node:crypto';
import { connect, type Socket } from 'node:net';
import { waitFor } from '../../helpers/net';
import { startBlackhole } from '../../helpers/blackhole';
import { httpGet, nameBackend, onCleanup, rawBackend, rawConnect, readAll, sleep, startLb } from './helpers';

/** Writes `total` random bytes with backpressure, hashing what was written. */
function sendRandom(s: Socket, total: number): Promise<string> {
  const hash = createHash('sha256');
  let sent = 0;
  return new Promise((resolve, reject) => {
    const pump = () => {
      while (sent < total) {
        const chunk = randomBytes(Math.min(256 * 1024, total - sent));
        hash.update(chunk);
        sent += chunk.length;
        if (!s.write(chunk)) return void s.once('drain', pump);
      }
      s.end();
      resolve(hash.digest('hex'));
    };
    s.once('error', reject);
    pump();
  });
}

function hashIncoming(s: Socket): Promise<{ hash: string; bytes: number }> {
  const hash = createHash('sha256');
  let bytes = 0;
  return new Promise((resolve, reject) => {
    s.on('data', (d: Buffer) => {
      hash.update(d);
      bytes += d.length;
    });
    s.once('end', () => resolve({ hash: hash.digest('hex'), bytes }));
    s.once('error', reject);
  });
}

describe('load balancer data path', () => {
  it('carries 100 MB each way at once with equal sha256 at both ends', async () => {
    const MB100 = 100 * 1024 * 1024;
    let backendSide: Promise<[string, { hash: string; bytes: number }]> | undefined;
    const backend = await rawBackend((s) => {
      backendSide = Promise.all([sendRandom(s, MB100), hashIncoming(s)]);
    });
    const { port, lb } = await startLb({ port: 0, backends: [{ host: '127.0.0.1', port: backend.port }] });
    const client = await rawConnect(port, { allowHalfOpen: true });
    const [clientSent, clientGot] = await Promise.all([sendRandom(client, MB100), hashIncoming(client)]);
    const [backendSent, backendGot] = await (backendSide as NonNullable<typeof backendSide>);
    expect(clientGot.bytes).toBe(MB100);
    expect(backendGot.bytes).toBe(MB100);
    expect(backendGot.hash).toBe(clientSent);
    expect(clientGot.hash).toBe(backendSent);
    await waitFor(() => lb.info().active === 0 && lb.trackedConnections === 0, 5000, 'connection closed');
    const b = lb.info().backends[0]!;
    expect(b.bytesIn).toBe(MB100);
    expect(b.bytesOut).toBe(MB100);
  }, 120_000);

  it('honours half-close: the client ends its side and still receives the whole answer', async () => {
    // The backend answers only after it has seen the client's FIN (like `nc -q` or an HTTP/1.0 upload).
    const backend = await rawBackend((s) => {
      let got = '';
      s.on('data', (d: Buffer) => (got += d.toString()));
      s.once('end', () => s.end(`received ${got.length} bytes: ${got}`));
    });
    const { port } = await startLb({ port: 0, backends: [{ host: '127.0.0.1', port: backend.port }] });
    const c = await rawConnect(port, { allowHalfOpen: true });
    let answer = '';
    c.on('data', (d: Buffer) => (answer += d.toString()));
    const ended = new Promise((r) => c.once('end', r));
    c.end('question');
    await ended;
    expect(answer).toBe('received 8 bytes: question');
  });

  it('honours half-close the other way: the backend ends first and still receives the client', async () => {
    let got = '';
    const backendDone = new Promise<void>((resolve) => {
      void rawBackend((s) => {
        s.end('bye from backend');
        s.on('data', (d: Buffer) => (got += d.toString()));
        s.once('end', () => resolve());
      }).then((b) =>
        startLb({ port: 0, backends: [{ host: '127.0.0.1', port: b.port }] }).then(async ({ port }) => {
          const c = await rawConnect(port, { allowHalfOpen: true });
          c.once('end', () => {
            c.write('late words');
            c.end();
          });
          c.resume();
        }),
      );
    });
    await backendDone;
    expect(got).toBe('late words');
  });

  it('a slow reader does not make the proxy buffer: write buffers stay bounded while the backend is held back', async () => {
    const TOTAL = 64 * 1024 * 1024;
    let written = 0;
    let blocked = false;
    const backend = await rawBackend((s) => {
      const chunk = Buffer.alloc(64 * 1024, 0x61);
      const pump = () => {
        while (written < TOTAL) {
          written += chunk.length;
          if (!s.write(chunk)) {
            blocked = true;
            return void s.once('drain', pump);
          }
        }
        s.end();
      };
      pump();
    });
    const { port, lb } = await startLb({ port: 0, backends: [{ host: '127.0.0.1', port: backend.port }] });
    const c = await rawConnect(port);
    c.pause();
    let maxBuffered = 0;
    for (let i = 0; i < 20; i++) {
      await sleep(50);
      maxBuffered = Math.max(maxBuffered, lb.bufferedBytes());
    }
    // The backend is stopped by TCP flow control long before the 64 MB are out…
    expect(blocked).toBe(true);
    expect(written).toBeLessThan(TOTAL / 2);
    // …and the proxy holds at most about one socket buffer's worth, not what the backend sent.
    expect(maxBuffered).toBeLessThan(1024 * 1024);
    const heap0 = process.memoryUsage().arrayBuffers;
    await sleep(300);
    expect(process.memoryUsage().arrayBuffers - heap0).toBeLessThan(8 * 1024 * 1024);
    // Once the client reads, everything arrives.
    let received = 0;
    c.on('data', (d: Buffer) => (received += d.length));
    c.resume();
    await new Promise((r) => c.once('end', r));
    expect(received).toBe(TOTAL);
  }, 60_000);

  it('sends a PROXY v1 header the backend can parse, with the real client address', async () => {
    let header = '';
    const backend = await rawBackend((s) => {
      s.on('data', (d: Buffer) => {
        header += d.toString('latin1');
        if (header.endsWith('hello')) s.end('ok');
      });
    });
    const { port } = await startLb({
      port: 0,
      proxyProtocol: 'v1',
      backends: [{ host: '127.0.0.1', port: backend.port }],
    });
    const c = await rawConnect(port, { localAddress: '127.0.0.9' });
    const clientPort = c.localPort;
    c.resume();
    c.write('hello');
    await new Promise((r) => c.once('close', r));
    const m = /^PROXY TCP4 (\S+) (\S+) (\d+) (\d+)\r\nhello$/.exec(header);
    expect(m).not.toBeNull();
    expect(m![1]).toBe('127.0.0.9');
    expect(m![2]).toBe('127.0.0.1');
    expect(Number(m![3])).toBe(clientPort);
    expect(Number(m![4])).toBe(port);
  });

  it('sends a PROXY v2 header the backend can parse, with the real client address', async () => {
    let raw = Buffer.alloc(0);
    const backend = await rawBackend((s) => {
      s.on('data', (d: Buffer) => {
        raw = Buffer.concat([raw, d]);
        if (raw.length >= 28 + 5) s.end();
      });
    });
    const { port } = await startLb({
      port: 0,
      proxyProtocol: 'v2',
      backends: [{ host: '127.0.0.1', port: backend.port }],
    });
    const c = await rawConnect(port, { localAddress: '127.0.0.7' });
    const clientPort = c.localPort;
    c.resume();
    c.write('hello');
    await new Promise((r) => c.once('close', r));
    // Decoded by hand from the spec, independently of the encoder.
    expect(raw.subarray(0, 12).toString('hex')).toBe('0d0a0d0a000d0a515549540a');
    expect(raw[12]).toBe(0x21);
    expect(raw[13]).toBe(0x11);
    expect(raw.readUInt16BE(14)).toBe(12);
    expect([...raw.subarray(16, 20)].join('.')).toBe('127.0.0.7');
    expect([...raw.subarray(20, 24)].join('.')).toBe('127.0.0.1');
    expect(raw.readUInt16BE(24)).toBe(clientPort);
    expect(raw.readUInt16BE(26)).toBe(port);
    expect(raw.subarray(28).toString()).toBe('hello');
  });

  it('closes a new client at once and logs it when every backend is down or disabled', async () => {
    const b = await nameBackend('a');
    const { port, lb, events } = await startLb({ port: 0, backends: [{ host: '127.0.0.1', port: b.port }] });
    lb.updateBackend('b1', { enabled: false });
    const t0 = Date.now();
    expect(await readAll(port)).toBe('');
    expect(Date.now() - t0).toBeLessThan(1000);
    const ev = events.find((e) => e.type === 'rejected');
    expect(ev).toMatchObject({ reason: 'no-backend', code: 'LB_NO_BACKEND', count: 1 });
    expect(lb.info().rejected).toBe(1);
  });

  it('redispatches a refused connect to another backend; the client does not notice', async () => {
    const dead = await rawBackend(() => undefined);
    const deadPort = dead.port;
    await new Promise<void>((r) => dead.server.close(() => r()));
    const alive = await nameBackend('alive');
    const { port, lb, events } = await startLb({
      port: 0,
      strategy: 'rr',
      backends: [
        { host: '127.0.0.1', port: deadPort },
        { host: '127.0.0.1', port: alive.port },
      ],
    });
    for (let i = 0; i < 6; i++) expect(await readAll(port)).toBe('alive');
    // Without health checks the dead backend stays in rotation: every client tries it first, and
    // every one is retried on the live backend.
    expect(lb.info().backends[0]!.errors).toBe(6);
    expect(events.some((e) => e.type === 'retry' && e.code === 'CONNECTION_REFUSED')).toBe(true);
  });

  it('redispatches after a connect timeout to a backend that never answers', async () => {
    const hole = await startBlackhole();
    onCleanup(() => hole.close());
    const alive = await nameBackend('alive');
    const { port, lb, events } = await startLb({
      port: 0,
      strategy: 'rr',
      backends: [
        { host: '127.0.0.1', port: hole.port },
        { host: '127.0.0.1', port: alive.port },
      ],
      limits: { connectTimeoutMs: 200 },
    });
    const t0 = Date.now();
    expect(await readAll(port)).toBe('alive');
    expect(Date.now() - t0).toBeGreaterThanOrEqual(150);
    expect(events.find((e) => e.type === 'retry')).toMatchObject({ backendId: 'b1', code: 'TIMEOUT' });
    expect(lb.info().backends[0]!.errors).toBe(1);
    await waitFor(() => lb.info().active === 0, 5000, 'slots freed');
  });

  it('gives up after the bounded retries and closes the client with the error', async () => {
    const dead = await rawBackend(() => undefined);
    const deadPort = dead.port;
    await new Promise<void>((r) => dead.server.close(() => r()));
    const { port, events } = await startLb({ port: 0, backends: [{ host: '127.0.0.1', port: deadPort }] });
    expect(await readAll(port)).toBe('');
    await waitFor(() => events.find((e) => e.type === 'rejected'));
    expect(events.find((e) => e.type === 'rejected')).toMatchObject({
      reason: 'connect-failed',
      code: 'CONNECTION_REFUSED',
    });
  });

  it('per-backend maxConn queues extra clients, serves them in order when a slot frees, and bounds the queue', async () => {
    const echo = await rawBackend((s) => s.pipe(s));
    const { port, lb, events } = await startLb({
      port: 0,
      backends: [{ host: '127.0.0.1', port: echo.port, maxConn: 1 }],
      limits: { queueSize: 1, queueTimeoutMs: 10_000 },
    });
    const first = await rawConnect(port);
    await waitFor(() => lb.info().active === 1);
    const second = await rawConnect(port);
    await waitFor(() => lb.info().queued === 1);
    // Queue full: the third is closed at once.
    const third = await rawConnect(port);
    third.resume();
    await new Promise((r) => third.once('close', r));
    expect(events.find((e) => e.type === 'rejected')).toMatchObject({
      reason: 'queue-full',
      code: 'LB_QUEUE_FULL',
    });
    // The waiting client's early bytes are held by TCP, then delivered once it is dispatched.
    const echoed = new Promise<string>((r) => second.once('data', (d: Buffer) => r(d.toString())));
    second.write('queued hello');
    first.destroy();
    expect(await echoed).toBe('queued hello');
    expect(lb.info().queued).toBe(0);
  });

  it('a queued client is closed after the queue timeout', async () => {
    const echo = await rawBackend((s) => s.pipe(s));
    const { port, lb, events } = await startLb({
      port: 0,
      backends: [{ host: '127.0.0.1', port: echo.port }],
      limits: { maxConn: 1, queueSize: 10, queueTimeoutMs: 200 },
    });
    await rawConnect(port);
    await waitFor(() => lb.info().active === 1);
    const waiting = await rawConnect(port);
    waiting.resume();
    const t0 = Date.now();
    await new Promise((r) => waiting.once('close', r));
    expect(Date.now() - t0).toBeGreaterThanOrEqual(150);
    expect(events.find((e) => e.type === 'rejected')).toMatchObject({
      reason: 'queue-timeout',
      code: 'LB_QUEUE_TIMEOUT',
    });
    expect(lb.info().queued).toBe(0);
  });

  it('queued clients are closed at once when the last backend goes away', async () => {
    const echo = await rawBackend((s) => s.pipe(s));
    const { port, lb, events } = await startLb({
      port: 0,
      backends: [{ host: '127.0.0.1', port: echo.port, maxConn: 1 }],
      limits: { queueTimeoutMs: 10_000 },
    });
    await rawConnect(port);
    await waitFor(() => lb.info().active === 1);
    const waiting = await rawConnect(port);
    waiting.resume();
    await waitFor(() => lb.info().queued === 1);
    const t0 = Date.now();
    lb.updateBackend('b1', { enabled: false });
    await new Promise((r) => waiting.once('close', r));
    expect(Date.now() - t0).toBeLessThan(1000);
    expect(lb.info().queued).toBe(0);
    expect(events.find((e) => e.type === 'rejected')).toMatchObject({
      reason: 'no-backend',
      code: 'LB_NO_BACKEND',
    });
  });

  it('listens on IPv6 loopback and describes the client in a TCP6 PROXY header', async () => {
    let header = '';
    const backend = await rawBackend((s) => {
      s.on('data', (d: Buffer) => {
        header += d.toString('latin1');
        if (header.endsWith('\r\nx')) s.end();
      });
    });
    const { port } = await startLb({
      host: '::1',
      port: 0,
      proxyProtocol: 'v1',
      backends: [{ host: '127.0.0.1', port: backend.port }],
    });
    const c = connect({ host: '::1', port });
    onCleanup(() => c.destroy());
    c.resume();
    await new Promise((r) => c.once('connect', r));
    const clientPort = c.localPort;
    c.write('x');
    await new Promise((r) => c.once('close', r));
    expect(header).toBe(`PROXY TCP6 ::1 ::1 ${clientPort} ${port}\r\nx`);
  });

  it('closes connections idle for the idle timeout in both directions', async () => {
    const IDLE_MS = 2000;
    const echo = await rawBackend((s) => s.pipe(s));
    const { port, lb } = await startLb({
      port: 0,
      backends: [{ host: '127.0.0.1', port: echo.port }],
      limits: { idleTimeoutMs: IDLE_MS },
    });
    const c = await rawConnect(port);
    c.resume();
    // Activity keeps it open past the timeout… The gaps are a tenth of the timeout: the balancer runs in
    // this test's process, and a stall of the event loop as long as the timeout (a busy two-core
    // machine, a GC) lets the idle timer fire before the waiting byte is read, which is a real timeout.
    const opened = Date.now();
    while (Date.now() - opened < IDLE_MS * 1.5) {
      await sleep(IDLE_MS / 10);
      c.write('x');
    }
    expect(c.destroyed).toBe(false);
    // …silence closes it.
    await new Promise((r) => c.once('close', r));
    await waitFor(() => lb.info().active === 0);
  });

  it('half-close is honoured, and a half-closed connection left silent closes after halfClosedTimeoutMs', async () => {
    // The backend answers after the client's FIN (half-close works), then keeps its side open forever.
    const lingering = await rawBackend((s) => {
      let got = '';
      s.on('data', (d: Buffer) => (got += d.toString()));
      s.on('end', () => s.write(`got ${got}`));
    });
    const { port, lb } = await startLb({
      port: 0,
      backends: [{ host: '127.0.0.1', port: lingering.port }],
      limits: { idleTimeoutMs: 60_000, halfClosedTimeoutMs: 300 },
    });
    const c = await rawConnect(port);
    let answer = '';
    c.on('data', (d: Buffer) => (answer += d.toString()));
    c.end('request');
    await waitFor(() => answer === 'got request');
    // The idle timeout is a minute: only the half-closed timeout can close it this soon.
    await new Promise((r) => c.once('close', r));
    await waitFor(() => lb.info().active === 0);
    expect(lb.config().limits.halfClosedTimeoutMs).toBe(300);
  });

  it('drain, disable, weight and remove apply live without dropping established connections', async () => {
    const echoA = await rawBackend((s) => s.pipe(s));
    const echoB = await rawBackend((s) => s.pipe(s));
    const { port, lb, events } = await startLb({
      port: 0,
      strategy: 'rr',
      backends: [
        { host: '127.0.0.1', port: echoA.port },
        { host: '127.0.0.1', port: echoB.port },
      ],
    });
    const onA = await rawConnect(port);
    const onB = await rawConnect(port);
    await waitFor(() => lb.info().backends.every((b) => b.active === 1));
    const roundTrip = (s: Socket, text: string) =>
      new Promise<string>((r) => {
        s.once('data', (d: Buffer) => r(d.toString()));
        s.write(text);
      });
    lb.updateBackend('b1', { drain: true });
    expect(lb.info().backends[0]!.state).toBe('drain');
    await rawConnect(port);
    await rawConnect(port);
    await waitFor(() => lb.info().backends[1]!.active === 3);
    expect(await roundTrip(onA, 'draining but alive')).toBe('draining but alive');
    lb.updateBackend('b1', { drain: false, weight: 5 });
    expect(lb.info().backends[0]!.weight).toBe(5);
    const removed = lb.removeBackend('b2');
    expect(removed.activeLeft).toBe(3);
    expect(await roundTrip(onB, 'removed but alive')).toBe('removed but alive');
    expect(lb.info().backends.map((b) => b.id)).toEqual(['b1']);
    expect(events.map((e) => e.type)).toEqual(expect.arrayContaining(['backend.updated', 'backend.removed']));
    // The removed backend's connection is still counted until it ends.
    expect(lb.info().active).toBe(4);
    onB.destroy();
    await waitFor(() => lb.info().active === 3);
  });

  it('adds a backend live and it takes traffic at once', async () => {
    const a = await nameBackend('a');
    const b = await nameBackend('b');
    const { port, lb, events } = await startLb({
      port: 0,
      strategy: 'rr',
      backends: [{ host: '127.0.0.1', port: a.port }],
    });
    expect(await readAll(port)).toBe('a');
    await lb.addBackend({
      host: '127.0.0.1',
      port: b.port,
      weight: 1,
      enabled: true,
      drain: false,
      maxConn: 0,
    });
    const seen = [await readAll(port), await readAll(port)];
    expect(seen.sort()).toEqual(['a', 'b']);
    expect(events.some((e) => e.type === 'backend.added')).toBe(true);
  });

  it('emits one stats sample a second with per-backend rates, kept in a bounded history', async () => {
    const a = await nameBackend('a');
    const { port, lb, events } = await startLb({ port: 0, backends: [{ host: '127.0.0.1', port: a.port }] });
    for (let i = 0; i < 5; i++) await readAll(port, { send: 'abc' });
    await waitFor(
      () => events.find((e) => e.type === 'stats' && e.sample.connsPerSec > 0),
      3000,
      'a stats sample',
    );
    const s = events.find((e) => e.type === 'stats' && e.sample.connsPerSec > 0);
    if (s?.type !== 'stats') throw new Error('no stats');
    expect(s.sample.backends[0]!.connsPerSec).toBeGreaterThan(0);
    expect(s.sample.backends[0]!.bytesOutPerSec).toBeGreaterThan(0);
    expect(lb.historySamples().length).toBeGreaterThanOrEqual(1);
    const info = lb.info().backends[0]!;
    expect(info.total).toBe(5);
    expect(info.bytesIn).toBe(15);
    expect(info.bytesOut).toBe(5);
    expect(info.connectP50Ms).not.toBeNull();
    expect(info.connectP99Ms!).toBeGreaterThanOrEqual(info.connectP50Ms!);
  });

  it('stop() closes the listener and every connection, and is idempotent', async () => {
    const echo = await rawBackend((s) => s.pipe(s));
    const { port, lb, events } = await startLb({
      port: 0,
      backends: [{ host: '127.0.0.1', port: echo.port }],
    });
    const socks = await Promise.all([rawConnect(port), rawConnect(port), rawConnect(port)]);
    await waitFor(() => lb.info().active === 3);
    const closed = socks.map((s) => new Promise((r) => s.once('close', r)));
    for (const s of socks) s.resume();
    const [n1, n2] = await Promise.all([lb.close(), lb.close()]);
    expect(n1).toBe(3);
    expect(n2).toBe(3);
    await Promise.all(closed);
    expect(lb.info().state).toBe('stopped');
    expect(events.filter((e) => e.type === 'stopped')).toHaveLength(1);
    await expect(readAll(port)).rejects.toMatchObject({ code: 'ECONNREFUSED' });
    await expect(
      lb.addBackend({ host: '127.0.0.1', port: 1, weight: 1, enabled: true, drain: false, maxConn: 0 }),
    ).rejects.toMatchObject({
      code: 'NOT_FOUND',
    });
  });

  it('a client that resets is cleaned up and its backend connection closed', async () => {
    const echo = await rawBackend((s) => s.pipe(s));
    const { port, lb } = await startLb({ port: 0, backends: [{ host: '127.0.0.1', port: echo.port }] });
    const c = connect({ host: '127.0.0.1', port });
    await new Promise((r) => c.once('connect', r));
    await waitFor(() => lb.info().active === 1);
    c.resetAndDestroy();
    await waitFor(() => lb.info().active === 0 && echo.sockets.size === 0, 5000, 'backend side closed');
    expect(await httpGetOrEmpty(port)).toBeDefined();
  });
});

function httpGetOrEmpty(port: number): Promise<string> {
  return httpGet(port, 500).then(
    (r) => r.backend,
    () => '',
  );
}
