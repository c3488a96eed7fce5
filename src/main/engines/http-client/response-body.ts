// Receiving a response body: count the bytes as transferred, decode gzip/br/deflate, keep the first
// `previewBytes` in memory and, once the body outgrows that, stream all of it to a file — so a 100 MB
// response costs the preview's memory, not 100 MB. Writes to the file honour backpressure: the socket is
// read only as fast as the disk takes it.
import { createWriteStream, type WriteStream } from 'node:fs';
import { rm } from 'node:fs/promises';
import { Transform, Writable, type Readable, type TransformCallback } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createBrotliDecompress, createGunzip, createInflate, createInflateRaw } from 'node:zlib';
import { EngineError } from '../common/errors';

export interface BodyLimits {
  previewBytes: number;
  maxBodyFileBytes: number;
  /** Called once, when the body outgrows the preview; returns the file to write. */
  spoolPath: () => string;
}

export interface ReceivedBody {
  preview: Buffer;
  truncated: boolean;
  file?: string;
  wireBytes: number;
  decodedBytes: number;
}

/**
 * Creates its decoder on the first body byte. An empty body (HEAD, 204, 304, or a `Content-Length: 0` with
 * `Content-Encoding: gzip`) is then nothing to decode, as curl treats it, instead of "unexpected end of
 * file". For `deflate` the first bytes also tell a zlib stream from the (common) raw one.
 */
class LazyDecoder extends Transform {
  private inner?: Transform;
  constructor(private readonly make: (first: Buffer) => Transform) {
    super();
  }
  override _transform(chunk: Buffer, _e: BufferEncoding, cb: TransformCallback): void {
    if (chunk.length === 0) return cb();
    if (!this.inner) {
      this.inner = this.make(chunk);
      this.inner.on('data', (d: Buffer) => this.push(d));
      this.inner.on('error', (err) => this.destroy(err));
    }
    if (this.inner.write(chunk)) cb();
    else this.inner.once('drain', () => cb());
  }
  override _flush(cb: TransformCallback): void {
    if (!this.inner) return cb();
    this.inner.once('end', () => cb());
    this.inner.once('error', (err) => cb(err));
    this.inner.end();
  }
}

function deflateFor(first: Buffer): Transform {
  const b0 = first[0] ?? 0;
  const b1 = first[1] ?? 0;
  const zlibHeader = (b0 & 0x0f) === 8 && ((b0 << 8) | b1) % 31 === 0;
  return zlibHeader ? createInflate() : createInflateRaw();
}

export function decoderFor(encoding: string | undefined): Transform | undefined {
  const e = (encoding ?? '').trim().toLowerCase();
  if (e === 'gzip' || e === 'x-gzip') return new LazyDecoder(() => createGunzip());
  if (e === 'br') return new LazyDecoder(() => createBrotliDecompress());
  if (e === 'deflate') return new LazyDecoder(deflateFor);
  return undefined;
}

class Counter extends Transform {
  bytes = 0;
  override _transform(chunk: Buffer, _e: BufferEncoding, cb: TransformCallback): void {
    this.bytes += chunk.length;
    cb(null, chunk);
  }
}

class BodySink extends Writable {
  private readonly chunks: Buffer[] = [];
  private kept = 0;
  bytes = 0;
  file?: string;
  private out?: WriteStream;

  constructor(private readonly limits: BodyLimits) {
    super();
  }

  get preview(): Buffer {
    return Buffer.concat(this.chunks, this.kept);
  }

  override _write(chunk: Buffer, _e: BufferEncoding, cb: (err?: Error | null) => void): void {
    this.bytes += chunk.length;
    if (this.bytes > this.limits.maxBodyFileBytes) {
      cb(
        new EngineError(
          'LIMIT_EXCEEDED',
          `response body exceeds maxBodyFileBytes (${this.limits.maxBodyFileBytes})`,
        ),
      );
      return;
    }
    if (this.kept < this.limits.previewBytes) {
      const take = chunk.subarray(0, this.limits.previewBytes - this.kept);
      this.chunks.push(Buffer.from(take));
      this.kept += take.length;
      if (take.length === chunk.length && !this.out) return cb();
    }
    if (!this.out) {
      this.file = this.limits.spoolPath();
      this.out = createWriteStream(this.file, { mode: 0o600 });
      this.out.on('error', (err) =>
        this.destroy(new EngineError('STORAGE_WRITE_FAILED', `${this.file}: ${err.message}`)),
      );
      // Everything so far goes to the file too: the file is the whole body, the preview only its start.
      this.out.write(this.preview.subarray(0, this.bytes - chunk.length));
      if (this.out.write(chunk)) cb();
      else this.out.once('drain', () => cb());
      return;
    }
    if (this.out.write(chunk)) cb();
    else this.out.once('drain', () => cb());
  }

  override _final(cb: (err?: Error | null) => void): void {
    if (!this.out) return cb();
    this.out.end(() => cb());
  }

  override _destroy(err: Error | null, cb: (err?: Error | null) => void): void {
    const out = this.out;
    const file = this.file;
    if (!out || !file || !err) return cb(err);
    // A body that failed half-way is of no use to anyone: its file goes with it.
    const remove = () =>
      void rm(file, { force: true }).then(
        () => cb(err),
        () => cb(err),
      );
    if (out.closed) remove();
    else {
      out.once('close', remove);
      out.destroy();
    }
  }
}

export async function receiveBody(
  src: Readable,
  contentEncoding: string | undefined,
  decode: boolean,
  limits: BodyLimits,
): Promise<ReceivedBody> {
  const counter = new Counter();
  const sink = new BodySink(limits);
  const decoder = decode ? decoderFor(contentEncoding) : undefined;
  if (decoder) {
    let decodeError: unknown;
    decoder.once('error', (err) => (decodeError ??= err));
    await pipeline(src, counter, decoder, sink).catch((err: unknown) => {
      if (decodeError !== undefined && err === decodeError) {
        throw new EngineError('DECODE_FAILED', `${contentEncoding}: ${(err as Error).message}`, {
          cause: err,
        });
      }
      throw err;
    });
  } else await pipeline(src, counter, sink);
  return {
    preview: sink.preview,
    truncated: sink.bytes > limits.previewBytes,
    file: sink.file,
    wireBytes: counter.bytes,
    decodedBytes: sink.bytes,
  };
}
