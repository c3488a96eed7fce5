// Connection reuse in the composer over real sockets: servers count the connections (HTTP/1.1) and
// sessions (HTTP/2) they accept, so reuse is observed from the other side, not trusted from the client.
import { afterEach, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { createSecureServer } from 'node:http2';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HttpClientService } from '../../../src/main/engines/http-client/service';
import { HttpRequestSpec, type HttpRequestSpecInput } from '../../../src/shared/contract/http-client';
import { makePki } from './fixtures';

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

function service(): HttpClientService {
  const dir = mkdtempSync(join(tmpdir(), 'wl-reuse-'));
  const svc = new HttpClientService({ dir });
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  cleanups.push(() => svc.close());
  return svc;
}

/** `closeIdleAfterMs`: the server ends each connection that long after a response, as a keep-alive timeout does. */
async function h1Server(closeIdleAfterMs?: number) {
  const seen = { connections: 0, connectionHeaders: [] as (string | undefined)[] };
  const s = createServer((req: IncomingMessage, res: ServerResponse) => {
    seen.connectionHeaders.push(req.headers.connection);
    res.writeHead(200, { 'content-type': 'text/plain' }).end(`ok ${req.url}`);
    if (closeIdleAfterMs !== undefined) setTimeout(() => req.socket.end(), closeIdleAfterMs);
  });
  s.on('connection', () => (seen.connections += 1));
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  cleanups.push(() => new Promise((r) => s.close(r)));
  cleanups.push(() => s.closeAllConnections());
  const a = s.address();
  return { seen, base: `http://127.0.0.1:${typeof a === 'object' && a ? a.port : 0}` };
}

const send = (svc: HttpClientService, request: HttpRequestSpecInput) =>
  svc.send({
    request: HttpRequestSpec.parse({ ...request, options: { proxy: 'none', ...request.options } }),
    saveHistory: false,
  });

describe('composer connection reuse', () => {
  it('HTTP/1.1: one kept connection per origin; reused responses skip DNS/TCP/TLS', async () => {
    const { seen, base } = await h1Server();
    const svc = service();
    const a = await send(svc, { url: `${base}/a` });
    const b = await send(svc, { url: `${base}/b` });
    const c = await send(svc, { url: `${base}/c`, method: 'POST', body: { type: 'raw', text: 'x' } });
    expect([a.status, b.status, c.status]).toEqual([200, 200, 200]);
    expect(seen.connections).toBe(1);
    expect(seen.connectionHeaders).toEqual(['keep-alive', 'keep-alive', 'keep-alive']);
    expect(a.connection).toEqual({ id: expect.any(Number), reused: false });
    expect(b.connection).toEqual({ id: a.connection?.id, reused: true });
    expect(c.connection?.reused).toBe(true);
    expect([b.timing.dns, b.timing.connect, b.timing.tls]).toEqual([0, 0, 0]);
  });

  it('HTTP/1.1: the toggle off sends Connection: close; "close connections" forces a new one', async () => {
    const { seen, base } = await h1Server();
    const svc = service();
    await send(svc, { url: `${base}/1`, options: { reuseConnections: false } });
    await send(svc, { url: `${base}/2`, options: { reuseConnections: false } });
    expect(seen.connections).toBe(2);
    expect(seen.connectionHeaders).toEqual(['close', 'close']);
    await send(svc, { url: `${base}/3` });
    await send(svc, { url: `${base}/4` });
    expect(seen.connections).toBe(3);
    expect(svc.connectionsClose()).toEqual({ closed: 1 });
    const after = await send(svc, { url: `${base}/5` });
    expect(after.connection?.reused).toBe(false);
    expect(seen.connections).toBe(4);
  });

  it('HTTP/1.1: a connection the server closed while idle is not used again', async () => {
    const { seen, base } = await h1Server(50);
    const svc = service();
    await send(svc, { url: `${base}/1` });
    await new Promise((r) => setTimeout(r, 400));
    const again = await send(svc, { url: `${base}/2` });
    expect(again.status).toBe(200);
    expect(again.connection?.reused).toBe(false);
    expect(seen.connections).toBe(2);
  });

  it('HTTP/1.1: a kept connection that fails before any response byte is retried once on a fresh one', async () => {
    let connections = 0;
    const served = new WeakSet<object>();
    const s = createServer((req: IncomingMessage, res: ServerResponse) => {
      // Closed without an answer: what a keep-alive timeout racing the request looks like to the client.
      if (served.has(req.socket)) return req.socket.destroy();
      served.add(req.socket);
      res.end('fresh');
    });
    s.on('connection', () => (connections += 1));
    await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
    cleanups.push(() => new Promise((r) => s.close(r)));
    const a = s.address();
    const base = `http://127.0.0.1:${typeof a === 'object' && a ? a.port : 0}`;
    const svc = service();
    await send(svc, { url: `${base}/1` });
    const second = await send(svc, { url: `${base}/2` });
    expect(Buffer.from(second.body).toString()).toBe('fresh');
    expect(second.connection?.reused).toBe(false);
    expect(connections).toBe(2);
  });

  it('HTTP/2: one session serves every request to the origin', async () => {
    const pki = makePki();
    let sessions = 0;
    const s = createSecureServer(
      { cert: pki.server.certPem, key: pki.server.keyPem, allowHTTP1: true },
      (req, res) => {
        res.writeHead(200, { 'content-type': 'text/plain' });
        res.end(`h2 ${req.url}`);
      },
    );
    s.on('session', () => (sessions += 1));
    await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
    cleanups.push(() => new Promise((r) => s.close(r)));
    const a = s.address();
    const base = `https://127.0.0.1:${typeof a === 'object' && a ? a.port : 0}`;
    const svc = service();
    const opts = { caPem: pki.ca.certPem };
    const r1 = await send(svc, { url: `${base}/1`, options: opts });
    const r2 = await send(svc, { url: `${base}/2`, options: opts });
    const r3 = await send(svc, { url: `${base}/3`, options: opts });
    expect([r1.httpVersion, r2.httpVersion, r3.httpVersion]).toEqual(['2', '2', '2']);
    expect(Buffer.from(r3.body).toString()).toBe('h2 /3');
    expect(sessions).toBe(1);
    expect(r1.connection?.reused).toBe(false);
    expect(r1.timing.tls).toBeGreaterThan(0);
    expect(r2.connection).toEqual({ id: r1.connection?.id, reused: true });
    expect(r3.timing.tls).toBe(0);
    expect(svc.connectionsClose().closed).toBe(1);
    const r4 = await send(svc, { url: `${base}/4`, options: opts });
    expect(r4.connection?.reused).toBe(false);
    expect(sessions).toBe(2);
    svc.connectionsClose();
  });
});
