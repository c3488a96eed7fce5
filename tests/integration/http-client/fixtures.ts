// Test servers for the composer: a plain node:http server with endpoints for every behaviour the tests
// need (compression, chunking, redirects, cookies, Digest, garbage, early close, slow and huge bodies),
// plus TLS material from a throwaway local CA.
import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createNetServer, type Server as NetServer, type Socket } from 'node:net';
import { brotliCompressSync, deflateRawSync, deflateSync, gzipSync } from 'node:zlib';
import { buildCertificate, type BuiltCertificate } from '../../../src/main/engines/common/x509-builder';

export interface TestServer {
  url: string;
  port: number;
  close(): Promise<void>;
  requests: { method: string; url: string; headers: IncomingMessage['headers']; body: Buffer }[];
}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    req.on('data', (d: Buffer) => chunks.push(d));
    req.on('end', () => resolve(Buffer.concat(chunks)));
  });
}

const md5 = (s: string) => createHash('md5').update(s).digest('hex');

function digestOk(req: IncomingMessage, user: string, pass: string, realm: string, nonce: string): boolean {
  const h = req.headers.authorization ?? '';
  if (!h.startsWith('Digest ')) return false;
  const p: Record<string, string> = {};
  for (const m of h.slice(7).matchAll(/(\w+)=(?:"([^"]*)"|([^,\s]+))/g))
    p[m[1] as string] = (m[2] ?? m[3]) as string;
  const ha1 = md5(`${user}:${realm}:${pass}`);
  const ha2 = md5(`${req.method}:${p.uri}`);
  const expected = md5(`${ha1}:${nonce}:${p.nc}:${p.cnonce}:${p.qop}:${ha2}`);
  return p.username === user && p.nonce === nonce && p.response === expected && p.opaque === 'op4que';
}

export async function startTestServer(): Promise<TestServer> {
  const requests: TestServer['requests'] = [];
  const sockets = new Set<Socket>();
  let port = 0;
  const handler = async (req: IncomingMessage, res: ServerResponse) => {
    const body = await readBody(req);
    requests.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body });
    const u = new URL(req.url ?? '/', 'http://x');
    const p = u.pathname;
    const text = 'compressible text '.repeat(200);
    if (p === '/gzip')
      return res
        .writeHead(200, { 'content-encoding': 'gzip', 'content-type': 'text/plain' })
        .end(gzipSync(text));
    if (p === '/br')
      return res
        .writeHead(200, { 'content-encoding': 'br', 'content-type': 'text/plain' })
        .end(brotliCompressSync(text));
    if (p === '/deflate')
      return res
        .writeHead(200, { 'content-encoding': 'deflate', 'content-type': 'text/plain' })
        .end(deflateSync(text));
    if (p === '/deflate-raw')
      return res
        .writeHead(200, { 'content-encoding': 'deflate', 'content-type': 'text/plain' })
        .end(deflateRawSync(text));
    if (p === '/bad-gzip')
      return res.writeHead(200, { 'content-encoding': 'gzip' }).end(Buffer.from('definitely not gzip data'));
    if (p === '/chunked') {
      res.writeHead(200, { 'content-type': 'text/plain' });
      for (let i = 0; i < 5; i++) {
        res.write(`part${i};`);
        await new Promise((r) => setTimeout(r, 5));
      }
      return res.end();
    }
    if (p.startsWith('/redirect/')) {
      const n = Number(p.split('/')[2]);
      const code = Number(u.searchParams.get('code') ?? 302);
      return res.writeHead(code, { location: n > 1 ? `/redirect/${n - 1}?code=${code}` : '/final' }).end();
    }
    if (p === '/redirect-abs')
      return res.writeHead(302, { location: `http://localhost:${port}/final` }).end();
    if (p === '/loop') return res.writeHead(302, { location: '/loop' }).end();
    if (p === '/final')
      return res.writeHead(200, { 'content-type': 'application/json' }).end(
        JSON.stringify({
          method: req.method,
          body: body.toString(),
          auth: req.headers.authorization ?? null,
        }),
      );
    if (p === '/set-cookie') {
      return res
        .writeHead(200, {
          'set-cookie': [
            'session=abc123; Path=/; HttpOnly',
            'pref=dark; Max-Age=3600',
            'gone=x; Max-Age=0',
            'sec=1; Secure',
          ],
        })
        .end('ok');
    }
    if (p === '/show-cookie') return res.writeHead(200).end(req.headers.cookie ?? '');
    if (p === '/basic') {
      const ok = req.headers.authorization === `Basic ${Buffer.from('ada:s3cret').toString('base64')}`;
      return res
        .writeHead(ok ? 200 : 401, ok ? {} : { 'www-authenticate': 'Basic realm="t"' })
        .end(ok ? 'welcome' : 'no');
    }
    if (p === '/digest') {
      const realm = 'wirelab-test';
      const nonce = 'dcd98b7102dd2f0e8b11d0f600bfb0c093';
      if (digestOk(req, 'ada', 's3cret', realm, nonce)) return res.writeHead(200).end('digest welcome');
      return res
        .writeHead(401, {
          'www-authenticate': `Digest realm="${realm}", qop="auth,auth-int", nonce="${nonce}", opaque="op4que", algorithm=MD5`,
        })
        .end();
    }
    if (p === '/slow') {
      await new Promise((r) => setTimeout(r, Number(u.searchParams.get('ms') ?? 2000)));
      if (!res.destroyed) res.writeHead(200).end('slow');
      return;
    }
    if (p === '/slow-body') {
      res.writeHead(200, { 'content-length': 100 });
      res.write('x'.repeat(10));
      return; // never finishes
    }
    if (p === '/close-mid') {
      res.writeHead(200, { 'content-length': 1000 });
      res.write('only a part of it');
      setTimeout(() => req.socket.destroy(), 20);
      return;
    }
    if (p === '/big') {
      const total = Number(u.searchParams.get('bytes') ?? 100 * 1024 * 1024);
      res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': total });
      const chunk = Buffer.alloc(64 * 1024, 0x61);
      let sent = 0;
      const pump = () => {
        while (sent < total) {
          const n = Math.min(chunk.length, total - sent);
          sent += n;
          if (!res.write(n === chunk.length ? chunk : chunk.subarray(0, n)))
            return void res.once('drain', pump);
        }
        res.end();
      };
      return pump();
    }
    if (p === '/image')
      return res.writeHead(200, { 'content-type': 'image/png' }).end(Buffer.from('89504e470d0a1a0a', 'hex'));
    res.writeHead(404).end('not here');
  };
  const server: Server = createServer((req, res) => void handler(req, res));
  server.on('connection', (s: Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  port = (server.address() as { port: number }).port;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    requests,
    close: () =>
      new Promise<void>((r) => {
        for (const s of sockets) s.destroy();
        server.close(() => r());
      }),
  };
}

/** A TCP server that answers every connection with `reply` (or nothing) and then closes or hangs. */
export async function startRawServer(
  reply: string | null,
  then: 'close' | 'hang' = 'close',
): Promise<{ port: number; close(): Promise<void> }> {
  const sockets = new Set<Socket>();
  const server: NetServer = createNetServer((s) => {
    sockets.add(s);
    s.on('error', () => undefined);
    s.once('data', () => {
      if (reply !== null) s.write(reply);
      if (then === 'close') s.end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    port: (server.address() as { port: number }).port,
    close: () =>
      new Promise<void>((r) => {
        for (const s of sockets) s.destroy();
        server.close(() => r());
      }),
  };
}

export interface Pki {
  ca: BuiltCertificate;
  server: BuiltCertificate;
  client: BuiltCertificate;
}

export function makePki(): Pki {
  const ca = buildCertificate({ commonName: 'Wirelab Test CA', ca: true, pathLength: 0 });
  const server = buildCertificate({
    commonName: 'localhost',
    issuer: ca,
    altNames: ['localhost', '127.0.0.1'],
    extendedKeyUsage: ['serverAuth'],
  });
  const client = buildCertificate({
    commonName: 'test client',
    issuer: ca,
    extendedKeyUsage: ['clientAuth'],
  });
  return { ca, server, client };
}
