// Static folder mode. The request path is split at `/` BEFORE percent-decoding, each segment decoded on
// its own and refused if it is `.`/`..` or contains a slash, backslash or NUL — so `%2e%2e`, `%2f` and
// `..%5c` never climb. The resolved file's realpath must still lie inside the root's realpath, which
// refuses symlinks that point out of the folder. A path that names nothing here is a miss and is not
// answered, so the caller can fall through to its next handler. Redirects are built from the cleaned
// segments, never from the raw path (`//evil.example` must not become a protocol-relative Location).
// This module knows nothing of routes or the inspector.
import { createReadStream } from 'node:fs';
import { opendir, realpath, stat } from 'node:fs/promises';
import { join, sep } from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { MockRequest, MockResponse } from './exchange';
import { mimeType } from '../common/mime';

export interface StaticOptions {
  /** Realpath of the served folder. */
  root: string;
  index: string;
  listing: boolean;
}

/** Longest directory listing, in entries; the rest is summarised. */
const MAX_LISTING_ENTRIES = 2000;

export type StaticResult = { status: number; bytes: number };

/** Filled in before the response is written, so a log entry taken when the response closes is complete. */
export interface StaticNote {
  responseBytes: number;
}

/** Nothing in the folder answers this path (not found, or a folder with no index and listing off). */
export const STATIC_MISS = 'miss';

function noted(note: StaticNote, status: number, bytes: number): StaticResult {
  note.responseBytes = bytes;
  return { status, bytes };
}

function send(
  res: MockResponse,
  note: StaticNote,
  status: number,
  text: string,
  extra: Record<string, string> = {},
): StaticResult {
  const body = Buffer.from(text);
  noted(note, status, body.length);
  res.writeHead(status, {
    'content-type': 'text/plain; charset=utf-8',
    'content-length': body.length,
    ...extra,
  });
  res.end(body);
  return { status, bytes: body.length };
}

function inside(root: string, p: string): boolean {
  return p === root || p.startsWith(root.endsWith(sep) ? root : root + sep);
}

function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** Parses a single `bytes=` range; multiple ranges are answered with the whole file (RFC 9110 allows it). */
export function parseRange(
  header: string | undefined,
  size: number,
): { start: number; end: number } | 'unsatisfiable' | undefined {
  if (!header) return undefined;
  const m = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (!m) return undefined;
  const [, a = '', b = ''] = m;
  if (a === '' && b === '') return undefined;
  let start: number;
  let end: number;
  if (a === '') {
    const n = Number(b);
    if (n === 0) return 'unsatisfiable';
    start = Math.max(0, size - n);
    end = size - 1;
  } else {
    start = Number(a);
    end = b === '' ? size - 1 : Math.min(Number(b), size - 1);
  }
  if (start >= size || start > end) return 'unsatisfiable';
  return { start, end };
}

export async function serveStatic(
  req: MockRequest,
  res: MockResponse,
  rawPath: string,
  opts: StaticOptions,
  note: StaticNote = { responseBytes: 0 },
): Promise<StaticResult | typeof STATIC_MISS> {
  const method = req.method ?? 'GET';
  if (method !== 'GET' && method !== 'HEAD')
    return send(res, note, 405, 'Method Not Allowed\n', { allow: 'GET, HEAD' });
  const segments: string[] = [];
  for (const raw of rawPath.split('/')) {
    if (raw === '') continue;
    let seg: string;
    try {
      seg = decodeURIComponent(raw);
    } catch {
      return send(res, note, 400, 'Bad Request: malformed percent-encoding\n');
    }
    if (seg === '.' || seg === '..' || /[/\\\0]/.test(seg))
      return send(res, note, 403, 'Forbidden: path leaves the served folder\n');
    segments.push(seg);
  }
  let target: string;
  try {
    target = await realpath(join(opts.root, ...segments));
  } catch {
    return STATIC_MISS;
  }
  if (!inside(opts.root, target)) return send(res, note, 403, 'Forbidden: path leaves the served folder\n');
  let st = await stat(target).catch(() => undefined);
  if (!st) return STATIC_MISS;
  if (st.isDirectory()) {
    if (!rawPath.endsWith('/')) {
      const q = req.url?.includes('?') ? req.url.slice(req.url.indexOf('?')) : '';
      const clean = segments.map((seg) => encodeURIComponent(seg)).join('/');
      noted(note, 301, 0);
      res.writeHead(301, { location: `/${clean}/${q}`, 'content-length': 0 });
      res.end();
      return { status: 301, bytes: 0 };
    }
    const indexPath = await realpath(join(target, opts.index)).catch(() => undefined);
    const indexStat =
      indexPath && inside(opts.root, indexPath) ? await stat(indexPath).catch(() => undefined) : undefined;
    if (indexPath && indexStat?.isFile()) {
      target = indexPath;
      st = indexStat;
    } else if (opts.listing) {
      return listing(res, note, target, rawPath, method === 'HEAD');
    } else {
      return STATIC_MISS;
    }
  }
  if (!st.isFile()) return send(res, note, 403, 'Forbidden: not a regular file\n');

  const etag = `W/"${st.size.toString(16)}-${Math.floor(st.mtimeMs).toString(16)}"`;
  const headers: Record<string, string | number> = {
    'content-type': mimeType(target),
    'accept-ranges': 'bytes',
    'last-modified': st.mtime.toUTCString(),
    etag,
    'x-content-type-options': 'nosniff',
  };
  if (req.headers['if-none-match'] === etag) {
    noted(note, 304, 0);
    res.writeHead(304, headers);
    res.end();
    return { status: 304, bytes: 0 };
  }
  const range =
    req.headers['if-range'] && req.headers['if-range'] !== etag
      ? undefined
      : parseRange(req.headers.range, st.size);
  if (range === 'unsatisfiable') {
    noted(note, 416, 0);
    res.writeHead(416, { 'content-range': `bytes */${st.size}`, 'content-length': 0 });
    res.end();
    return { status: 416, bytes: 0 };
  }
  const start = range ? range.start : 0;
  const end = range ? range.end : st.size - 1;
  const length = st.size === 0 ? 0 : end - start + 1;
  const status = range ? 206 : 200;
  if (range) headers['content-range'] = `bytes ${start}-${end}/${st.size}`;
  headers['content-length'] = length;
  noted(note, status, method === 'HEAD' ? 0 : length);
  res.writeHead(status, headers);
  if (method === 'HEAD' || length === 0) {
    res.end();
    return { status, bytes: 0 };
  }
  // pipeline: the file is read only as fast as the client takes it (backpressure), and closed on abort.
  await pipeline(createReadStream(target, { start, end }), res).catch(() => undefined);
  return { status, bytes: length };
}

async function listing(
  res: MockResponse,
  note: StaticNote,
  dir: string,
  rawPath: string,
  head: boolean,
): Promise<StaticResult> {
  const rows: string[] = [];
  let more = 0;
  const d = await opendir(dir);
  for await (const ent of d) {
    if (rows.length >= MAX_LISTING_ENTRIES) {
      more += 1;
      continue;
    }
    const name = ent.name + (ent.isDirectory() ? '/' : '');
    rows.push(
      `<li><a href="${escapeHtml(encodeURIComponent(ent.name))}${ent.isDirectory() ? '/' : ''}">${escapeHtml(name)}</a></li>`,
    );
  }
  rows.sort();
  const title = `Index of ${escapeHtml(decodeURIComponent(rawPath))}`;
  const html = `<!doctype html><meta charset="utf-8"><title>${title}</title><h1>${title}</h1><ul>${rawPath !== '/' ? '<li><a href="../">../</a></li>' : ''}${rows.join('')}</ul>${more ? `<p>${more} more entries not shown</p>` : ''}\n`;
  const body = Buffer.from(html);
  noted(note, 200, head ? 0 : body.length);
  res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'content-length': body.length });
  res.end(head ? undefined : body);
  return { status: 200, bytes: head ? 0 : body.length };
}
