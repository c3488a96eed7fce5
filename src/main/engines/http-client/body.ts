// Request bodies as a replayable source: the length is known up front (so Content-Length is exact and a
// digest retry or a 307 redirect can send the same bytes again) and files are streamed, never read whole.
// Unreadable files are FILE_UNREADABLE before any byte is sent; invalid JSON is INVALID_JSON.
import { randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { access, constants, stat } from 'node:fs/promises';
import { basename } from 'node:path';
import type { HttpBody } from '../../../shared/contract/http-client';
import { EngineError } from '../common/errors';
import { mimeType } from '../common/mime';

export interface PreparedBody {
  contentType?: string;
  length: number;
  /** A fresh iterator over the body's bytes each call. */
  open(): AsyncIterable<Buffer>;
  /** The body when it is held in memory (not a file), for load runs and code generation. */
  inMemory?: Buffer;
}

type Piece = { kind: 'bytes'; data: Buffer } | { kind: 'file'; path: string; size: number };

async function fileSize(path: string): Promise<number> {
  try {
    await access(path, constants.R_OK);
    const st = await stat(path);
    if (!st.isFile()) throw new Error('not a regular file');
    return st.size;
  } catch (err) {
    throw new EngineError('FILE_UNREADABLE', `${path}: ${(err as Error).message}`, { cause: err });
  }
}

/** Where a JSON text goes wrong, as "line L column C: message". */
export function jsonProblem(text: string): string | undefined {
  try {
    JSON.parse(text);
    return undefined;
  } catch (err) {
    const msg = (err as Error).message;
    const m = /position (\d+)/.exec(msg);
    if (!m) return msg;
    const pos = Number(m[1]);
    const before = text.slice(0, pos);
    const line = before.split('\n').length;
    const col = pos - before.lastIndexOf('\n');
    return `line ${line} column ${col}: ${msg}`;
  }
}

function quoteParam(s: string): string {
  return s.replace(/"/g, '%22').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
}

function fromPieces(pieces: Piece[], contentType?: string): PreparedBody {
  const length = pieces.reduce((n, p) => n + (p.kind === 'bytes' ? p.data.length : p.size), 0);
  const onlyBytes = pieces.every((p) => p.kind === 'bytes');
  return {
    contentType,
    length,
    inMemory: onlyBytes
      ? Buffer.concat(pieces.map((p) => (p.kind === 'bytes' ? p.data : Buffer.alloc(0))))
      : undefined,
    async *open() {
      for (const p of pieces) {
        if (p.kind === 'bytes') yield p.data;
        else {
          let sent = 0;
          for await (const chunk of createReadStream(p.path)) {
            const c = chunk as Buffer;
            sent += c.length;
            // A file that grew since stat() would break Content-Length: stop at the announced size.
            if (sent > p.size) {
              yield c.subarray(0, c.length - (sent - p.size));
              break;
            }
            yield c;
          }
          if (sent < p.size)
            throw new EngineError('FILE_UNREADABLE', `${p.path} shrank while it was being sent`);
        }
      }
    },
  };
}

export async function prepareBody(body: HttpBody): Promise<PreparedBody | undefined> {
  switch (body.type) {
    case 'none':
      return undefined;
    case 'json': {
      const problem = jsonProblem(body.text);
      if (problem) throw new EngineError('INVALID_JSON', `JSON body: ${problem}`);
      return fromPieces([{ kind: 'bytes', data: Buffer.from(body.text, 'utf8') }], 'application/json');
    }
    case 'raw':
      return fromPieces([{ kind: 'bytes', data: Buffer.from(body.text, 'utf8') }], body.contentType);
    case 'form': {
      const p = new URLSearchParams();
      for (const f of body.fields) if (f.enabled && f.name !== '') p.append(f.name, f.value);
      return fromPieces(
        [{ kind: 'bytes', data: Buffer.from(p.toString()) }],
        'application/x-www-form-urlencoded',
      );
    }
    case 'binary': {
      const size = await fileSize(body.file);
      return fromPieces([{ kind: 'file', path: body.file, size }], body.contentType);
    }
    case 'multipart': {
      const boundary = `----WirelabBoundary${randomBytes(12).toString('hex')}`;
      const pieces: Piece[] = [];
      for (const part of body.parts) {
        if (!part.enabled) continue;
        if (part.file !== undefined && part.file !== '') {
          const size = await fileSize(part.file);
          const filename = part.filename ?? basename(part.file);
          const type = part.contentType ?? mimeType(filename).replace(/; charset=utf-8$/, '');
          pieces.push({
            kind: 'bytes',
            data: Buffer.from(
              `--${boundary}\r\nContent-Disposition: form-data; name="${quoteParam(part.name)}"; filename="${quoteParam(filename)}"\r\nContent-Type: ${type}\r\n\r\n`,
            ),
          });
          pieces.push({ kind: 'file', path: part.file, size });
          pieces.push({ kind: 'bytes', data: Buffer.from('\r\n') });
        } else {
          const ct = part.contentType ? `Content-Type: ${part.contentType}\r\n` : '';
          pieces.push({
            kind: 'bytes',
            data: Buffer.from(
              `--${boundary}\r\nContent-Disposition: form-data; name="${quoteParam(part.name)}"\r\n${ct}\r\n${part.value}\r\n`,
            ),
          });
        }
      }
      pieces.push({ kind: 'bytes', data: Buffer.from(`--${boundary}--\r\n`) });
      return fromPieces(pieces, `multipart/form-data; boundary=${boundary}`);
    }
  }
}
