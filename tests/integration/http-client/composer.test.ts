import { afterEach, beforeAll, afterAll, describe, expect, it } from 'vitest';
import { chmodSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer as createHttpServer, type IncomingMessage } from 'node:http';
import { createSecureServer, createServer as createH2Server } from 'node:http2';
import { createServer as createHttpsServer } from 'node:https';
import { connect as netConnect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TLSSocket } from 'node:tls';
import { HttpClientService } from '../../../src/main/engines/http-client/service';
import { HttpMockServer } from '../../../src/main/engines/http-server/server';
import {
  HttpRequestSpec,
  type HttpLoadSummary,
  type HttpRequestSpecInput,
  type HttpResponse,
} from '../../../src/shared/contract/http-client';
import { HttpRoute, HttpServerLimits } from '../../../src/shared/contract/http-server';
import { HttpServerService } from '../../../src/main/engines/http-server/service';
import { loadOrCreateAppCertificate } from '../../../src/main/engines/common/app-cert';
import { createServices } from '../../../src/main/services';
import { makePki, startRawServer, startTestServer, type Pki, type TestServer } from './fixtures';

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

function tmp(): string {
  const d = mkdtempSync(join(tmpdir(), 'wl-composer-'));
  cleanups.push(() => rmSync(d, { recursive: true, force: true }));
  return d;
}

function client(
  dir = tmp(),
  limits?: ConstructorParameters<typeof HttpClientService>[0]['limits'],
): HttpClientService {
  const c = new HttpClientService({ dir, limits, userAgent: 'Wirelab/test' });
  cleanups.push(() => c.close());
  return c;
}

const spec = (s: HttpRequestSpecInput) =>
  HttpRequestSpec.parse({ ...s, options: { proxy: 'none', ...s.options } });
const text = (r: HttpResponse) => Buffer.from(r.body).toString('utf8');
const json = (r: HttpResponse) => JSON.parse(text(r)) as Record<string, unknown>;

let ts: TestServer;
let echoBase: string;
let mock: HttpMockServer;
beforeAll(async () => {
  ts = await startTestServer();
  mock = new HttpMockServer('echo', { port: 0, echo: true });
  echoBase = (await mock.start()).url;
});
afterAll(async () => {
  await ts.close();
  await mock.close();
});

describe("composer: bodies against the app's echo server", () => {
  it('JSON: validated, sent with application/json and Content-Length', async () => {
    const r = await client().send({
      request: spec({ method: 'POST', url: `${echoBase}/j`, body: { type: 'json', text: '{"name":"Ada"}' } }),
      saveHistory: false,
    });
    const e = json(r);
    expect(e.body).toBe('{"name":"Ada"}');
    expect((e.headers as Record<string, string>)['content-type']).toBe('application/json');
    expect((e.headers as Record<string, string>)['content-length']).toBe('14');
    expect(r.sizes.requestBody).toBe(14);
  });

  it('invalid JSON is INVALID_JSON with line and column, and nothing is sent', async () => {
    const before = ts.requests.length;
    await expect(
      client().send({
        request: spec({
          method: 'POST',
          url: `${ts.url}/final`,
          body: { type: 'json', text: '{\n  "a": 1,\n  oops\n}' },
        }),
        saveHistory: false,
      }),
    ).rejects.toMatchObject({
      code: 'INVALID_JSON',
      message: expect.stringMatching(/line 3/),
    });
    expect(ts.requests.length).toBe(before);
  });

  it('form-urlencoded, raw with its content type, and a binary file', async () => {
    const c = client();
    const form = json(
      await c.send({
        request: spec({
          method: 'POST',
          url: `${echoBase}/f`,
          body: {
            type: 'form',
            fields: [
              { name: 'a b', value: 'c&d' },
              { name: 'off', value: 'x', enabled: false },
            ],
          },
        }),
        saveHistory: false,
      }),
    );
    expect(form.body).toBe('a+b=c%26d');
    expect((form.headers as Record<string, string>)['content-type']).toBe(
      'application/x-www-form-urlencoded',
    );
    const raw = json(
      await c.send({
        request: spec({
          method: 'PUT',
          url: `${echoBase}/r`,
          body: { type: 'raw', text: '<x/>', contentType: 'application/xml' },
        }),
        saveHistory: false,
      }),
    );
    expect(raw).toMatchObject({ method: 'PUT', body: '<x/>' });
    expect((raw.headers as Record<string, string>)['content-type']).toBe('application/xml');
    const file = join(tmp(), 'blob.bin');
    writeFileSync(file, Buffer.from([0, 1, 2, 250, 255]));
    const bin = json(
      await c.send({
        request: spec({ method: 'POST', url: `${echoBase}/b`, body: { type: 'binary', file } }),
        saveHistory: false,
      }),
    );
    expect(bin).toMatchObject({
      bodyEncoding: 'base64',
      body: Buffer.from([0, 1, 2, 250, 255]).toString('base64'),
      bodyBytes: 5,
    });
  });

  it('multipart with text fields and a file', async () => {
    const file = join(tmp(), 'note.txt');
    writeFileSync(file, 'file contents\n');
    const r = json(
      await client().send({
        request: spec({
          method: 'POST',
          url: `${echoBase}/m`,
          body: {
            type: 'multipart',
            parts: [
              { name: 'title', value: 'Hello "there"' },
              { name: 'upload', file },
            ],
          },
        }),
        saveHistory: false,
      }),
    );
    const ct = (r.headers as Record<string, string>)['content-type'] ?? '';
    expect(ct).toMatch(/^multipart\/form-data; boundary=/);
    const body = String(r.body);
    expect(body).toContain('Content-Disposition: form-data; name="title"\r\n\r\nHello "there"\r\n');
    expect(body).toContain(
      'name="upload"; filename="note.txt"\r\nContent-Type: text/plain\r\n\r\nfile contents\n\r\n',
    );
    expect(body.trimEnd().endsWith(`--${ct.split('boundary=')[1]}--`)).toBe(true);
    expect(Number((r.headers as Record<string, string>)['content-length'])).toBe(Buffer.byteLength(body));
  });

  it('an unreadable or missing file is FILE_UNREADABLE before anything is sent', async () => {
    const c = client();
    await expect(
      c.send({
        request: spec({
          method: 'POST',
          url: `${echoBase}/b`,
          body: { type: 'binary', file: join(tmp(), 'missing.bin') },
        }),
        saveHistory: false,
      }),
    ).rejects.toMatchObject({ code: 'FILE_UNREADABLE' });
    const dir = tmp();
    await expect(
      c.send({
        request: spec({
          method: 'POST',
          url: `${echoBase}/b`,
          body: { type: 'multipart', parts: [{ name: 'd', file: dir }] },
        }),
        saveHistory: false,
      }),
    ).rejects.toMatchObject({ code: 'FILE_UNREADABLE' });
    if (process.getuid?.() !== 0) {
      const f = join(dir, 'locked');
      writeFileSync(f, 'x');
      chmodSync(f, 0o000);
      await expect(
        c.send({
          request: spec({ method: 'POST', url: `${echoBase}/b`, body: { type: 'binary', file: f } }),
          saveHistory: false,
        }),
      ).rejects.toMatchObject({ code: 'FILE_UNREADABLE' });
    }
  });

  it('malformed URLs and header names are coded errors', async () => {
    const c = client();
    for (const url of ['http://', 'ftp://example.com/x', 'http://exa mple.com/', 'http://[::1', '::::']) {
      await expect(c.send({ request: spec({ url }), saveHistory: false }), url).rejects.toMatchObject({
        code: 'INVALID_URL',
      });
    }
    await expect(
      c.send({
        request: spec({ url: echoBase, headers: [{ name: 'Bad Name', value: 'x' }] }),
        saveHistory: false,
      }),
    ).rejects.toMatchObject({ code: 'INVALID_HEADER' });
    await expect(
      c.send({
        request: spec({ url: echoBase, headers: [{ name: 'X-Ok', value: 'a\r\nInjected: 1' }] }),
        saveHistory: false,
      }),
    ).rejects.toMatchObject({ code: 'INVALID_HEADER' });
    // A URL without a scheme gets http://.
    const r = await c.send({
      request: spec({ url: echoBase.replace('http://', '') + '/noscheme' }),
      saveHistory: false,
    });
    expect(json(r).path).toBe('/noscheme');
  });
});

describe('composer: auth', () => {
  it('basic, bearer, API key in header and in query, and credentials in the URL', async () => {
    const c = client();
    expect(
      text(
        await c.send({
          request: spec({
            url: `${ts.url}/basic`,
            auth: { type: 'basic', username: 'ada', password: 's3cret' },
          }),
          saveHistory: false,
        }),
      ),
    ).toBe('welcome');
    expect(
      (
        await c.send({
          request: spec({
            url: `${ts.url}/basic`,
            auth: { type: 'basic', username: 'ada', password: 'wrong' },
          }),
          saveHistory: false,
        })
      ).status,
    ).toBe(401);
    expect(
      text(
        await c.send({
          request: spec({ url: `${ts.url.replace('http://', 'http://ada:s3cret@')}/basic` }),
          saveHistory: false,
        }),
      ),
    ).toBe('welcome');
    const bearer = json(
      await c.send({
        request: spec({ url: `${echoBase}/t`, auth: { type: 'bearer', token: 'tok.en' } }),
        saveHistory: false,
      }),
    );
    expect((bearer.headers as Record<string, string>).authorization).toBe('Bearer tok.en');
    const keyH = json(
      await c.send({
        request: spec({
          url: `${echoBase}/t`,
          auth: { type: 'apiKey', name: 'X-API-Key', value: 'k1', in: 'header' },
        }),
        saveHistory: false,
      }),
    );
    expect((keyH.headers as Record<string, string>)['x-api-key']).toBe('k1');
    const keyQ = json(
      await c.send({
        request: spec({
          url: `${echoBase}/t?a=1`,
          auth: { type: 'apiKey', name: 'api_key', value: 'k 2', in: 'query' },
        }),
        saveHistory: false,
      }),
    );
    expect(keyQ.query).toEqual({ a: '1', api_key: 'k 2' });
  });

  it('digest: answers the challenge (MD5, qop=auth, opaque) and fails cleanly with a wrong password', async () => {
    const c = client();
    const ok = await c.send({
      request: spec({
        url: `${ts.url}/digest`,
        auth: { type: 'digest', username: 'ada', password: 's3cret' },
      }),
      saveHistory: false,
    });
    expect(ok.status).toBe(200);
    expect(text(ok)).toBe('digest welcome');
    const bad = await c.send({
      request: spec({ url: `${ts.url}/digest`, auth: { type: 'digest', username: 'ada', password: 'nope' } }),
      saveHistory: false,
    });
    expect(bad.status).toBe(401);
  });
});

describe('composer: redirects, cookies, encodings, chunked', () => {
  it('follows redirects, shows the chain, and obeys the maximum', async () => {
    const c = client();
    const r = await c.send({ request: spec({ url: `${ts.url}/redirect/3` }), saveHistory: false });
    expect(r.status).toBe(200);
    expect(r.redirects.map((h) => h.status)).toEqual([302, 302, 302]);
    expect(r.redirects[0]?.url).toBe(`${ts.url}/redirect/3`);
    expect(r.url).toBe(`${ts.url}/final`);
    await expect(
      c.send({
        request: spec({ url: `${ts.url}/redirect/3`, options: { maxRedirects: 2 } }),
        saveHistory: false,
      }),
    ).rejects.toMatchObject({ code: 'TOO_MANY_REDIRECTS' });
    await expect(
      c.send({ request: spec({ url: `${ts.url}/loop` }), saveHistory: false }),
    ).rejects.toMatchObject({ code: 'TOO_MANY_REDIRECTS' });
    const noFollow = await c.send({
      request: spec({ url: `${ts.url}/redirect/1`, options: { followRedirects: false } }),
      saveHistory: false,
    });
    expect(noFollow.status).toBe(302);
    expect(noFollow.redirects).toEqual([]);
  });

  it('303 turns POST into GET without body; 307 keeps method and body; cross-origin drops Authorization', async () => {
    const c = client();
    const see = json(
      await c.send({
        request: spec({
          method: 'POST',
          url: `${ts.url}/redirect/1?code=303`,
          body: { type: 'raw', text: 'payload' },
        }),
        saveHistory: false,
      }),
    );
    expect(see).toMatchObject({ method: 'GET', body: '' });
    const keep = json(
      await c.send({
        request: spec({
          method: 'POST',
          url: `${ts.url}/redirect/1?code=307`,
          body: { type: 'raw', text: 'payload' },
        }),
        saveHistory: false,
      }),
    );
    expect(keep).toMatchObject({ method: 'POST', body: 'payload' });
    const cross = json(
      await c.send({
        request: spec({ url: `${ts.url}/redirect-abs`, auth: { type: 'bearer', token: 'secret' } }),
        saveHistory: false,
      }),
    );
    expect(cross.auth).toBeNull();
  });

  it('cookie jar: stores Set-Cookie, sends it back, skips Secure on http, honours Max-Age, persists, edits, clears', async () => {
    const dir = tmp();
    const c = client(dir);
    await c.send({ request: spec({ url: `${ts.url}/set-cookie` }), saveHistory: false });
    const names = c
      .cookiesList()
      .cookies.map((k) => k.name)
      .sort();
    expect(names).toEqual(['pref', 'session']);
    expect(text(await c.send({ request: spec({ url: `${ts.url}/show-cookie` }), saveHistory: false }))).toBe(
      'session=abc123; pref=dark',
    );
    // Kept across a restart of the engine (same data directory).
    const c2 = client(dir);
    expect(c2.cookiesList().cookies).toHaveLength(2);
    c2.cookieSet({
      name: 'manual',
      value: 'v',
      domain: '127.0.0.1',
      path: '/',
      hostOnly: true,
      secure: false,
      httpOnly: false,
    });
    c2.cookieDelete({ name: 'pref', domain: '127.0.0.1', path: '/' });
    expect(text(await c2.send({ request: spec({ url: `${ts.url}/show-cookie` }), saveHistory: false }))).toBe(
      'session=abc123; manual=v',
    );
    expect(
      text(
        await c2.send({
          request: spec({ url: `${ts.url}/show-cookie`, options: { useCookies: false } }),
          saveHistory: false,
        }),
      ),
    ).toBe('');
    c2.cookiesClear();
    expect(text(await c2.send({ request: spec({ url: `${ts.url}/show-cookie` }), saveHistory: false }))).toBe(
      '',
    );
  });

  it.each(['gzip', 'br', 'deflate', 'deflate-raw'])(
    'decodes %s and reports compressed and decoded sizes',
    async (kind) => {
      const r = await client().send({ request: spec({ url: `${ts.url}/${kind}` }), saveHistory: false });
      expect(text(r)).toBe('compressible text '.repeat(200));
      expect(r.sizes.bodyDecoded).toBe(3600);
      expect(r.sizes.bodyWire).toBeLessThan(200);
      expect(r.contentEncoding).toBe(kind === 'deflate-raw' ? 'deflate' : kind);
      const raw = await client().send({
        request: spec({ url: `${ts.url}/${kind}`, options: { decode: false } }),
        saveHistory: false,
      });
      expect(raw.sizes.bodyDecoded).toBe(raw.sizes.bodyWire);
    },
  );

  it('a damaged gzip body is DECODE_FAILED', async () => {
    await expect(
      client().send({ request: spec({ url: `${ts.url}/bad-gzip` }), saveHistory: false }),
    ).rejects.toMatchObject({ code: 'DECODE_FAILED' });
  });

  it('reassembles a chunked body', async () => {
    const r = await client().send({ request: spec({ url: `${ts.url}/chunked` }), saveHistory: false });
    expect(text(r)).toBe('part0;part1;part2;part3;part4;');
    expect(r.headers.find(([k]) => k.toLowerCase() === 'transfer-encoding')?.[1]).toBe('chunked');
  });
});

describe('composer: timing, timeouts, cancel, broken servers', () => {
  it("reports every timing phase and sizes against the app's own server", async () => {
    const r = await client().send({ request: spec({ url: `${echoBase}/users/1` }), saveHistory: false });
    for (const k of ['dns', 'connect', 'tls', 'send', 'ttfb', 'download', 'total'] as const)
      expect(r.timing[k]).toBeGreaterThanOrEqual(0);
    expect(r.timing.connect).toBeGreaterThan(0);
    expect(r.timing.total).toBeGreaterThanOrEqual(r.timing.connect + r.timing.ttfb);
    expect(r.httpVersion).toBe('1.1');
    expect(r.sizes.requestHeaders).toBeGreaterThan(20);
    expect(r.sizes.responseHeaders).toBeGreaterThan(20);
    expect(r.remoteAddress).toBe('127.0.0.1');
  });

  it('times out as TIMEOUT (waiting for headers and mid-body)', async () => {
    const c = client();
    await expect(
      c.send({
        request: spec({ url: `${ts.url}/slow?ms=3000`, options: { timeoutMs: 200 } }),
        saveHistory: false,
      }),
    ).rejects.toMatchObject({ code: 'TIMEOUT' });
    await expect(
      c.send({
        request: spec({ url: `${ts.url}/slow-body`, options: { timeoutMs: 200 } }),
        saveHistory: false,
      }),
    ).rejects.toMatchObject({ code: 'TIMEOUT' });
  });

  it('cancel stops a running request as CANCELLED', async () => {
    const c = client();
    const p = c.send({ id: 'c1', request: spec({ url: `${ts.url}/slow?ms=3000` }), saveHistory: true });
    await new Promise((r) => setTimeout(r, 100));
    expect(c.cancel({ id: 'c1' })).toEqual({ cancelled: true });
    await expect(p).rejects.toMatchObject({ code: 'CANCELLED' });
    expect(c.cancel({ id: 'c1' })).toEqual({ cancelled: false });
    expect(c.historyList({ search: '', limit: 10 }).entries[0]).toMatchObject({ code: 'CANCELLED' });
  });

  it('a server that sends garbage is HTTP_PROTOCOL_ERROR; one that closes mid-body is RESPONSE_INCOMPLETE', async () => {
    const garbage = await startRawServer('SSH-2.0-OpenSSH_9.0\r\n\r\n');
    cleanups.push(() => garbage.close());
    const c = client();
    await expect(
      c.send({ request: spec({ url: `http://127.0.0.1:${garbage.port}/` }), saveHistory: false }),
    ).rejects.toMatchObject({ code: 'HTTP_PROTOCOL_ERROR' });
    await expect(
      c.send({ request: spec({ url: `${ts.url}/close-mid` }), saveHistory: false }),
    ).rejects.toMatchObject({ code: 'RESPONSE_INCOMPLETE' });
    const silent = await startRawServer(null, 'close');
    cleanups.push(() => silent.close());
    await expect(
      c.send({ request: spec({ url: `http://127.0.0.1:${silent.port}/` }), saveHistory: false }),
    ).rejects.toMatchObject({ code: 'CONNECTION_RESET' });
    const truncatedHead = await startRawServer('HTTP/1.1 200 OK\r\nContent-Le');
    cleanups.push(() => truncatedHead.close());
    await expect(
      c.send({ request: spec({ url: `http://127.0.0.1:${truncatedHead.port}/` }), saveHistory: false }),
    ).rejects.toMatchObject({ code: expect.stringMatching(/HTTP_PROTOCOL_ERROR|CONNECTION_RESET/) });
    await expect(
      c.send({ request: spec({ url: 'http://127.0.0.1:1/' }), saveHistory: false }),
    ).rejects.toMatchObject({ code: 'CONNECTION_REFUSED' });
  });

  it('a 100 MB response is streamed to a file; only the preview is held in memory', async () => {
    const dir = tmp();
    const c = client(dir);
    const total = 100 * 1024 * 1024;
    let peak = 0;
    const base = process.memoryUsage().arrayBuffers;
    const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().arrayBuffers - base)), 10);
    cleanups.push(() => clearInterval(sampler));
    const r = await c.send({ request: spec({ url: `${ts.url}/big?bytes=${total}` }), saveHistory: false });
    clearInterval(sampler);
    expect(r.sizes.bodyDecoded).toBe(total);
    expect(r.body.length).toBe(1024 * 1024);
    expect(r.bodyTruncated).toBe(true);
    expect(r.bodyFile).toBeDefined();
    expect(statSync(r.bodyFile as string).size).toBe(total);
    expect(r.bodyFile?.startsWith(join(dir, 'bodies'))).toBe(true);
    // Holding the body would mean ≥ 100 MB of buffers; streaming keeps far below.
    expect(peak).toBeLessThan(48 * 1024 * 1024);
  });

  it('a small preview limit spools small bodies too and keeps the file byte-identical', async () => {
    const c = client(tmp(), { previewBytes: 1000 });
    const r = await c.send({ request: spec({ url: `${ts.url}/big?bytes=5000` }), saveHistory: false });
    expect(r.body.length).toBe(1000);
    expect(readFileSync(r.bodyFile as string)).toEqual(Buffer.alloc(5000, 0x61));
  });
});

describe('composer: TLS and HTTP/2', () => {
  let pki: Pki;
  beforeAll(() => {
    pki = makePki();
  });

  it('TLS with a local CA: refused without it (TLS_ERROR), accepted with caPem, or with verification off', async () => {
    const s = createHttpsServer({ cert: pki.server.certPem, key: pki.server.keyPem }, (_req, res) =>
      res.end('secure hello'),
    );
    await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
    cleanups.push(() => new Promise((r) => s.close(r)));
    const url = `https://localhost:${(s.address() as { port: number }).port}/`;
    const c = client();
    await expect(c.send({ request: spec({ url }), saveHistory: false })).rejects.toMatchObject({
      code: 'TLS_ERROR',
    });
    const ok = await c.send({
      request: spec({ url, options: { caPem: pki.ca.certPem } }),
      saveHistory: false,
    });
    expect(text(ok)).toBe('secure hello');
    expect(ok.tlsProtocol).toMatch(/TLSv1\.[23]/);
    expect(ok.timing.tls).toBeGreaterThan(0);
    expect(ok.httpVersion).toBe('1.1');
    const insecure = await c.send({
      request: spec({ url, options: { verifyTls: false } }),
      saveHistory: false,
    });
    expect(insecure.status).toBe(200);
    // PEM options that are not PEM, or a certificate without its key, are refused before connecting.
    await expect(
      c.send({ request: spec({ url, options: { caPem: 'not a pem' } }), saveHistory: false }),
    ).rejects.toMatchObject({ code: 'INVALID_INPUT' });
    await expect(
      c.send({
        request: spec({ url, options: { caPem: pki.ca.certPem, clientCertPem: pki.client.certPem } }),
        saveHistory: false,
      }),
    ).rejects.toMatchObject({ code: 'INVALID_INPUT' });
  });

  it('client certificate (mutual TLS) is presented when given', async () => {
    const s = createHttpsServer(
      {
        cert: pki.server.certPem,
        key: pki.server.keyPem,
        ca: pki.ca.certPem,
        requestCert: true,
        rejectUnauthorized: true,
      },
      (req, res) => {
        res.end(`client=${(req.socket as TLSSocket).getPeerCertificate().subject?.CN}`);
      },
    );
    await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
    cleanups.push(() => new Promise((r) => s.close(r)));
    const url = `https://localhost:${(s.address() as { port: number }).port}/`;
    const c = client();
    await expect(
      c.send({ request: spec({ url, options: { caPem: pki.ca.certPem } }), saveHistory: false }),
    ).rejects.toMatchObject({ code: expect.stringMatching(/TLS_ERROR|CONNECTION_RESET/) });
    const ok = await c.send({
      request: spec({
        url,
        options: {
          caPem: pki.ca.certPem,
          clientCertPem: pki.client.certPem,
          clientKeyPem: pki.client.keyPem,
        },
      }),
      saveHistory: false,
    });
    expect(text(ok)).toBe('client=test client');
  });

  it('HTTP/2 via ALPN is used and shown; 1.1 can be forced; h2c with prior knowledge', async () => {
    const s = createSecureServer(
      { cert: pki.server.certPem, key: pki.server.keyPem, allowHTTP1: true },
      (req, res) => {
        res.setHeader('content-type', 'application/json');
        res.end(JSON.stringify({ v: req.httpVersion, m: req.method }));
      },
    );
    await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
    cleanups.push(() => new Promise((r) => s.close(r)));
    const url = `https://localhost:${(s.address() as { port: number }).port}/x?y=1`;
    const c = client();
    const h2 = await c.send({
      request: spec({
        method: 'POST',
        url,
        body: { type: 'json', text: '{}' },
        options: { caPem: pki.ca.certPem },
      }),
      saveHistory: false,
    });
    expect(h2.httpVersion).toBe('2');
    expect(json(h2)).toEqual({ v: '2.0', m: 'POST' });
    expect(h2.requestHeaders.some(([k]) => k === ':authority')).toBe(true);
    const h1 = await c.send({
      request: spec({ url, options: { caPem: pki.ca.certPem, httpVersion: '1.1' } }),
      saveHistory: false,
    });
    expect(h1.httpVersion).toBe('1.1');
    expect(json(h1).v).toBe('1.1');

    const plain = createH2Server((req, res) => res.end(`h2c ${req.httpVersion}`));
    await new Promise<void>((r) => plain.listen(0, '127.0.0.1', r));
    cleanups.push(() => new Promise((r) => plain.close(r)));
    const h2c = await c.send({
      request: spec({
        url: `http://127.0.0.1:${(plain.address() as { port: number }).port}/`,
        options: { httpVersion: '2' },
      }),
      saveHistory: false,
    });
    expect(text(h2c)).toBe('h2c 2.0');
    // A server without HTTP/2 asked for it explicitly: a clear NOT_SUPPORTED.
    const h1only = createHttpsServer({ cert: pki.server.certPem, key: pki.server.keyPem }, (_q, res) =>
      res.end('x'),
    );
    await new Promise<void>((r) => h1only.listen(0, '127.0.0.1', r));
    cleanups.push(() => new Promise((r) => h1only.close(r)));
    // Cleanups run last-first: the client (and its pooled HTTP/2 sessions) goes before the servers
    // above, whose close() otherwise waits out the sessions' idle timeout (30 s).
    cleanups.push(() => c.close());
    await expect(
      c.send({
        request: spec({
          url: `https://localhost:${(h1only.address() as { port: number }).port}/`,
          options: { caPem: pki.ca.certPem, httpVersion: '2' },
        }),
        saveHistory: false,
      }),
    ).rejects.toMatchObject({
      code: expect.stringMatching(/NOT_SUPPORTED|TLS_ERROR/),
    });
  });
});

describe('composer: proxy', () => {
  it('sends plain HTTP in absolute form and tunnels HTTPS with CONNECT through an explicit proxy', async () => {
    const seen: string[] = [];
    const proxy = createHttpServer((req: IncomingMessage, res) => {
      seen.push(`${req.method} ${req.url}`);
      const u = new URL(req.url ?? '');
      const up = netConnect(Number(u.port), u.hostname, () => {
        up.write(
          `${req.method} ${u.pathname}${u.search} HTTP/1.1\r\nHost: ${u.host}\r\nConnection: close\r\n\r\n`,
        );
      });
      up.pipe(res.socket as Socket);
    });
    proxy.on('connect', (req: IncomingMessage, sock: Socket) => {
      seen.push(`CONNECT ${req.url}`);
      const [h, p] = (req.url ?? '').split(':');
      const up = netConnect(Number(p), h, () => {
        sock.write('HTTP/1.1 200 Connection Established\r\n\r\n');
        up.pipe(sock);
        sock.pipe(up);
      });
      up.on('error', () => sock.destroy());
    });
    await new Promise<void>((r) => proxy.listen(0, '127.0.0.1', r));
    cleanups.push(() => new Promise((r) => proxy.close(r)));
    proxy.on('connection', (s: Socket) => cleanups.push(() => s.destroy()));
    const proxyUrl = `http://127.0.0.1:${(proxy.address() as { port: number }).port}`;
    const c = client();
    const r = await c.send({
      request: spec({ url: `${echoBase}/via-proxy?a=1`, options: { proxy: proxyUrl } }),
      saveHistory: false,
    });
    expect(json(r).path).toBe('/via-proxy');
    expect(seen[0]).toBe(`GET ${echoBase}/via-proxy?a=1`);

    const pki = makePki();
    const s = createHttpsServer({ cert: pki.server.certPem, key: pki.server.keyPem }, (_q, res) =>
      res.end('tunnelled'),
    );
    await new Promise<void>((rr) => s.listen(0, '127.0.0.1', rr));
    cleanups.push(() => new Promise((rr) => s.close(rr)));
    const port = (s.address() as { port: number }).port;
    const t = await c.send({
      request: spec({
        url: `https://localhost:${port}/`,
        options: { proxy: proxyUrl, caPem: pki.ca.certPem },
      }),
      saveHistory: false,
    });
    expect(text(t)).toBe('tunnelled');
    expect(seen).toContain(`CONNECT localhost:${port}`);
    await expect(
      c.send({
        request: spec({ url: `${echoBase}/x`, options: { proxy: 'http://127.0.0.1:1' } }),
        saveHistory: false,
      }),
    ).rejects.toMatchObject({ code: 'PROXY_FAILED' });
  });
});

describe('composer: history, environments, collections', () => {
  it('history is searchable and kept across restarts; errors are recorded too', async () => {
    const dir = tmp();
    const c = client(dir);
    await c.send({ request: spec({ url: `${echoBase}/alpha` }), saveHistory: true });
    await c.send({ request: spec({ method: 'DELETE', url: `${echoBase}/beta` }), saveHistory: true });
    await c
      .send({ request: spec({ url: 'http://127.0.0.1:1/refused' }), saveHistory: true })
      .catch(() => undefined);
    const c2 = client(dir);
    expect(c2.historyList({ search: '', limit: 100 }).total).toBe(3);
    expect(c2.historyList({ search: 'beta delete', limit: 100 }).entries.map((e) => e.request.url)).toEqual([
      `${echoBase}/beta`,
    ]);
    expect(c2.historyList({ search: 'CONNECTION_REFUSED', limit: 100 }).total).toBe(1);
    const first = c2.historyList({ search: 'alpha', limit: 1 }).entries[0];
    c2.historyDelete({ id: first?.id ?? '' });
    expect(c2.historyList({ search: 'alpha', limit: 10 }).total).toBe(0);
    // A large body is not kept in history (500 entries must stay small); the entry says how large it was.
    await c2.send({
      request: spec({
        method: 'POST',
        url: `${echoBase}/big`,
        body: { type: 'raw', text: 'x'.repeat(100_000) },
      }),
      saveHistory: true,
    });
    const big = c2.historyList({ search: 'big', limit: 1 }).entries[0];
    expect(big?.request.body).toEqual({ type: 'none' });
    expect(big?.bodyOmittedChars).toBeGreaterThan(100_000);
    c2.historyClear();
    expect(client(dir).historyList({ search: '', limit: 10 }).total).toBe(0);
  });

  it('environments substitute {{variables}} in URL, headers, body and auth; unknown ones stay', async () => {
    const c = client();
    c.environmentsSet({
      active: 'dev',
      environments: [
        {
          name: 'dev',
          variables: [
            { name: 'base', value: echoBase, enabled: true },
            { name: 'tok', value: 'T1', enabled: true },
          ],
        },
      ],
    });
    const r = json(
      await c.send({
        request: spec({
          method: 'POST',
          url: '{{base}}/env/{{missing}}',
          headers: [{ name: 'X-Tok', value: '{{tok}}' }],
          body: { type: 'json', text: '{"t":"{{tok}}"}' },
          auth: { type: 'bearer', token: '{{tok}}' },
        }),
        saveHistory: true,
      }),
    );
    expect(r.path).toBe('/env/%7B%7Bmissing%7D%7D');
    expect((r.headers as Record<string, string>)['x-tok']).toBe('T1');
    expect((r.headers as Record<string, string>).authorization).toBe('Bearer T1');
    expect(r.body).toBe('{"t":"T1"}');
    // History keeps the request as written, with its variables.
    expect(c.historyList({ search: '', limit: 1 }).entries[0]?.request.url).toBe('{{base}}/env/{{missing}}');
    expect(() => c.environmentsSet({ active: 'nope', environments: [] })).toThrow(
      expect.objectContaining({ code: 'INVALID_INPUT' }),
    );
    await expect(
      c.send({ request: spec({ url: echoBase }), environment: 'ghost', saveHistory: false }),
    ).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });

  it('collections are folders of readable JSON files that round-trip', async () => {
    const dir = tmp();
    const c = client(dir);
    const col = c.collectionCreate({ name: 'My API' });
    expect(col.slug).toBe('my-api');
    const { path } = c.requestSave({
      collection: col.slug,
      folder: 'Users',
      name: 'Get user',
      request: spec({ url: '{{base}}/users/1' }),
    });
    expect(path).toBe('users/get-user');
    const onDisk = readFileSync(
      join(dir, 'collections', 'my-api', 'users', 'get-user.request.json'),
      'utf8',
    ).replace(/\r/g, '');
    expect(
      onDisk.startsWith(
        '{\n  "name": "Get user",\n  "request": {\n    "method": "GET",\n    "url": "{{base}}/users/1"',
      ),
    ).toBe(true);
    expect(onDisk.endsWith('}\n')).toBe(true);
    // Saving the same request again writes identical bytes (diff-friendly).
    c.requestSave({
      collection: col.slug,
      folder: 'Users',
      name: 'Get user',
      request: spec({ url: '{{base}}/users/1' }),
    });
    expect(readFileSync(join(dir, 'collections', 'my-api', 'users', 'get-user.request.json'), 'utf8')).toBe(
      onDisk,
    );
    expect(c.collectionsList().collections[0]).toMatchObject({
      name: 'My API',
      requests: [{ path: 'users/get-user', name: 'Get user', method: 'GET' }],
    });
    expect(c.requestGet({ collection: 'my-api', path: 'users/get-user' }).request.url).toBe(
      '{{base}}/users/1',
    );
    writeFileSync(join(dir, 'collections', 'my-api', 'broken.request.json'), '{ not json');
    expect(() => c.requestGet({ collection: 'my-api', path: 'broken' })).toThrow(
      expect.objectContaining({ code: 'STORAGE_CORRUPT' }),
    );
    expect(c.collectionsList().collections[0]?.requests).toHaveLength(1);
    c.requestDelete({ collection: 'my-api', path: 'users/get-user' });
    expect(() => c.requestGet({ collection: 'my-api', path: 'users/get-user' })).toThrow(
      expect.objectContaining({ code: 'NOT_FOUND' }),
    );
    c.collectionDelete({ slug: 'my-api' });
    expect(c.collectionsList().collections).toEqual([]);
  });
});

describe('composer: load runs', () => {
  it('runs N requests with concurrency C against the mock server and reports percentiles, statuses and req/s', async () => {
    const m = new HttpMockServer('load', {
      port: 0,
      routes: [HttpRoute.parse({ path: '/teapot', status: 418, body: 'short and stout' })],
    });
    cleanups.push(() => m.close());
    const base = (await m.start()).url;
    const c = client();
    const events: string[] = [];
    const done = new Promise<HttpLoadSummary>((resolve) =>
      c.on((e) => {
        events.push(e.type);
        if (e.type === 'load.done') resolve(e.summary);
      }),
    );
    const { session } = c.loadStart({
      request: spec({ url: `${base}/teapot` }),
      requests: 500,
      concurrency: 8,
      maxDurationMs: 20_000,
    });
    const s = await done;
    expect(s).toMatchObject({
      session,
      state: 'done',
      sent: 500,
      completed: 500,
      errors: 0,
      statusCounts: { '418': 500 },
      httpVersion: '1.1',
    });
    expect(s.latency.p50).toBeLessThanOrEqual(s.latency.p90);
    expect(s.latency.p90).toBeLessThanOrEqual(s.latency.p99);
    expect(s.latency.p99).toBeLessThanOrEqual(s.latency.max);
    expect(s.histogram.reduce((n, b) => n + b.count, 0)).toBe(500);
    expect(s.requestsPerSecond).toBeGreaterThan(0);
    expect(c.loadGet({ session }).completed).toBe(500);
  });

  it('counts errors by code, handles chunked and HTTP/2 targets, and can be stopped', async () => {
    const c = client();
    const refused = await c.loadStart({
      request: spec({ url: 'http://127.0.0.1:1/' }),
      requests: 20,
      concurrency: 2,
      maxDurationMs: 10_000,
    });
    await new Promise((r) => setTimeout(r, 300));
    const sum = await c.loadStop({ session: refused.session });
    expect(sum.errorCodes.CONNECTION_REFUSED).toBeGreaterThan(0);
    expect(sum.completed).toBe(0);

    const chunked = await c.loadStart({
      request: spec({ url: `${ts.url}/chunked` }),
      requests: 20,
      concurrency: 4,
      maxDurationMs: 10_000,
    });
    const chunkedDone = await waitDone(c, chunked.session);
    expect(chunkedDone.statusCounts).toEqual({ '200': 20 });

    const plain = createH2Server((_q, res) => res.end('h2'));
    await new Promise<void>((r) => plain.listen(0, '127.0.0.1', r));
    cleanups.push(() => new Promise((r) => plain.close(r)));
    const h2 = c.loadStart({
      request: spec({
        url: `http://127.0.0.1:${(plain.address() as { port: number }).port}/`,
        options: { httpVersion: '2' },
      }),
      requests: 100,
      concurrency: 10,
      maxDurationMs: 10_000,
    });
    const h2Done = await waitDone(c, h2.session);
    expect(h2Done).toMatchObject({ completed: 100, httpVersion: '2', statusCounts: { '200': 100 } });

    const slow = c.loadStart({
      request: spec({ url: `${ts.url}/slow?ms=200` }),
      requests: 1000,
      concurrency: 2,
      maxDurationMs: 60_000,
    });
    await new Promise((r) => setTimeout(r, 500));
    const stopped = await c.loadStop({ session: slow.session });
    expect(stopped.state).toBe('stopped');
    expect(stopped.completed).toBeLessThan(1000);
    expect(() =>
      c.loadStart({ request: spec({ url: 'http://' }), requests: 1, concurrency: 1, maxDurationMs: 1000 }),
    ).toThrow(expect.objectContaining({ code: 'INVALID_URL' }));
  });

  it('the contract bounds N and C', async () => {
    const dir = tmp();
    const services = createServices({ dataDir: dir, shell: 'browser', version: 'test' });
    cleanups.push(() => services.close());
    const r = await services.dispatcher.call('httpClient.loadStart', {
      request: { url: echoBase },
      requests: 10,
      concurrency: 100_000,
    });
    expect(r).toMatchObject({ ok: false, error: { code: 'LIMIT_EXCEEDED' } });
    const h = await services.dispatcher.call('httpClient.send', {
      request: { url: echoBase, headers: [{ name: 'Bad Name', value: '1' }], options: { proxy: 'none' } },
    });
    expect(h).toMatchObject({ ok: false, error: { code: 'INVALID_HEADER' } });
    const ok = await services.dispatcher.call('httpClient.send', {
      request: { url: `${echoBase}/dispatched`, options: { proxy: 'none' } },
    });
    expect(ok).toMatchObject({ ok: true, value: { status: 200 } });
  });
});

function waitDone(c: HttpClientService, session: string) {
  return new Promise<HttpLoadSummary>((resolve) => {
    const off = c.on((e) => {
      if (e.type === 'load.done' && e.session === session) {
        off();
        resolve(e.summary);
      }
    });
  });
}

describe("composer against the app's own HTTPS server, and collection import", () => {
  it('trusts the app certificate as a custom CA and reports TLS timing', async () => {
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
    const cert = await loadOrCreateAppCertificate(dir);
    const c = client();
    const url = `https://localhost:${info.port}/users/2`;
    await expect(c.send({ request: spec({ url }), saveHistory: false })).rejects.toMatchObject({
      code: 'TLS_ERROR',
    });
    const r = await c.send({ request: spec({ url, options: { caPem: cert.certPem } }), saveHistory: false });
    expect(r.status).toBe(200);
    expect(json(r)).toMatchObject({ id: 2 });
    expect(r.timing.tls).toBeGreaterThan(0);
    expect(r.tlsProtocol).toBe('TLSv1.3');
  });

  it('imports a Postman collection into a new collection on disk; an invalid OpenAPI document is OPENAPI_INVALID', async () => {
    const c = client();
    const text = JSON.stringify({
      info: {
        name: 'Imported',
        schema: 'https://schema.getpostman.com/json/collection/v2.1.0/collection.json',
      },
      item: [
        { name: 'Folder', item: [{ name: 'One', request: { method: 'GET', url: 'http://127.0.0.1/one' } }] },
      ],
    });
    const r = await c.importCollection({ format: 'postman', text, save: true });
    expect(r.saved).toMatchObject({
      name: 'Imported',
      requests: [{ path: 'folder/one', name: 'One', method: 'GET' }],
    });
    expect(c.collectionsList().collections.map((x) => x.name)).toEqual(['Imported']);
    await expect(
      c.importCollection({ format: 'openapi', text: 'swagger: "2.0"', save: true }),
    ).rejects.toThrow(expect.objectContaining({ code: 'OPENAPI_INVALID' }));
    expect(c.collectionsList().collections).toHaveLength(1);
  });
});
