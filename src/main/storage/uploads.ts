// Uploads from the page (the browser shell has no file dialog): each file is streamed in bounded chunks
// into `<data dir>/uploads/<id>/<name>`, checked against the size it announced before any byte is written,
// and handed back as a path the engines can read (e.g. a chat file offer). Partial uploads left idle are
// removed; finished ones older than `keepMs` are removed at start.
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, rmSync, statSync } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import { homedir } from 'node:os';
import { basename, join } from 'node:path';
import { FILES_LIMITS } from '../../shared/contract/files';
import { EngineError } from '../engines/common/errors';

interface Upload {
  id: string;
  path: string;
  size: number;
  received: number;
  fh: FileHandle;
  idle: NodeJS.Timeout;
  /** Chunks are written one at a time, in order. */
  busy: boolean;
  /** Part of a folder upload: dropping it removes this file only, not the folder. */
  grouped: boolean;
}

/** Folder uploads whose totals are kept; an older one can no longer grow (NOT_FOUND). */
const MAX_GROUPS = 64;

/** A file's place inside a folder upload, each part made safe; '..' and absolute paths cannot escape. */
function safeDir(dir: string | undefined): string[] {
  const parts = (dir ?? '').split(/[\\/]+/).filter((p) => p !== '' && p !== '.');
  if (parts.length > 16) throw new EngineError('INVALID_INPUT', `"${dir}" is more than 16 folders deep`);
  return parts.map(safeName);
}

function safeName(name: string): string {
  const base = basename(name.replace(/\\/g, '/'))
    .replace(/[^\p{L}\p{N} ._()-]/gu, '_')
    .slice(0, 200);
  return base.replace(/^\.+/, '_') || 'file';
}

/** The user's Downloads folder: XDG_DOWNLOAD_DIR, else ~/Downloads. */
export function downloadsDir(): string {
  const xdg = process.env.XDG_DOWNLOAD_DIR;
  return xdg && xdg.startsWith('/') ? xdg : join(homedir(), 'Downloads');
}

export interface FilesServiceOptions {
  /** `<data dir>/uploads`. */
  dir: string;
  /** A system dialog (Electron's glue answers `files.pick` itself; engines have none). */
  pick?: (mode: 'open' | 'save' | 'folder', defaultPath?: string) => Promise<string | undefined>;
  limits?: Partial<typeof FILES_LIMITS>;
}

export class FilesService {
  private readonly uploads = new Map<string, Upload>();
  /** Folder uploads by their first upload's id: files and bytes so far, against the folder limits. */
  private readonly groups = new Map<string, { files: number; bytes: number }>();
  private readonly limits: typeof FILES_LIMITS;

  constructor(private readonly options: FilesServiceOptions) {
    this.limits = { ...FILES_LIMITS, ...options.limits };
    this.sweep();
  }

  /** Removes finished uploads older than keepMs (and anything unreadable) from a previous run. */
  private sweep(): void {
    if (!existsSync(this.options.dir)) return;
    const now = Date.now();
    for (const entry of readdirSync(this.options.dir)) {
      const p = join(this.options.dir, entry);
      try {
        if (now - statSync(p).mtimeMs > this.limits.keepMs) rmSync(p, { recursive: true, force: true });
      } catch {
        // gone meanwhile
      }
    }
  }

  async pick(input: {
    mode: 'open' | 'save' | 'folder';
    defaultPath?: string;
  }): Promise<{ supported: boolean; path?: string }> {
    if (!this.options.pick) return { supported: false };
    const path = await this.options.pick(input.mode, input.defaultPath);
    return { supported: true, ...(path ? { path } : {}) };
  }

  downloads(): { path: string; exists: boolean } {
    const path = downloadsDir();
    return { path, exists: existsSync(path) };
  }

  async uploadBegin(input: {
    name: string;
    size: number;
    group?: string;
    dir?: string;
  }): Promise<{ uploadId: string; path: string; folder: string }> {
    if (input.size > this.limits.maxUploadBytes)
      throw new EngineError('LIMIT_EXCEEDED', `a file is at most ${this.limits.maxUploadBytes} bytes`);
    if (this.uploads.size >= this.limits.maxOpenUploads)
      throw new EngineError('LIMIT_EXCEEDED', `at most ${this.limits.maxOpenUploads} uploads at once`);
    const sub = safeDir(input.dir);
    const id = randomBytes(8).toString('hex');
    const folderId = input.group ?? id;
    if (input.group !== undefined) {
      const g = this.groups.get(input.group);
      if (!g) throw new EngineError('NOT_FOUND', `no folder upload ${input.group}`);
      if (g.files >= this.limits.maxFolderFiles)
        throw new EngineError('LIMIT_EXCEEDED', `a folder holds at most ${this.limits.maxFolderFiles} files`);
      if (g.bytes + input.size > this.limits.maxFolderBytes)
        throw new EngineError('LIMIT_EXCEEDED', `a folder holds at most ${this.limits.maxFolderBytes} bytes`);
      g.files++;
      g.bytes += input.size;
    } else {
      this.groups.set(id, { files: 1, bytes: input.size });
      if (this.groups.size > MAX_GROUPS) this.groups.delete(this.groups.keys().next().value!);
    }
    const folder = join(this.options.dir, folderId);
    const dir = join(folder, ...sub);
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    const path = join(dir, safeName(input.name));
    let fh: FileHandle;
    try {
      fh = await open(path, 'wx', 0o600);
    } catch (err) {
      throw new EngineError('STORAGE_WRITE_FAILED', `${path}: ${(err as Error).message}`);
    }
    const up: Upload = {
      id,
      path,
      size: input.size,
      received: 0,
      fh,
      busy: false,
      grouped: input.group !== undefined,
      idle: this.idleTimer(id),
    };
    this.uploads.set(id, up);
    return { uploadId: id, path, folder };
  }

  async uploadChunk(input: {
    uploadId: string;
    offset: number;
    data: Uint8Array;
  }): Promise<{ received: number }> {
    const up = this.upload(input.uploadId);
    if (input.data.byteLength > this.limits.maxChunkBytes)
      throw new EngineError('LIMIT_EXCEEDED', `a chunk is at most ${this.limits.maxChunkBytes} bytes`);
    if (up.busy || input.offset !== up.received)
      throw new EngineError('INVALID_INPUT', `expected the bytes at ${up.received}, got ${input.offset}`);
    if (up.received + input.data.byteLength > up.size) {
      await this.drop(up);
      throw new EngineError('LIMIT_EXCEEDED', `more bytes than the ${up.size} announced`);
    }
    up.busy = true;
    try {
      await up.fh.write(input.data, 0, input.data.byteLength, up.received);
    } catch (err) {
      await this.drop(up);
      throw new EngineError('STORAGE_WRITE_FAILED', `${up.path}: ${(err as Error).message}`);
    } finally {
      up.busy = false;
    }
    up.received += input.data.byteLength;
    clearTimeout(up.idle);
    up.idle = this.idleTimer(up.id);
    return { received: up.received };
  }

  async uploadEnd(input: { uploadId: string }): Promise<{ path: string; size: number }> {
    const up = this.upload(input.uploadId);
    if (up.received !== up.size) {
      await this.drop(up);
      throw new EngineError('INVALID_INPUT', `received ${up.received} of ${up.size} bytes`);
    }
    clearTimeout(up.idle);
    this.uploads.delete(up.id);
    await up.fh.close();
    return { path: up.path, size: up.size };
  }

  async uploadCancel(input: { uploadId: string }): Promise<Record<string, never>> {
    const up = this.uploads.get(input.uploadId);
    if (up) await this.drop(up);
    return {};
  }

  async close(): Promise<void> {
    await Promise.all([...this.uploads.values()].map((u) => this.drop(u)));
  }

  private idleTimer(id: string): NodeJS.Timeout {
    const t = setTimeout(() => {
      const up = this.uploads.get(id);
      if (up) void this.drop(up);
    }, this.limits.idleTimeoutMs);
    t.unref();
    return t;
  }

  private async drop(up: Upload): Promise<void> {
    clearTimeout(up.idle);
    this.uploads.delete(up.id);
    await up.fh.close().catch(() => undefined);
    rmSync(up.grouped ? up.path : join(this.options.dir, up.id), { recursive: true, force: true });
  }

  private upload(id: string): Upload {
    const up = this.uploads.get(id);
    if (!up) throw new EngineError('NOT_FOUND', `no upload ${id} (finished, cancelled or idle too long)`);
    return up;
  }
}
