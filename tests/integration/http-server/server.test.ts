import { afterEach, describe, expect, it } from 'vitest';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Socket } from 'node:net';
import { HttpMockServer } from '../../../src/main/engines/http-server/server';
import { HttpServerService } from '../../../src/main/engines/http-server/service';
import { loadOrCreateAppCertificate } from '../../../src/main/engines/common/app-cert';
import {
  HttpRoute,
  HttpServerLimits,
  type HttpServerEvent,
  type InspectedRequest,
} from '../../../src/shared/contract/http-server';
import { createServices } from '../../../src/main/services';
import { collect, rawConnect, waitFor } from '../../helpers/net';

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

function tmp(): string {
  const d = mkdtempSync(join(tmpdir(), 'wl-http-'));
  cleanups.push(() => rmSync(d, { recursive: true, force: true }));
  return d;
}

async function server(opts: Partial<ConstructorParameters<typeof HttpMockServer>[1]> = {}) {
  const s = new HttpMockServer('t', { port: 0, host: '127.0.0.1', ...opts });
  const events: HttpServerEvent[] = [];
  s.on((e) => events.push(e));
  cleanups.push(() => s.close());
  const info = await s.start();
  return { s, info, events, base: info.url };
}

interface Got {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

/** A raw request with node:http, so the test sees exactly what the server sent (no client magic). */
function get(
  url: string,
  init: { method?: string; headers?: Record<string, string>; body?: Buffer | string; path?: string } = {},
): Promise<Got> {
  return new Promise((resolve, reject) => {
    const u = new URL(url);
    const req = httpRequest(
      {
        host: u.hostname,
        port: u.port,
        method: init.method ?? 'GET',
        path: init.path ?? `${u.pathname}${u.search}`,
        headers: init.headers,
        agent: false,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (d: Buffer) => chunks.push(d));
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }),
        );
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(init.body);
  });
}

const route = (r: Parameters<typeof HttpRoute.parse>[0]) => HttpRoute.parse(r);
const lastRequest = (events: HttpServerEvent[]): InspectedRequest | undefined => {
  const e = events.filter((x) => x.type === 'request').at(-1);
  return e && e.type === 'request' ? e.request : undefined;
};

describe('HTTP mock server: default page, routes, echo, demo API', () => {
  it('answers GET / with the "Hello, World!" page on a port chosen by the OS', async () => {
    const { info, base } = await server();
    expect(info.port).toBeGreaterThan(0);
    const r = await get(`${base}/`);
    expect(r.status).toBe(200);
    expect(r.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(r.body.toString()).toBe('Hello, World!');
  });

  it('start() and close() are idempotent; a second server on the same port is ADDRESS_IN_USE', async () => {
    const { s, info } = await server();
    expect((await s.start()).port).toBe(info.port);
    const s2 = new HttpMockServer('u', { port: info.port });
    cleanups.push(() => s2.close());
    await expect(s2.start()).rejects.toMatchObject({ code: 'ADDRESS_IN_USE' });
    await Promise.all([s.close(), s.close()]);
    expect(s.info().state).toBe('stopped');
  });

  it('routes: :params, wildcards, query and header templates, status, headers, method matching', async () => {
    const { base, events } = await server({
      routes: [
        route({
          id: 'u',
          method: 'GET',
          path: '/api/users/:id',
          body: '{"id":"{{params.id}}","page":"{{query.page}}","ua":"{{headers.x-who}}"}',
          headers: { 'X-Mock': 'yes' },
        }),
        route({ method: 'POST', path: '/api/items', status: 201, body: 'created {{body}}' }),
        route({ method: '*', path: '/files/*', body: 'rest={{params.*}} m={{method}}' }),
        route({ method: 'GET', path: '/a/*/c', body: 'one segment' }),
        route({ method: 'DELETE', path: '/gone', status: 410, body: '' }),
      ],
    });
    const r = await get(`${base}/api/users/42?page=3`, { headers: { 'x-who': 'tester' } });
    expect(r.status).toBe(200);
    expect(r.headers['x-mock']).toBe('yes');
    expect(r.headers['content-type']).toContain('application/json');
    expect(JSON.parse(r.body.toString())).toEqual({ id: '42', page: '3', ua: 'tester' });
    await waitFor(() => lastRequest(events)?.routeId === 'u');

    const p = await get(`${base}/api/items`, {
      method: 'POST',
      body: 'thing',
      headers: { 'content-type': 'text/plain' },
    });
    expect(p.status).toBe(201);
    expect(p.body.toString()).toBe('created thing');
    expect((await get(`${base}/files/x/y%20z.txt`, { method: 'PUT' })).body.toString()).toBe(
      'rest=x/y z.txt m=PUT',
    );
    expect((await get(`${base}/a/b/c`)).body.toString()).toBe('one segment');
    expect((await get(`${base}/a/b/x/c`)).status).toBe(404);
    expect((await get(`${base}/gone`, { method: 'DELETE' })).status).toBe(410);
    // GET route does not answer POST; falls through to 404.
    expect((await get(`${base}/api/users/1`, { method: 'POST' })).status).toBe(404);
  });

  it('a route delay holds the response for the given time', async () => {
    const { base } = await server({ routes: [route({ path: '/slow', delayMs: 200, body: 'late' })] });
    const t = performance.now();
    const r = await get(`${base}/slow`);
    expect(r.body.toString()).toBe('late');
    expect(performance.now() - t).toBeGreaterThanOrEqual(190);
  });

  it('echo mode returns the request as JSON (method, path, query, headers, body)', async () => {
    const { base } = await server({ echo: true });
    const r = await get(`${base}/any/path?x=1&x=2&y=%C3%A9`, {
      method: 'PATCH',
      body: 'hello body',
      headers: { 'X-Trace': 'abc', 'content-type': 'text/plain' },
    });
    const j = JSON.parse(r.body.toString()) as Record<string, unknown>;
    expect(j).toMatchObject({
      method: 'PATCH',
      path: '/any/path',
      query: { x: ['1', '2'], y: 'é' },
      body: 'hello body',
      bodyEncoding: 'utf8',
      bodyBytes: 10,
    });
    expect((j.headers as Record<string, string>)['x-trace']).toBe('abc');
    const bin = await get(`${base}/b`, { method: 'POST', body: Buffer.from([0xff, 0x00, 0xfe]) });
    expect(JSON.parse(bin.body.toString())).toMatchObject({
      bodyEncoding: 'base64',
      body: Buffer.from([0xff, 0x00, 0xfe]).toString('base64'),
    });
  });

  it('the demo API serves /users and /users/:id with name, email and company.name', async () => {
    const { base } = await server();
    const list = JSON.parse((await get(`${base}/users`)).body.toString()) as { id: number }[];
    expect(list).toHaveLength(10);
    const one = JSON.parse((await get(`${base}/users/1`)).body.toString()) as {
      name: string;
      email: string;
      company: { name: string };
      address: { geo: { lat: string } };
    };
    expect(one.name).toBeTruthy();
    expect(one.email).toMatch(/@/);
    expect(one.company.name).toBeTruthy();
    expect(one.address.geo.lat).toBeTruthy();
    expect((await get(`${base}/users/999`)).status).toBe(404);
    expect((await get(`${base}/users/abc`)).status).toBe(404);
    const created = await get(`${base}/users`, {
      method: 'POST',
      body: '{"name":"New"}',
      headers: { 'content-type': 'application/json' },
    });
    expect(created.status).toBe(201);
    expect(JSON.parse(created.body.toString())).toMatchObject({ name: 'New', id: 11 });
    expect((await get(`${base}/users`, { method: 'POST', body: 'not json' })).status).toBe(400);
  });

  it('CORS toggle: headers on responses and 204 for preflight; off by default', async () => {
    const { s, base } = await server();
    expect(
      (await get(`${base}/users/1`, { headers: { origin: 'http://x.test' } })).headers[
        'access-control-allow-origin'
      ],
    ).toBeUndefined();
    await s.update({ cors: true });
    const pre = await get(`${base}/users/1`, {
      method: 'OPTIONS',
      headers: {
        origin: 'http://x.test',
        'access-control-request-method': 'PUT',
        'access-control-request-headers': 'x-a',
      },
    });
    expect(pre.status).toBe(204);
    expect(pre.headers['access-control-allow-origin']).toBe('http://x.test');
    expect(pre.headers['access-control-allow-headers']).toBe('x-a');
    expect(pre.headers['access-control-allow-methods']).toContain('PUT');
    expect(
      (await get(`${base}/users/1`, { headers: { origin: 'http://x.test' } })).headers[
        'access-control-allow-origin'
      ],
    ).toBe('http://x.test');
  });

  it('update() replaces routes and toggles modes while running', async () => {
    const { s, base } = await server();
    expect((await get(`${base}/new`)).status).toBe(404);
    const info = await s.update({ routes: [route({ path: '/new', body: 'fresh' })], helloWorld: false });
    expect(info.routes).toHaveLength(1);
    expect((await get(`${base}/new`)).body.toString()).toBe('fresh');
    expect((await get(`${base}/`)).status).toBe(404);
  });

  it('the inspector reports method, URL, headers, bounded body, client address, status and timing', async () => {
    const { base, events } = await server({
      echo: true,
      limits: HttpServerLimits.parse({ inspectorBodyBytes: 8 }),
    });
    await get(`${base}/inspect?q=1`, { method: 'POST', body: 'abcdefghijklmnop', headers: { 'X-One': '1' } });
    const req = await waitFor(() => lastRequest(events));
    expect(req).toMatchObject({
      method: 'POST',
      url: '/inspect?q=1',
      remoteAddress: '127.0.0.1',
      status: 200,
      handler: 'echo',
      bodyBytes: 16,
      bodyTruncated: true,
    });
    expect(Buffer.from(req.body).toString()).toBe('abcdefgh');
    expect(req.headers).toContainEqual(['X-One', '1']);
    expect(req.durationMs).toBeGreaterThanOrEqual(0);
    expect(req.responseBytes).toBeGreaterThan(0);
  });
});

describe('HTTP mock server: static folder', () => {
  function site(): { root: string; outside: string } {
    const base = tmp();
    const root = join(base, 'site');
    mkdirSync(join(root, 'sub'), { recursive: true });
    mkdirSync(join(root, 'empty'));
    writeFileSync(join(root, 'index.html'), '<h1>home</h1>');
    writeFileSync(join(root, 'data.json'), '{"a":1}');
    writeFileSync(join(root, 'sub', 'file.txt'), '0123456789');
    writeFileSync(join(base, 'secret.txt'), 'TOP SECRET');
    symlinkSync(join(base, 'secret.txt'), join(root, 'link-out.txt'));
    symlinkSync(base, join(root, 'dir-out'));
    symlinkSync(join(root, 'sub', 'file.txt'), join(root, 'link-in.txt'));
    return { root, outside: base };
  }

  it('serves the index file, MIME types, ETag/304, and redirects a folder without its slash', async () => {
    const { root } = site();
    const { base } = await server({ staticDir: root });
    const home = await get(`${base}/`);
    expect(home.body.toString()).toBe('<h1>home</h1>');
    expect(home.headers['content-type']).toBe('text/html; charset=utf-8');
    const json = await get(`${base}/data.json`);
    expect(json.headers['content-type']).toBe('application/json; charset=utf-8');
    const again = await get(`${base}/data.json`, { headers: { 'if-none-match': String(json.headers.etag) } });
    expect(again.status).toBe(304);
    const redirect = await get(`${base}/sub`);
    expect(redirect.status).toBe(301);
    expect(redirect.headers.location).toBe('/sub/');
  });

  it('range requests: 206 with Content-Range, suffix ranges, 416 when unsatisfiable', async () => {
    const { root } = site();
    const { base } = await server({ staticDir: root });
    const r = await get(`${base}/sub/file.txt`, { headers: { range: 'bytes=2-5' } });
    expect(r.status).toBe(206);
    expect(r.headers['content-range']).toBe('bytes 2-5/10');
    expect(r.body.toString()).toBe('2345');
    expect((await get(`${base}/sub/file.txt`, { headers: { range: 'bytes=-3' } })).body.toString()).toBe(
      '789',
    );
    expect((await get(`${base}/sub/file.txt`, { headers: { range: 'bytes=7-' } })).body.toString()).toBe(
      '789',
    );
    const bad = await get(`${base}/sub/file.txt`, { headers: { range: 'bytes=50-60' } });
    expect(bad.status).toBe(416);
    expect(bad.headers['content-range']).toBe('bytes */10');
  });

  it('directory listing only when enabled, with names escaped', async () => {
    const { root } = site();
    writeFileSync(join(root, 'sub', '<b>.txt'), 'x');
    const { s, base } = await server({ staticDir: root });
    expect((await get(`${base}/sub/`)).status).toBe(404);
    await s.update({ staticListing: true });
    const list = await get(`${base}/sub/`);
    expect(list.status).toBe(200);
    expect(list.body.toString()).toContain('file.txt');
    expect(list.body.toString()).toContain('&#60;b&#62;.txt');
    expect(list.body.toString()).not.toContain('<b>.txt');
  });

  it('refuses path traversal: plain, percent-encoded, encoded slashes and backslashes, and symlinks out', async () => {
    const { root } = site();
    const { base } = await server({ staticDir: root, demoApi: false, helloWorld: false });
    for (const path of [
      '/../secret.txt',
      '/%2e%2e/secret.txt',
      '/%2E%2E/secret.txt',
      '/sub/%2e%2e/%2e%2e/secret.txt',
      '/..%2fsecret.txt',
      '/..%5csecret.txt',
      '/sub%2f..%2f..%2fsecret.txt',
      '/.%2e/secret.txt',
    ]) {
      const r = await get(`${base}/`, { path });
      expect(r.body.toString(), path).not.toContain('TOP SECRET');
      expect([400, 403, 404], path).toContain(r.status);
    }
    const enc = await get(`${base}/`, { path: '/%2e%2e/secret.txt' });
    expect(enc.status).toBe(403);
    const link = await get(`${base}/link-out.txt`);
    expect(link.status).toBe(403);
    expect(link.body.toString()).not.toContain('TOP SECRET');
    const dirLink = await get(`${base}/dir-out/secret.txt`);
    expect(dirLink.status).toBe(403);
    // A symlink that stays inside the folder is served.
    expect((await get(`${base}/link-in.txt`)).body.toString()).toBe('0123456789');
  });

  it('a static miss falls through to the demo API and the hello page', async () => {
    const base0 = tmp();
    writeFileSync(join(base0, 'only.txt'), 'file');
    const { base, events } = await server({ staticDir: base0 });
    const user = await get(`${base}/users/1`);
    expect(user.status).toBe(200);
    expect(JSON.parse(user.body.toString())).toMatchObject({ id: 1 });
    await waitFor(() => lastRequest(events)?.url === '/users/1');
    expect(lastRequest(events)?.handler).toBe('demo');
    const hello = await get(`${base}/`);
    expect(hello.status).toBe(200);
    expect(hello.body.toString()).toBe('Hello, World!');
    expect((await get(`${base}/only.txt`)).body.toString()).toBe('file');
    const miss = await get(`${base}/nothing-here`);
    expect(miss.status).toBe(404);
    await waitFor(() => lastRequest(events)?.url === '/nothing-here');
    expect(lastRequest(events)?.handler).toBe('not-found');
  });

  it('logs what the folder served: handler, status and bytes for 200, 206, 403 and listings', async () => {
    const { root } = site();
    const { base, events } = await server({ staticDir: root, staticListing: true });
    const seen = async (path: string, headers?: Record<string, string>) => {
      await get(`${base}/`, { path, headers });
      await waitFor(
        () => lastRequest(events)?.url === path && events.filter((e) => e.type === 'request').length > 0,
      );
      const r = lastRequest(events);
      return { handler: r?.handler, status: r?.status, bytes: r?.responseBytes };
    };
    expect(await seen('/sub/file.txt')).toEqual({ handler: 'static', status: 200, bytes: 10 });
    expect(await seen('/data.json', { range: 'bytes=0-2' })).toEqual({
      handler: 'static',
      status: 206,
      bytes: 3,
    });
    const forbidden = await seen('/link-out.txt');
    expect(forbidden).toMatchObject({ handler: 'static', status: 403 });
    expect(forbidden.bytes).toBeGreaterThan(0);
    const list = await get(`${base}/sub/`);
    await waitFor(() => lastRequest(events)?.url === '/sub/');
    expect(lastRequest(events)).toMatchObject({
      handler: 'static',
      status: 200,
      responseBytes: list.body.length,
    });
  });

  it('a folder named like a host is not an open redirect: GET //evil.example → Location /evil.example/', async () => {
    const root = tmp();
    mkdirSync(join(root, 'evil.example'));
    mkdirSync(join(root, 'a b'));
    const { base } = await server({ staticDir: root });
    for (const path of ['//evil.example', '///evil.example', '/./evil.example']) {
      const r = await get(`${base}/`, { path });
      if (r.status === 301) expect(r.headers.location, path).toBe('/evil.example/');
      expect(String(r.headers.location ?? ''), path).not.toMatch(/^\/\//);
    }
    const enc = await get(`${base}/`, { path: '/a%20b?x=1' });
    expect(enc.status).toBe(301);
    expect(enc.headers.location).toBe('/a%20b/?x=1');
  });

  it('a static folder that does not exist is FILE_UNREADABLE at start', async () => {
    const s = new HttpMockServer('t', { port: 0, staticDir: join(tmp(), 'nope') });
    cleanups.push(() => s.close());
    await expect(s.start()).rejects.toMatchObject({ code: 'FILE_UNREADABLE' });
  });
});

describe('HTTP mock server: limits', () => {
  it('refuses a body over maxBodyBytes by Content-Length with 413, before reading it', async () => {
    const { base, events } = await server({
      echo: true,
      limits: HttpServerLimits.parse({ maxBodyBytes: 1000 }),
    });
    const r = await get(`${base}/up`, { method: 'POST', body: Buffer.alloc(5000, 1) });
    expect(r.status).toBe(413);
    const req = await waitFor(() => lastRequest(events));
    expect(req.code).toBe('LIMIT_EXCEEDED');
    expect(req.handler).toBe('limit');
  });

  it('cuts off a chunked body that outgrows maxBodyBytes while streaming', async () => {
    const { base } = await server({ echo: true, limits: HttpServerLimits.parse({ maxBodyBytes: 10_000 }) });
    const status = await new Promise<number>((resolve, reject) => {
      const u = new URL(base);
      const req = httpRequest(
        {
          host: u.hostname,
          port: u.port,
          method: 'POST',
          path: '/up',
          headers: { 'transfer-encoding': 'chunked' },
          agent: false,
        },
        (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        },
      );
      req.on('error', (err) => reject(err));
      let sent = 0;
      const pump = () => {
        while (sent < 200_000) {
          sent += 4096;
          if (!req.write(Buffer.alloc(4096, 2))) return void req.once('drain', pump);
        }
        req.end();
      };
      pump();
    });
    expect(status).toBe(413);
  });

  it('cuts off a slowloris client that never finishes its headers (headersTimeout)', async () => {
    const { port } = (
      await server({ limits: HttpServerLimits.parse({ headersTimeoutMs: 400, requestTimeoutMs: 800 }) })
    ).info;
    const c = await rawConnect(port);
    cleanups.push(() => c.destroy());
    const got = collect(c);
    c.write('GET / HTTP/1.1\r\nHost: x\r\n');
    const trickle = setInterval(() => {
      if (!c.destroyed) c.write('X-Slow: 1\r\n');
    }, 100);
    cleanups.push(() => clearInterval(trickle));
    const t = performance.now();
    await new Promise((r) => c.once('close', r));
    clearInterval(trickle);
    expect(performance.now() - t).toBeLessThan(5000);
    expect(got.text()).toMatch(/^HTTP\/1\.1 408/);
  });

  it('drops connections beyond maxConnections and reports a limit event', async () => {
    const { info, events } = await server({ limits: HttpServerLimits.parse({ maxConnections: 2 }) });
    const a = await rawConnect(info.port);
    const b = await rawConnect(info.port);
    cleanups.push(
      () => a.destroy(),
      () => b.destroy(),
    );
    const third: Socket = await rawConnect(info.port);
    cleanups.push(() => third.destroy());
    await new Promise((r) => third.once('close', r));
    await waitFor(() => events.find((e) => e.type === 'limit' && e.code === 'LIMIT_EXCEEDED'));
  });

  it('answers oversized headers with 431', async () => {
    const { base } = await server({ limits: HttpServerLimits.parse({ maxHeaderBytes: 2048 }) });
    const r = await get(`${base}/`, { headers: { 'x-big': 'a'.repeat(4000) } });
    expect(r.status).toBe(431);
  });

  it('answers a request that is not HTTP with 400 and stays up', async () => {
    const { info, base } = await server();
    const c = await rawConnect(info.port);
    cleanups.push(() => c.destroy());
    const got = collect(c);
    c.write('THIS IS NOT HTTP\r\n\r\n');
    await got.until((t) => t.startsWith('HTTP/1.1 400'));
    expect((await get(`${base}/`)).status).toBe(200);
  });
});

describe('HTTP mock server: TLS and the service', () => {
  it('serves HTTPS with the app certificate whose fingerprint the info reports', async () => {
    const dir = tmp();
    const svc = new HttpServerService({ certificate: () => loadOrCreateAppCertificate(dir) });
    cleanups.push(() => svc.close());
    const info = await svc.start({
      host: '127.0.0.1',
      port: 0,
      tls: true,
      routes: [],
      limits: HttpServerLimits.parse({}),
    });
    expect(info.url).toMatch(/^https:\/\//);
    const cert = await loadOrCreateAppCertificate(dir);
    expect(info.fingerprint256).toBe(cert.fingerprint256);
    const body = await new Promise<string>((resolve, reject) => {
      const req = httpsRequest(
        {
          host: '127.0.0.1',
          port: info.port,
          path: '/',
          ca: cert.certPem,
          servername: 'localhost',
          agent: false,
        },
        (res) => {
          let t = '';
          res.on('data', (d: Buffer) => (t += d.toString()));
          res.on('end', () => resolve(t));
        },
      );
      req.on('error', reject);
      req.end();
    });
    expect(body).toBe('Hello, World!');
    expect(svc.list().servers).toHaveLength(1);
    await svc.stop({ session: info.session });
    await expect(svc.stop({ session: info.session })).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });

  it('through the dispatcher: bad routes, ports and header names are coded errors', async () => {
    const dir = tmp();
    const services = createServices({ dataDir: dir, shell: 'browser', version: 'test' });
    cleanups.push(() => services.close());
    const d = services.dispatcher;
    expect(await d.call('httpServer.start', { port: 70000 })).toMatchObject({
      ok: false,
      error: { code: 'PORT_OUT_OF_RANGE' },
    });
    expect(await d.call('httpServer.start', { port: 0, routes: [{ path: 'no-slash' }] })).toMatchObject({
      ok: false,
      error: { code: 'INVALID_INPUT' },
    });
    expect(
      await d.call('httpServer.start', { port: 0, routes: [{ path: '/x', headers: { 'bad name': 'v' } }] }),
    ).toMatchObject({ ok: false, error: { code: 'INVALID_HEADER' } });
    expect(
      await d.call('httpServer.start', {
        port: 0,
        routes: [{ path: '/x', headers: { ok: 'a\r\nInjected: 1' } }],
      }),
    ).toMatchObject({ ok: false, error: { code: 'INVALID_HEADER' } });
    const ok = await d.call('httpServer.start', { port: 0, routes: [{ path: '/x', body: 'hi' }] });
    expect(ok.ok).toBe(true);
    const info = (ok as { ok: true; value: { session: string; url: string } }).value;
    expect((await get(`${info.url}/x`)).body.toString()).toBe('hi');
    expect(await d.call('httpServer.update', { session: 'nope', echo: true })).toMatchObject({
      ok: false,
      error: { code: 'NOT_FOUND' },
    });
  });
});
