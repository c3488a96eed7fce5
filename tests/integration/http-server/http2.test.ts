// The mock server over HTTP/2: one TLS port offering h2 and HTTP/1.1 by ALPN, the same handler behind both,
// and the limits that HTTP/2 needs of its own (concurrent streams, session timeouts, stream-level 413).
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import {
  connect as h2connect,
  constants as h2constants,
  type ClientHttp2Session,
  type IncomingHttpHeaders,
  type OutgoingHttpHeaders,
} from 'node:http2';
import { request as httpsRequest, type RequestOptions as HttpsRequestOptions } from 'node:https';
import { connect as tlsConnect, type ConnectionOptions, type TLSSocket } from 'node:tls';
import { Duplex } from 'node:stream';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HttpMockServer } from '../../../src/main/engines/http-server/server';
import { HttpServerService } from '../../../src/main/engines/http-server/service';
import { loadOrCreateAppCertificate } from '../../../src/main/engines/common/app-cert';
import { createServices } from '../../../src/main/services';
import {
  HttpRoute,
  HttpServerLimits,
  type HttpServerEvent,
  type InspectedRequest,
} from '../../../src/shared/contract/http-server';
import { waitFor } from '../../helpers/net';

type Cert = Awaited<ReturnType<typeof loadOrCreateAppCertificate>>;
let cert: Cert;
let certDir: string;
beforeAll(async () => {
  certDir = mkdtempSync(join(tmpdir(), 'wl-h2-cert-'));
  cert = await loadOrCreateAppCertificate(certDir);
  return () => rmSync(certDir, { recursive: true, force: true });
});

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

function tmp(): string {
  const d = mkdtempSync(join(tmpdir(), 'wl-h2-'));
  cleanups.push(() => rmSync(d, { recursive: true, force: true }));
  return d;
}

const route = (r: Parameters<typeof HttpRoute.parse>[0]) => HttpRoute.parse(r);

async function server(opts: Partial<ConstructorParameters<typeof HttpMockServer>[1]> = {}) {
  const s = new HttpMockServer('h2', {
    port: 0,
    host: '127.0.0.1',
    tls: { certPem: cert.certPem, keyPem: cert.keyPem, fingerprint256: cert.fingerprint256 },
    http2: true,
    ...opts,
  });
  const events: HttpServerEvent[] = [];
  s.on((e) => events.push(e));
  cleanups.push(() => s.close());
  const info = await s.start();
  return { s, info, events, port: info.port };
}

function session(port: number): Promise<ClientHttp2Session> {
  return new Promise((resolve, reject) => {
    const c = h2connect(`https://127.0.0.1:${port}`, { ca: cert.certPem, servername: 'localhost' });
    cleanups.push(() => c.destroy());
    c.once('connect', () => resolve(c));
    c.once('error', reject);
  });
}

interface H2Got {
  status: number;
  headers: IncomingHttpHeaders;
  body: Buffer;
  /** Set when the stream ended in RST_STREAM with an error code (e.g. REFUSED_STREAM = 7). */
  rstCode?: number;
}

function h2get(
  c: ClientHttp2Session,
  headers: OutgoingHttpHeaders,
  body?: Buffer | string | ((write: (chunk: Buffer) => boolean) => void),
): Promise<H2Got> {
  return new Promise((resolve) => {
    const req = c.request(headers, { endStream: body === undefined });
    let status = 0;
    let got: IncomingHttpHeaders = {};
    const chunks: Buffer[] = [];
    req.on('response', (h) => {
      got = h;
      status = Number(h[':status']);
    });
    req.on('data', (d: Buffer) => chunks.push(d));
    req.on('end', () => resolve({ status, headers: got, body: Buffer.concat(chunks) }));
    req.on('error', () =>
      resolve({ status, headers: got, body: Buffer.concat(chunks), rstCode: req.rstCode }),
    );
    if (typeof body === 'function') body((chunk) => req.write(chunk));
    else if (body !== undefined) req.end(body);
  });
}

function https1(
  port: number,
  init: { path?: string; method?: string; headers?: Record<string, string>; body?: Buffer } = {},
): Promise<{
  status: number;
  httpVersion: string;
  alpn: string | false | null;
  headers: IncomingHttpHeaders;
  body: string;
}> {
  // node:https hands ALPNProtocols on to tls.connect, though its RequestOptions type does not list it.
  const options: HttpsRequestOptions & Pick<ConnectionOptions, 'ALPNProtocols'> = {
    host: '127.0.0.1',
    port,
    path: init.path ?? '/',
    method: init.method ?? 'GET',
    headers: init.headers,
    ca: cert.certPem,
    servername: 'localhost',
    ALPNProtocols: ['http/1.1'],
    agent: false,
  };
  return new Promise((resolve, reject) => {
    const req = httpsRequest(options, (res) => {
      let t = '';
      res.on('data', (d: Buffer) => (t += d.toString()));
      res.on('end', () =>
        resolve({
          status: res.statusCode ?? 0,
          httpVersion: res.httpVersion,
          alpn: (res.socket as TLSSocket).alpnProtocol,
          headers: res.headers,
          body: t,
        }),
      );
    });
    req.on('error', reject);
    req.end(init.body);
  });
}

/**
 * An h2 client whose view of the server is held back until `open()`: it sends its requests without having
 * seen the server's SETTINGS (and so without acknowledging them), which is what a client racing its first
 * requests against the handshake does. Lets the tests reach the server's pre-acknowledgement paths at will.
 */
async function gatedSession(port: number): Promise<{ c: ClientHttp2Session; open: () => void }> {
  const tls = tlsConnect({
    host: '127.0.0.1',
    port,
    ca: cert.certPem,
    servername: 'localhost',
    ALPNProtocols: ['h2'],
  });
  cleanups.push(() => tls.destroy());
  await new Promise((r) => tls.once('secureConnect', r));
  expect(tls.alpnProtocol).toBe('h2');
  let gated = true;
  const held: Buffer[] = [];
  const wire = new Duplex({
    read() {},
    write(chunk: Buffer, _enc, cb) {
      tls.write(chunk, cb);
    },
    final(cb) {
      tls.end();
      cb();
    },
    destroy(err, cb) {
      tls.destroy();
      cb(err);
    },
  });
  tls.on('data', (d: Buffer) => (gated ? held.push(d) : wire.push(d)));
  tls.on('end', () => wire.push(null));
  const c = h2connect(`https://127.0.0.1:${port}`, { createConnection: () => wire });
  cleanups.push(() => c.destroy());
  c.on('error', () => undefined);
  return {
    c,
    open: () => {
      gated = false;
      for (const d of held.splice(0)) wire.push(d);
    },
  };
}

/** Long enough for requests made now to be framed and written (nghttp2 sends on a later turn). */
const written = () => new Promise((r) => setTimeout(r, 100));

const requests = (events: HttpServerEvent[]): InspectedRequest[] =>
  events.flatMap((e) => (e.type === 'request' ? [e.request] : []));

describe('HTTP mock server over HTTP/2: the same handler', () => {
  it('negotiates h2; a route answers with status, body, template and its headers, minus the forbidden ones', async () => {
    const { port, events, info } = await server({
      routes: [
        route({
          id: 'r1',
          method: 'POST',
          path: '/items/:id',
          status: 201,
          headers: {
            'X-Mock': 'yes',
            Connection: 'close',
            'Keep-Alive': 'timeout=5',
            Upgrade: 'websocket',
            'Transfer-Encoding': 'chunked',
          },
          body: 'item {{params.id}} on {{headers.host}} via {{method}}',
        }),
      ],
    });
    expect(info.http2).toBe(true);
    expect(info.protocols).toEqual(['h2', 'http/1.1']);
    const c = await session(port);
    expect(c.alpnProtocol).toBe('h2');
    const r = await h2get(c, { ':method': 'POST', ':path': '/items/7', 'x-who': 'me' }, 'payload');
    expect(r.rstCode).toBeUndefined();
    expect(r.status).toBe(201);
    expect(r.headers['x-mock']).toBe('yes');
    for (const h of ['connection', 'keep-alive', 'upgrade', 'transfer-encoding'])
      expect(r.headers[h], h).toBeUndefined();

    const seen = await waitFor(() => requests(events).find((x) => x.routeId === 'r1'));
    // {{headers.host}} is the :authority on h2.
    const authority = seen.headers.find(([k]) => k === ':authority')?.[1];
    expect(authority).toMatch(new RegExp(`:${port}$`));
    expect(r.body.toString()).toBe(`item 7 on ${authority} via POST`);
    expect(seen).toMatchObject({ httpVersion: '2.0', method: 'POST', url: '/items/7', status: 201 });
    expect(seen.droppedHeaders).toEqual(['Connection', 'Keep-Alive', 'Upgrade', 'Transfer-Encoding']);
    // Pseudo-headers first, as on the wire; then the regular ones.
    expect(
      seen.headers
        .slice(0, 4)
        .map(([k]) => k)
        .sort(),
    ).toEqual([':authority', ':method', ':path', ':scheme']);
    expect(seen.headers).toContainEqual(['x-who', 'me']);
    expect(seen.bodyBytes).toBe(7);
    expect(seen.remoteAddress).toBe('127.0.0.1');
  });

  it('echo reports httpVersion 2.0, the method and a body sent without Content-Length; demo API and hello page', async () => {
    const { port } = await server({ echo: true });
    const c = await session(port);
    const r = await h2get(c, { ':method': 'PUT', ':path': '/e?x=1' }, 'hello h2');
    const j = JSON.parse(r.body.toString()) as Record<string, unknown>;
    expect(j).toMatchObject({
      httpVersion: '2.0',
      method: 'PUT',
      path: '/e',
      query: { x: '1' },
      body: 'hello h2',
      bodyBytes: 8,
      tls: true,
    });

    const { port: p2 } = await server();
    const c2 = await session(p2);
    expect((await h2get(c2, { ':path': '/' })).body.toString()).toBe('Hello, World!');
    const user = JSON.parse((await h2get(c2, { ':path': '/users/1' })).body.toString()) as {
      company: { name: string };
    };
    expect(user.company.name).toBeTruthy();
    const created = await h2get(
      c2,
      { ':method': 'POST', ':path': '/users', 'content-type': 'application/json' },
      '{"name":"New"}',
    );
    expect(created.status).toBe(201);
    expect((await h2get(c2, { ':method': 'HEAD', ':path': '/' })).body.length).toBe(0);
  });

  it('serves a static file (whole, ranged, 304) and CORS headers on h2', async () => {
    const root = join(tmp(), 'site');
    mkdirSync(root);
    writeFileSync(join(root, 'file.txt'), '0123456789');
    writeFileSync(join(root, 'big.bin'), Buffer.alloc(300_000, 7));
    const { port } = await server({ staticDir: root, cors: true });
    const c = await session(port);
    const whole = await h2get(c, { ':path': '/file.txt', origin: 'https://x.test' });
    expect(whole.status).toBe(200);
    expect(whole.body.toString()).toBe('0123456789');
    expect(whole.headers['content-type']).toContain('text/plain');
    expect(whole.headers['access-control-allow-origin']).toBe('https://x.test');
    const part = await h2get(c, { ':path': '/file.txt', range: 'bytes=2-4' });
    expect(part.status).toBe(206);
    expect(part.body.toString()).toBe('234');
    const again = await h2get(c, { ':path': '/file.txt', 'if-none-match': String(whole.headers.etag) });
    expect(again.status).toBe(304);
    // Larger than the initial flow-control window: streamed with backpressure.
    const big = await h2get(c, { ':path': '/big.bin' });
    expect(big.body.length).toBe(300_000);
  });

  it('several concurrent streams on one session are served in parallel', async () => {
    const { port, events, s } = await server({
      routes: [route({ path: '/slow/:n', delayMs: 300, body: 'n={{params.n}}' })],
    });
    const c = await session(port);
    const t = performance.now();
    const all = await Promise.all(Array.from({ length: 20 }, (_, i) => h2get(c, { ':path': `/slow/${i}` })));
    expect(all.map((r) => r.body.toString())).toEqual(Array.from({ length: 20 }, (_, i) => `n=${i}`));
    expect(performance.now() - t).toBeLessThan(20 * 300);
    expect(s.info().connections).toBe(1);
    await waitFor(() => requests(events).length === 20);
    expect(new Set(requests(events).map((r) => r.remotePort)).size).toBe(1);
  });
});

describe('HTTP mock server over HTTP/2: limits', () => {
  it('413 for a body over maxBodyBytes (declared and streamed) ends only that stream; the session goes on', async () => {
    const { port, events } = await server({
      echo: true,
      limits: HttpServerLimits.parse({ maxBodyBytes: 1000 }),
    });
    const c = await session(port);
    const declared = await h2get(
      c,
      { ':method': 'POST', ':path': '/up', 'content-length': '5000' },
      Buffer.alloc(5000, 1),
    );
    expect(declared.status).toBe(413);
    expect(declared.body.toString()).toContain('Payload Too Large');
    expect(declared.headers.connection).toBeUndefined();

    // No Content-Length: counted while it streams; the client would send 10 MB if it were let.
    const streamed = await h2get(c, { ':method': 'POST', ':path': '/up' }, (write) => {
      let sent = 0;
      const pump = () => {
        while (sent < 10 * 1024 * 1024) {
          sent += 16 * 1024;
          if (!write(Buffer.alloc(16 * 1024, 2))) return void setTimeout(pump, 5);
        }
      };
      pump();
    });
    expect(streamed.status).toBe(413);
    expect(c.destroyed).toBe(false);
    const next = await h2get(c, { ':method': 'POST', ':path': '/ok' }, 'small');
    expect(next.status).toBe(200);
    expect(JSON.parse(next.body.toString())).toMatchObject({ body: 'small' });
    const limited = await waitFor(() => {
      const l = requests(events).filter((r) => r.code === 'LIMIT_EXCEEDED');
      return l.length === 2 && l;
    });
    expect(limited.map((r) => [r.status, r.handler, r.httpVersion])).toEqual([
      [413, 'limit', '2.0'],
      [413, 'limit', '2.0'],
    ]);
  });

  it('streams beyond maxConcurrentStreams are refused with REFUSED_STREAM while the others are served', async () => {
    const { port, events, info } = await server({
      routes: [route({ path: '/hold/:n', delayMs: 200, body: 'held {{params.n}}' })],
      limits: HttpServerLimits.parse({ maxConcurrentStreams: 2 }),
    });
    expect(info.limits.maxConcurrentStreams).toBe(2);
    // A compliant client queues streams over the server's SETTINGS value once it has them; one that has
    // not seen them yet sends all six, and the server must refuse the four it has no room for.
    const { c, open } = await gatedSession(port);
    const pending = Array.from({ length: 6 }, (_, i) => h2get(c, { ':path': `/hold/${i}` }));
    await written();
    open();
    const got = await Promise.all(pending);
    const ok = got.filter((r) => r.status === 200);
    const refused = got.filter((r) => r.rstCode === h2constants.NGHTTP2_REFUSED_STREAM);
    expect(ok).toHaveLength(2);
    expect(ok.map((r) => r.body.toString())).toEqual(['held 0', 'held 1']);
    expect(refused).toHaveLength(4);
    // The session is still good for more.
    expect((await h2get(c, { ':path': '/hold/9' })).body.toString()).toBe('held 9');
    await waitFor(() => requests(events).length === 3);
  });

  it('a header list over maxHeaderBytes: 431 before SETTINGS are acknowledged, a reset stream after, 431 on HTTP/1.1', async () => {
    const { port, events } = await server({ limits: HttpServerLimits.parse({ maxHeaderBytes: 2048 }) });
    const big = { 'x-big': 'a'.repeat(4000) };
    const early = await gatedSession(port);
    const first = h2get(early.c, { ':path': '/', ...big });
    await written();
    early.open();
    expect((await first).status).toBe(431);
    const refused = await waitFor(() => requests(events).find((r) => r.status === 431));
    expect(refused).toMatchObject({ code: 'LIMIT_EXCEEDED', handler: 'limit', httpVersion: '2.0' });

    const c = await session(port);
    // After one exchange the client has acknowledged the SETTINGS: nghttp2 refuses the list itself.
    expect((await h2get(c, { ':path': '/' })).status).toBe(200);
    const r = await h2get(c, { ':path': '/', ...big });
    expect(r.rstCode).toBe(h2constants.NGHTTP2_ENHANCE_YOUR_CALM);
    expect((await h2get(c, { ':path': '/' })).status).toBe(200);
    expect((await https1(port, { headers: big })).status).toBe(431);
  });

  it('a session that sends no request is closed after headersTimeoutMs, an idle one after keepAliveTimeoutMs', async () => {
    const { port, events } = await server({
      limits: HttpServerLimits.parse({ headersTimeoutMs: 300, keepAliveTimeoutMs: 400 }),
    });
    const silent = await session(port);
    const t = performance.now();
    await new Promise((r) => silent.once('close', r));
    expect(performance.now() - t).toBeLessThan(3000);
    await waitFor(() => events.find((e) => e.type === 'limit' && e.code === 'TIMEOUT'));

    const used = await session(port);
    expect((await h2get(used, { ':path': '/' })).status).toBe(200);
    const idle = performance.now();
    await new Promise((r) => used.once('close', r));
    expect(performance.now() - idle).toBeGreaterThanOrEqual(300);
    expect(performance.now() - idle).toBeLessThan(3000);

    // A TLS connection that never even speaks HTTP/2 is bounded the same way.
    const raw = tlsConnect({
      host: '127.0.0.1',
      port,
      ca: cert.certPem,
      servername: 'localhost',
      ALPNProtocols: ['h2'],
    });
    cleanups.push(() => raw.destroy());
    raw.on('error', () => undefined);
    raw.resume();
    const rawT = performance.now();
    await new Promise((r) => raw.once('close', r));
    expect(performance.now() - rawT).toBeLessThan(3000);
  });

  it('a request body that does not arrive within requestTimeoutMs is answered 408 on its stream', async () => {
    const { port, events } = await server({
      echo: true,
      limits: HttpServerLimits.parse({ requestTimeoutMs: 400, keepAliveTimeoutMs: 10_000 }),
    });
    const c = await session(port);
    const t = performance.now();
    const r = await h2get(
      c,
      { ':method': 'POST', ':path': '/slow' },
      (write) => void write(Buffer.from('par')),
    );
    expect(r.status).toBe(408);
    expect(performance.now() - t).toBeLessThan(3000);
    const req = await waitFor(() => requests(events).find((x) => x.code === 'TIMEOUT'));
    expect(req).toMatchObject({ status: 408, httpVersion: '2.0', bodyBytes: 3 });
    expect((await h2get(c, { ':path': '/x' })).status).toBe(200);
  });
});

describe('HTTP mock server over HTTP/2: HTTP/1.1 on the same port, info, close, the service', () => {
  it('answers HTTP/1.1 over https with ALPN http/1.1 through the same handler', async () => {
    const { port, events } = await server({
      routes: [route({ id: 'k', path: '/k', headers: { Connection: 'close' }, body: 'kept' })],
      limits: HttpServerLimits.parse({ maxBodyBytes: 100 }),
    });
    const r = await https1(port, { path: '/k' });
    expect(r).toMatchObject({ status: 200, httpVersion: '1.1', alpn: 'http/1.1', body: 'kept' });
    // HTTP/1.1 may carry Connection: the route's header goes out as set.
    expect(r.headers.connection).toBe('close');
    const users = await https1(port, { path: '/users/2' });
    expect(JSON.parse(users.body)).toMatchObject({ id: 2 });
    const big = await https1(port, { path: '/up', method: 'POST', body: Buffer.alloc(1000) });
    expect(big.status).toBe(413);
    expect(big.headers.connection).toBe('close');
    const k = await waitFor(() => requests(events).find((x) => x.routeId === 'k'));
    expect(k.httpVersion).toBe('1.1');
    expect(k.droppedHeaders).toBeUndefined();
    expect(k.headers.some(([name]) => name.startsWith(':'))).toBe(false);
  });

  it('HTTP/1.1 on the h2 port keeps its own limits: a slowloris gets 408 within headersTimeoutMs', async () => {
    const { port } = await server({
      limits: HttpServerLimits.parse({ headersTimeoutMs: 400, requestTimeoutMs: 800 }),
    });
    const c = tlsConnect({
      host: '127.0.0.1',
      port,
      ca: cert.certPem,
      servername: 'localhost',
      ALPNProtocols: ['http/1.1'],
    });
    cleanups.push(() => c.destroy());
    await new Promise((r) => c.once('secureConnect', r));
    expect(c.alpnProtocol).toBe('http/1.1');
    let got = '';
    c.on('data', (d: Buffer) => (got += d.toString()));
    c.on('error', () => undefined);
    c.write('GET / HTTP/1.1\r\nHost: x\r\n');
    const trickle = setInterval(() => {
      if (!c.destroyed) c.write('X-Slow: 1\r\n');
    }, 100);
    cleanups.push(() => clearInterval(trickle));
    const t = performance.now();
    await new Promise((r) => c.once('close', r));
    clearInterval(trickle);
    expect(performance.now() - t).toBeLessThan(5000);
    expect(got).toMatch(/^HTTP\/1\.1 408/);
  });

  it('maxConnections counts h2 sessions: one more is dropped at accept with a limit event', async () => {
    const { port, events } = await server({ limits: HttpServerLimits.parse({ maxConnections: 1 }) });
    const a = await session(port);
    expect((await h2get(a, { ':path': '/' })).status).toBe(200);
    const b = h2connect(`https://127.0.0.1:${port}`, { ca: cert.certPem, servername: 'localhost' });
    cleanups.push(() => b.destroy());
    b.on('error', () => undefined);
    await new Promise((r) => b.once('close', r));
    await waitFor(() => events.find((e) => e.type === 'limit' && e.code === 'LIMIT_EXCEEDED'));
    expect((await h2get(a, { ':path': '/' })).status).toBe(200);
  });

  it('close() with open h2 sessions and a stream in flight is prompt, and idempotent', async () => {
    const { s, port } = await server({ routes: [route({ path: '/long', delayMs: 30_000, body: 'never' })] });
    const a = await session(port);
    const b = await session(port);
    expect((await h2get(a, { ':path': '/' })).status).toBe(200);
    const inflight = h2get(b, { ':path': '/long' });
    await waitFor(() => s.info().connections === 2);
    const t = performance.now();
    await Promise.all([s.close(), s.close()]);
    await s.close();
    expect(performance.now() - t).toBeLessThan(2000);
    expect(s.info().state).toBe('stopped');
    const r = await inflight;
    expect(r.status).not.toBe(200);
    await waitFor(() => a.destroyed || a.closed);
  });

  it('TLS without http2 stays HTTP/1.1 only; the service turns h2 on with TLS by default', async () => {
    const { port, info } = await server({ http2: false });
    expect(info).toMatchObject({ http2: false, protocols: ['http/1.1'] });
    const alpn = await new Promise<string | false | null>((resolve, reject) => {
      const t = tlsConnect({
        host: '127.0.0.1',
        port,
        ca: cert.certPem,
        servername: 'localhost',
        ALPNProtocols: ['h2', 'http/1.1'],
      });
      t.once('secureConnect', () => {
        resolve(t.alpnProtocol);
        t.destroy();
      });
      t.once('error', reject);
    });
    expect(alpn).not.toBe('h2');

    const svc = new HttpServerService({ certificate: () => loadOrCreateAppCertificate(certDir) });
    cleanups.push(() => svc.close());
    const base = { host: '127.0.0.1', port: 0, routes: [], limits: HttpServerLimits.parse({}) };
    expect(await svc.start({ ...base, tls: true })).toMatchObject({
      http2: true,
      protocols: ['h2', 'http/1.1'],
    });
    expect(await svc.start({ ...base, tls: true, http2: false })).toMatchObject({ http2: false });
    expect(await svc.start({ ...base, tls: false })).toMatchObject({ http2: false, protocols: ['http/1.1'] });
  });

  it('through the dispatcher: http2 without tls is INVALID_INPUT; maxConcurrentStreams is validated', async () => {
    const services = createServices({ dataDir: tmp(), shell: 'browser', version: 'test' });
    cleanups.push(() => services.close());
    const d = services.dispatcher;
    expect(await d.call('httpServer.start', { port: 0, http2: true })).toMatchObject({
      ok: false,
      error: { code: 'INVALID_INPUT' },
    });
    expect(
      await d.call('httpServer.start', { port: 0, tls: true, limits: { maxConcurrentStreams: 0 } }),
    ).toMatchObject({ ok: false, error: { code: 'INVALID_INPUT' } });
    const ok = await d.call('httpServer.start', { port: 0, tls: true });
    expect(ok).toMatchObject({
      ok: true,
      value: { http2: true, protocols: ['h2', 'http/1.1'], limits: { maxConcurrentStreams: 100 } },
    });
  });
});
