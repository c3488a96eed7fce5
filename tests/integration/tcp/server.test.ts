import { afterEach, describe, expect, it } from 'vitest';
import type { Socket } from 'node:net';
import type { TcpEvent } from '../../../src/shared/contract/tcp';
import { TcpServer } from '../../../src/main/engines/tcp/server';
import { TcpClient } from '../../../src/main/engines/tcp/client';
import { EngineError } from '../../../src/main/engines/common/errors';
import { collect, rawConnect, waitFor } from '../../helpers/net';
import { startBlackhole } from '../../helpers/blackhole';

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

function server(opts: ConstructorParameters<typeof TcpServer>[1]): { s: TcpServer; events: TcpEvent[] } {
  const s = new TcpServer('t', opts);
  const events: TcpEvent[] = [];
  s.on((e) => events.push(e));
  cleanups.push(() => s.close());
  return { s, events };
}

async function sock(port: number): Promise<Socket> {
  const c = await rawConnect(port);
  cleanups.push(() => c.destroy());
  return c;
}

const text = (e: TcpEvent) => ('data' in e ? Buffer.from(e.data).toString() : '');

describe('TCP server', () => {
  it('binds port 0, reports the real port and sends the welcome message on connect (seed)', async () => {
    const { s } = server({ host: '127.0.0.1', port: 0, welcome: Buffer.from('Welcome to the server!') });
    const info = await s.start();
    expect(info.port).toBeGreaterThan(0);
    expect(info.state).toBe('listening');
    const c = await sock(info.port);
    expect(await collect(c).until((t) => t === 'Welcome to the server!')).toBe('Welcome to the server!');
  });

  it('start() and close() are idempotent', async () => {
    const { s } = server({ port: 0 });
    const [a, b] = await Promise.all([s.start(), s.start()]);
    expect(a.port).toBe(b.port);
    await Promise.all([s.close(), s.close()]);
    await s.close();
    expect(s.info().state).toBe('stopped');
  });

  it('"Hello, TCP Server!" reaches the server and the reply comes back (seed)', async () => {
    const { s, events } = server({ port: 0 });
    const { port } = await s.start();
    const c = await sock(port);
    const got = collect(c);
    c.write('Hello, TCP Server!');
    const data = await waitFor(() => events.find((e) => e.type === 'server.data'));
    expect(text(data)).toBe('Hello, TCP Server!');
    s.send(Buffer.from('Message received'), (data as { clientId: string }).clientId);
    expect(await got.until((t) => t === 'Message received')).toBe('Message received');
  });

  it('echo mode returns every byte, also for a large payload', async () => {
    const { s } = server({ port: 0, echo: true });
    const { port } = await s.start();
    const c = await sock(port);
    const payload = Buffer.alloc(2 * 1024 * 1024, 'x');
    let received = 0;
    const done = new Promise<void>((r) =>
      c.on('data', (d: Buffer) => (received += d.length) >= payload.length && r()),
    );
    c.write(payload);
    await done;
    expect(received).toBe(payload.length);
    const info = s.info();
    expect(info.clients[0]?.bytesIn).toBe(payload.length);
    expect(info.clients[0]?.bytesOut).toBe(payload.length);
  });

  it('serves many clients at once, sends to all and to one, lists them', async () => {
    const { s } = server({ port: 0 });
    const { port } = await s.start();
    const N = 50;
    const socks = await Promise.all(Array.from({ length: N }, () => sock(port)));
    const readers = socks.map((c) => collect(c));
    await waitFor(() => s.clientCount === N, 5000, 'all clients');
    expect(s.send(Buffer.from('to all'), undefined)).toEqual({ sentTo: N, bytes: 6 });
    await Promise.all(readers.map((r) => r.until((t) => t === 'to all')));
    const one = s.info().clients[7]!;
    s.send(Buffer.from('just you'), one.clientId);
    const idx = socks.findIndex((c) => c.localPort === one.remotePort);
    await readers[idx]!.until((t) => t.endsWith('just you'));
    expect(readers.filter((r) => r.text().includes('just you'))).toHaveLength(1);
  });

  it('kick closes one client; stop closes every client', async () => {
    const { s, events } = server({ port: 0 });
    const { port } = await s.start();
    const a = await sock(port);
    const b = await sock(port);
    await waitFor(() => s.clientCount === 2);
    const closedA = new Promise((r) => a.on('close', r));
    s.kick(s.info().clients[0]!.clientId);
    await closedA;
    await waitFor(() => events.some((e) => e.type === 'server.clientClosed' && e.reason === 'kicked'));
    const closedB = new Promise((r) => b.on('close', r));
    await s.close();
    await closedB;
    expect(events.some((e) => e.type === 'server.clientClosed' && e.reason === 'server-stopped')).toBe(true);
    expect(events.at(-1)?.type).toBe('server.stopped');
  });

  it('refuses connections beyond maxClients with a limit event', async () => {
    const { s, events } = server({ port: 0, maxClients: 2 });
    const { port } = await s.start();
    await sock(port);
    await sock(port);
    const third = await sock(port);
    await new Promise((r) => third.on('close', r));
    expect(
      events.some(
        (e) => e.type === 'server.clientClosed' && e.reason === 'limit' && e.code === 'LIMIT_EXCEEDED',
      ),
    ).toBe(true);
    expect(s.clientCount).toBe(2);
  });

  it('address in use is ADDRESS_IN_USE, not a crash', async () => {
    const { s } = server({ port: 0 });
    const { port } = await s.start();
    const { s: s2 } = server({ port });
    await expect(s2.start()).rejects.toMatchObject({ code: 'ADDRESS_IN_USE' });
    await expect(s2.start()).rejects.toBeInstanceOf(EngineError);
  });

  it('an address not on this machine is ADDRESS_NOT_AVAILABLE', async () => {
    const { s } = server({ host: '192.0.2.1', port: 0 });
    await expect(s.start()).rejects.toMatchObject({ code: 'ADDRESS_NOT_AVAILABLE' });
  });
});

describe('TCP client', () => {
  it('connects, sends, receives and closes; the server sees the FIN', async () => {
    const { s, events } = server({ port: 0, welcome: Buffer.from('hi') });
    const { port } = await s.start();
    const c = new TcpClient('k', { host: '127.0.0.1', port });
    const cev: TcpEvent[] = [];
    c.on((e) => cev.push(e));
    cleanups.push(() => c.close());
    const info = await c.start();
    expect(info.state).toBe('open');
    await waitFor(() => cev.find((e) => e.type === 'client.data' && text(e) === 'hi'));
    c.send(Buffer.from('Hello, TCP Server!'));
    await waitFor(() => events.find((e) => e.type === 'server.data' && text(e) === 'Hello, TCP Server!'));
    await c.close();
    await waitFor(() => events.find((e) => e.type === 'server.clientClosed' && e.reason === 'remote'));
    expect(cev.filter((e) => e.type === 'client.state').map((e) => (e as { state: string }).state)).toEqual([
      'open',
      'closed',
    ]);
    expect(() => c.send(Buffer.from('x'))).toThrow(expect.objectContaining({ code: 'NOT_CONNECTED' }));
  });

  it('connection refused is CONNECTION_REFUSED', async () => {
    const { s } = server({ port: 0 });
    const { port } = await s.start();
    await s.close();
    const c = new TcpClient('k', { host: '127.0.0.1', port });
    await expect(c.start()).rejects.toMatchObject({ code: 'CONNECTION_REFUSED' });
  });

  it('an unresolvable host is HOST_NOT_FOUND', async () => {
    const c = new TcpClient('k', { host: 'no-such-host.invalid', port: 80, connectTimeoutMs: 5000 });
    await expect(c.start()).rejects.toMatchObject({ code: 'HOST_NOT_FOUND' });
  });

  it('a connect that never completes is TIMEOUT', async () => {
    const hole = await startBlackhole();
    cleanups.push(() => hole.close());
    const c = new TcpClient('k', { host: '127.0.0.1', port: hole.port, connectTimeoutMs: 300 });
    await expect(c.start()).rejects.toMatchObject({ code: 'TIMEOUT' });
    expect(c.info().state).toBe('closed');
  });
});
