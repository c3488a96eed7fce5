// Uploads from the page against the contract's fake API: a folder goes up file by file into one folder
// (the first upload starts it, the others name it as their group, each with its place inside), in
// bounded chunks; a failed chunk cancels that upload.
import { describe, expect, it } from 'vitest';
import {
  UPLOAD_CHUNK_BYTES,
  uploadFile,
  uploadFolder,
  type UploadSource,
} from '../../../src/renderer/lib/upload';
import { fakeApi } from './fake-api';

const source = (name: string, size: number): UploadSource => ({
  name,
  size,
  slice: (start, end) => ({
    arrayBuffer: async () => new Uint8Array(Math.min(end, size) - start).buffer,
  }),
});

function scripted() {
  const fake = fakeApi();
  let n = 0;
  fake.on('files.uploadBegin', (i: { name: string; group?: string; dir?: string }) => {
    const id = `u${++n}`;
    const folder = `/data/uploads/${i.group ?? id}`;
    return { uploadId: id, folder, path: [folder, i.dir, i.name].filter(Boolean).join('/') };
  });
  fake.on('files.uploadChunk', (i: { offset: number; data: Uint8Array }) => ({
    received: i.offset + i.data.byteLength,
  }));
  fake.on('files.uploadEnd', (i: { uploadId: string }) => ({ path: `end-${i.uploadId}`, size: 0 }));
  fake.on('files.uploadCancel', {});
  return fake;
}

describe('uploads from the page', () => {
  it('a folder lands in one folder: the first file starts it, the others join it at their place', async () => {
    const fake = scripted();
    const progress: number[] = [];
    const folder = await uploadFolder(
      fake.api,
      [
        { file: source('index.html', 10), relativePath: 'site/index.html' },
        { file: source('a.css', 20), relativePath: 'site/css/a.css' },
        { file: source('b.woff', 30), relativePath: 'site/css/fonts/b.woff' },
      ],
      (sent) => progress.push(sent),
    );
    expect(folder).toBe('/data/uploads/u1');
    expect(fake.callsTo('files.uploadBegin').map((c) => c.raw)).toEqual([
      { name: 'index.html', size: 10 },
      { name: 'a.css', size: 20, group: 'u1', dir: 'css' },
      { name: 'b.woff', size: 30, group: 'u1', dir: 'css/fonts' },
    ]);
    expect(progress.at(-1)).toBe(60);
  });

  it('a file goes in chunks of at most UPLOAD_CHUNK_BYTES; a refused chunk cancels the upload', async () => {
    const fake = scripted();
    const size = UPLOAD_CHUNK_BYTES * 2 + 5;
    expect(await uploadFile(fake.api, source('big.bin', size))).toBe('end-u1');
    expect(fake.callsTo('files.uploadChunk').map((c) => (c.raw as { offset: number }).offset)).toEqual([
      0,
      UPLOAD_CHUNK_BYTES,
      UPLOAD_CHUNK_BYTES * 2,
    ]);
    fake.on('files.uploadChunk', new Error('LIMIT_EXCEEDED: more bytes than announced'));
    await expect(uploadFile(fake.api, source('x.bin', 3))).rejects.toMatchObject({ code: 'LIMIT_EXCEEDED' });
    expect(fake.callsTo('files.uploadCancel').map((c) => c.raw)).toEqual([{ uploadId: 'u2' }]);
  });

  it('an empty folder is refused before anything is sent', async () => {
    const fake = scripted();
    await expect(uploadFolder(fake.api, [])).rejects.toThrow('empty');
    expect(fake.calls).toHaveLength(0);
  });
});
