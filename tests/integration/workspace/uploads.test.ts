// Uploads from the page through the dispatcher: streamed in order in bounded chunks, checked against the
// announced size and the limits before bytes are written, handed back as a path; no dialog in the
// browser shell; the Downloads folder proposed for saving.
import { afterEach, describe, expect, it } from 'vitest';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServices, type Services } from '../../../src/main/services';
import { FILES_LIMITS } from '../../../src/shared/contract';
import type { Result } from '../../../src/shared/errors';

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

function services(): Services {
  const dir = mkdtempSync(join(tmpdir(), 'wirelab-up-'));
  const s = createServices({ dataDir: dir, shell: 'browser', version: 'test', chatDiscovery: false });
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  cleanups.push(() => s.close());
  return s;
}

async function call(s: Services, channel: string, input: unknown): Promise<Result<Record<string, unknown>>> {
  return (await s.dispatcher.call(channel, input)) as Result<Record<string, unknown>>;
}
const code = (r: Result<unknown>) => (r.ok ? 'ok' : r.error.code);

describe('files', () => {
  it('an upload in chunks arrives whole at the path it was given', async () => {
    const s = services();
    const bytes = new Uint8Array(600 * 1024).map((_, i) => (i * 7) % 251);
    const begin = await call(s, 'files.uploadBegin', { name: '../../evil name?.bin', size: bytes.length });
    if (!begin.ok) throw new Error(begin.error.message);
    const { uploadId, path } = begin.value as { uploadId: string; path: string };
    expect(path).toContain(join('uploads', uploadId));
    expect(path.endsWith('evil name_.bin')).toBe(true);
    for (let off = 0; off < bytes.length; off += 256 * 1024) {
      const r = await call(s, 'files.uploadChunk', {
        uploadId,
        offset: off,
        data: bytes.subarray(off, off + 256 * 1024),
      });
      expect(code(r)).toBe('ok');
    }
    const end = await call(s, 'files.uploadEnd', { uploadId });
    expect(end.ok && end.value.size).toBe(bytes.length);
    expect(Buffer.compare(readFileSync(path), Buffer.from(bytes))).toBe(0);
  });

  it('limits and order are enforced before bytes are written', async () => {
    const s = services();
    expect(
      code(await call(s, 'files.uploadBegin', { name: 'big', size: FILES_LIMITS.maxUploadBytes + 1 })),
    ).toBe('LIMIT_EXCEEDED');
    const begin = await call(s, 'files.uploadBegin', { name: 'x', size: 10 });
    const { uploadId, path } = (begin.ok ? begin.value : {}) as { uploadId: string; path: string };
    const tooBig = new Uint8Array(FILES_LIMITS.maxChunkBytes + 1);
    expect(code(await call(s, 'files.uploadChunk', { uploadId, offset: 0, data: tooBig }))).toBe(
      'LIMIT_EXCEEDED',
    );
    expect(code(await call(s, 'files.uploadChunk', { uploadId, offset: 4, data: new Uint8Array(2) }))).toBe(
      'INVALID_INPUT',
    );
    expect(code(await call(s, 'files.uploadChunk', { uploadId, offset: 0, data: new Uint8Array(4) }))).toBe(
      'ok',
    );
    // An early end is refused and the partial file removed.
    expect(code(await call(s, 'files.uploadEnd', { uploadId }))).toBe('INVALID_INPUT');
    expect(existsSync(path)).toBe(false);
    expect(code(await call(s, 'files.uploadChunk', { uploadId, offset: 4, data: new Uint8Array(1) }))).toBe(
      'NOT_FOUND',
    );
    // More than announced.
    const b2 = await call(s, 'files.uploadBegin', { name: 'y', size: 3 });
    const id2 = (b2.ok ? b2.value : {}).uploadId as string;
    expect(
      code(await call(s, 'files.uploadChunk', { uploadId: id2, offset: 0, data: new Uint8Array(4) })),
    ).toBe('LIMIT_EXCEEDED');
  });

  it('a folder goes up file by file into one folder, its structure kept and unable to escape it', async () => {
    const s = services();
    const put = async (name: string, text: string, extra: Record<string, unknown>) => {
      const data = new TextEncoder().encode(text);
      const b = await call(s, 'files.uploadBegin', { name, size: data.length, ...extra });
      if (!b.ok) throw new Error(`${b.error.code}: ${b.error.message}`);
      const { uploadId } = b.value as { uploadId: string };
      expect(code(await call(s, 'files.uploadChunk', { uploadId, offset: 0, data }))).toBe('ok');
      expect(code(await call(s, 'files.uploadEnd', { uploadId }))).toBe('ok');
      return b.value as { uploadId: string; path: string; folder: string };
    };
    const first = await put('index.html', '<h1>hi</h1>', {});
    const css = await put('site.css', 'h1{}', { group: first.uploadId, dir: 'css/../css' });
    const escape = await put('x.txt', 'x', { group: first.uploadId, dir: '../../..' });
    expect(css.folder).toBe(first.folder);
    expect(readFileSync(join(first.folder, 'index.html'), 'utf8')).toBe('<h1>hi</h1>');
    expect(css.path.startsWith(join(first.folder, 'css'))).toBe(true);
    expect(readFileSync(css.path, 'utf8')).toBe('h1{}');
    expect(escape.path.startsWith(first.folder)).toBe(true);
    // A group that was never started, and a file past the folder's byte limit, are refused up front.
    expect(code(await call(s, 'files.uploadBegin', { name: 'a', size: 1, group: 'nope' }))).toBe('NOT_FOUND');
    expect(
      code(
        await call(s, 'files.uploadBegin', {
          name: 'b',
          size: FILES_LIMITS.maxUploadBytes,
          group: first.uploadId,
        }),
      ),
    ).toBe('LIMIT_EXCEEDED');
  });

  it('the browser shell has no dialog; Downloads is proposed', async () => {
    const s = services();
    const pick = await call(s, 'files.pick', { mode: 'open' });
    expect(pick.ok && pick.value).toEqual({ supported: false });
    const dl = await call(s, 'files.downloads', {});
    expect(dl.ok && String(dl.value.path)).toMatch(/Downloads$/);
  });
});
