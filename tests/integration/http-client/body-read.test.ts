// bodyRead: the part of a large response past its preview, read back from the engine's spool file in
// bounded chunks by the response's id (the response viewer's "load the rest"); nothing else is readable.
import { mkdtempSync, rmSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import { HttpClientService } from '../../../src/main/engines/http-client/service';
import { testServices } from '../../helpers/services';
import { HttpRequestSpec } from '../../../src/shared/contract/http-client';

describe('httpClient.bodyRead', () => {
  it('reads the spooled rest of a body in chunks until eof; unknown ids are NOT_FOUND', async () => {
    const body = Buffer.alloc(300_000);
    for (let i = 0; i < body.length; i++) body[i] = i % 251;
    const srv = http.createServer((_req, res) =>
      res.writeHead(200, { 'content-type': 'application/octet-stream' }).end(body),
    );
    await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
    onTestFinished(() => new Promise<void>((r) => srv.close(() => r())));
    const dir = mkdtempSync(join(tmpdir(), 'wl-body-read-'));
    const c = new HttpClientService({ dir, limits: { previewBytes: 1000 }, userAgent: 'Wirelab/test' });
    onTestFinished(async () => {
      await c.close();
      rmSync(dir, { recursive: true, force: true });
    });
    const url = `http://127.0.0.1:${(srv.address() as AddressInfo).port}/`;
    const r = await c.send({
      id: 'big',
      request: HttpRequestSpec.parse({ url, options: { proxy: 'none' } }),
      saveHistory: false,
    });
    expect(r.bodyTruncated).toBe(true);
    expect(r.body.length).toBe(1000);
    const parts: Buffer[] = [Buffer.from(r.body)];
    let offset = r.body.length;
    for (;;) {
      const chunk = await c.bodyRead({ id: 'big', offset, length: 128 * 1024 });
      expect(chunk.total).toBe(body.length);
      parts.push(Buffer.from(chunk.bytes));
      offset += chunk.bytes.length;
      if (chunk.eof) break;
    }
    expect(Buffer.concat(parts).equals(body)).toBe(true);
    expect(await c.bodyRead({ id: 'big', offset: body.length + 10, length: 10 })).toMatchObject({
      eof: true,
    });
    await expect(c.bodyRead({ id: 'other', offset: 0, length: 10 })).rejects.toMatchObject({
      code: 'NOT_FOUND',
    });
    c.releaseBody({ id: 'big' });
    await expect(c.bodyRead({ id: 'big', offset: 0, length: 10 })).rejects.toMatchObject({
      code: 'NOT_FOUND',
    });
  });

  it('through the dispatcher: chunk size is bounded (LIMIT_EXCEEDED)', async () => {
    const services = testServices('wl-body-read-svc-');
    expect(
      await services.dispatcher.call('httpClient.bodyRead', { id: 'x', offset: 0, length: 64 * 1024 * 1024 }),
    ).toMatchObject({ ok: false, error: { code: 'LIMIT_EXCEEDED' } });
    expect(
      await services.dispatcher.call('httpClient.bodyRead', { id: 'x', offset: 0, length: 10 }),
    ).toMatchObject({
      ok: false,
      error: { code: 'NOT_FOUND' },
    });
  });
});
