// Response bodies end to end: HEAD and empty bodies with a Content-Encoding, byte-exact CLI output, and
// the lifetime of spooled body files (released, replaced, failed half-way, redirect hops, engine start).
import { afterEach, describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { parseArgs } from 'node:util';
import { gzipSync } from 'node:zlib';
import { httpRequest } from '../../../src/cli/commands/http';
import { commonOptions, type Io } from '../../../src/cli/framework';
import { sendComposed } from '../../../src/main/engines/http-client/composer';
import { CookieJar } from '../../../src/main/engines/http-client/cookies';
import { HttpClientService } from '../../../src/main/engines/http-client/service';
import { HttpRequestSpec } from '../../../src/shared/contract/http-client';
import { wireParse, wireStringify } from '../../../src/shared/wire-json';
import { waitFor } from '../../helpers/net';

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

const BINARY = randomBytes(1000);
const LARGE = randomBytes(3 * 1024 * 1024 + 17);
const GZ = gzipSync('hello gzip '.repeat(50));

async function server(): Promise<string> {
  const s = createServer((req: IncomingMessage, res: ServerResponse) => {
    const p = req.url ?? '/';
    if (p === '/gzip')
      // Like nginx with `gzip on`: HEAD gets the GET's headers and no body.
      return res
        .writeHead(200, {
          'content-encoding': 'gzip',
          'content-type': 'text/plain',
          'content-length': GZ.length,
        })
        .end(req.method === 'HEAD' ? undefined : GZ);
    if (p === '/gzip-empty') return res.writeHead(204, { 'content-encoding': 'gzip' }).end();
    if (p === '/binary')
      return res.writeHead(200, { 'content-type': 'application/octet-stream' }).end(BINARY);
    if (p === '/no-newline') return res.writeHead(200, { 'content-type': 'text/plain' }).end('no newline');
    if (p === '/large') return res.writeHead(200, { 'content-type': 'application/octet-stream' }).end(LARGE);
    if (p === '/redirect-large')
      return res.writeHead(302, { location: '/binary', 'content-length': LARGE.length }).end(LARGE);
    if (p === '/cut') {
      res.writeHead(200, { 'content-length': LARGE.length * 2 });
      res.write(LARGE, () => setTimeout(() => res.destroy(), 20));
      return;
    }
    res.writeHead(404).end();
  });
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  cleanups.push(() => new Promise((r) => s.close(r)));
  cleanups.push(() => s.closeAllConnections());
  const a = s.address();
  return `http://127.0.0.1:${typeof a === 'object' && a ? a.port : 0}`;
}

function tmp(): string {
  const d = mkdtempSync(join(tmpdir(), 'wl-bodies-'));
  cleanups.push(() => rmSync(d, { recursive: true, force: true }));
  return d;
}

const limits = {
  previewBytes: 64 * 1024,
  maxBodyFileBytes: 64 * 1024 * 1024,
  maxSpooledBodies: 20,
  maxResponseHeaderBytes: 65536,
};

function compose(url: string, method: string, spoolDir: string) {
  return sendComposed(
    HttpRequestSpec.parse({ method, url, options: { proxy: 'none' } }),
    'b1',
    { jar: new CookieJar(), onCookiesChanged: () => undefined, spoolDir, limits, userAgent: 't' },
    new AbortController().signal,
  );
}

describe('empty bodies with a Content-Encoding', () => {
  it('HEAD on a gzip resource and a 204 with Content-Encoding: gzip are not run through the decoder', async () => {
    const base = await server();
    const dir = tmp();
    const head = await compose(`${base}/gzip`, 'HEAD', dir);
    expect(head.status).toBe(200);
    expect(head.body.length).toBe(0);
    expect(head.contentEncoding).toBe('gzip');
    const empty = await compose(`${base}/gzip-empty`, 'GET', dir);
    expect(empty.status).toBe(204);
    const get = await compose(`${base}/gzip`, 'GET', dir);
    expect(Buffer.from(get.body).toString()).toBe('hello gzip '.repeat(50));
  });
});

describe('spooled body files', () => {
  it('redirect hops and bodies that failed half-way leave no file', async () => {
    const base = await server();
    const dir = tmp();
    const r = await compose(`${base}/redirect-large`, 'GET', dir);
    expect(Buffer.from(r.body).equals(BINARY)).toBe(true);
    expect(existsSync(dir) ? readdirSync(dir) : []).toEqual([]);
    await expect(compose(`${base}/cut`, 'GET', dir)).rejects.toMatchObject({ code: expect.any(String) });
    // Removal runs as the failed stream is torn down, just after the error reaches the caller.
    await waitFor(() => readdirSync(dir).length === 0, 5000, 'the half-written body file to go');
  });

  it('the service deletes a body when its response is released or replaced, and leftovers at start', async () => {
    const base = await server();
    const dir = tmp();
    mkdirSync(join(dir, 'bodies'), { recursive: true });
    writeFileSync(join(dir, 'bodies', 'crashed-1-0.body'), 'left over');
    const svc = new HttpClientService({ dir, limits });
    cleanups.push(() => svc.close());
    expect(readdirSync(join(dir, 'bodies'))).toEqual([]);
    const send = (id: string) =>
      svc.send({
        id,
        request: HttpRequestSpec.parse({ url: `${base}/large`, options: { proxy: 'none' } }),
        saveHistory: false,
      });
    const a = await send('a');
    expect(a.bodyFile && existsSync(a.bodyFile)).toBe(true);
    const again = await send('a');
    expect(existsSync(a.bodyFile as string)).toBe(false);
    expect(existsSync(again.bodyFile as string)).toBe(true);
    expect(svc.releaseBody({ id: 'a' })).toEqual({ released: true });
    expect(existsSync(again.bodyFile as string)).toBe(false);
    expect(svc.releaseBody({ id: 'a' })).toEqual({ released: false });
    const b = await send('b');
    await svc.close();
    expect(existsSync(b.bodyFile as string)).toBe(false);
  });
});

/** Runs `wirelab http request` in process, capturing stdout as bytes. */
async function cli(argv: string[]) {
  const chunks: Buffer[] = [];
  const stdout = new Writable({
    write(chunk: Buffer, _e, cb) {
      chunks.push(Buffer.from(chunk));
      cb();
    },
  });
  const errs: string[] = [];
  const json = argv.includes('--json');
  const io: Io = {
    json,
    interrupted: new Promise(() => undefined),
    stdin: process.stdin,
    stdout,
    out: (human, record) => stdout.write(json ? `${wireStringify(record)}\n` : `${human}\n`),
    err: (m) => errs.push(m),
  };
  const parsed = parseArgs({
    args: argv,
    options: { ...commonOptions, ...httpRequest.options },
    allowPositionals: true,
    strict: true,
  });
  const code = await httpRequest.run(parsed as never, io);
  return { code, stdout: Buffer.concat(chunks), errs };
}

describe('wirelab http request: stdout is the body, byte for byte', () => {
  it('binary, no appended newline, a body larger than the preview, --json as $b64', async () => {
    process.env.NO_PROXY = '*';
    const base = await server();
    const bin = await cli([`${base}/binary`]);
    expect(bin.code).toBe(0);
    expect(bin.stdout.length).toBe(1000);
    expect(bin.stdout.equals(BINARY)).toBe(true);
    expect((await cli([`${base}/no-newline`])).stdout.toString()).toBe('no newline');
    const large = await cli([`${base}/large`]);
    expect(large.stdout.length).toBe(LARGE.length);
    expect(large.stdout.equals(LARGE)).toBe(true);
    const j = await cli([`${base}/binary`, '--json']);
    const rec = wireParse(j.stdout.toString().trim()) as { body: Uint8Array; bodyText?: string };
    expect(Buffer.from(rec.body).equals(BINARY)).toBe(true);
    expect(rec.bodyText).toBeUndefined();
    expect(JSON.parse(j.stdout.toString()).body).toEqual({ $b64: BINARY.toString('base64') });
  });
});
