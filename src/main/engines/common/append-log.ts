// An append-only JSON-lines file: the history of a chat server, a chat client or the LAN messenger.
// Records appended in one turn of the event loop are written with one write() and then their callbacks
// run, so whoever waits on a record (an ack, a broadcast) knows the OS has its bytes: a killed process
// loses nothing acknowledged.
// fsync policy (docs/chat.md): 'always' syncs before the callbacks; 'batch' syncs at most every
// `fsyncIntervalMs` (the durability window against power loss); 'never' leaves it to the OS.
// On load a torn last record (a crash in the middle of a write) is cut off; an unreadable record in
// the middle is skipped and counted. This module knows nothing of what the records mean.
// Callers learn the byte offset of each record (load, append, rewrite) so they can come back for old
// records later with readFrom(), which reads asynchronously through its own handle and never past the
// bytes already written - a half-queued batch is not on disk yet.
import {
  closeSync,
  fdatasync,
  fstatSync,
  fsyncSync,
  ftruncateSync,
  mkdirSync,
  openSync,
  readFileSync,
  renameSync,
  statSync,
  writeSync,
} from 'node:fs';
import { open } from 'node:fs/promises';
import { dirname } from 'node:path';
import { EngineError } from './errors';

export type FsyncPolicy = 'always' | 'batch' | 'never';

/**
 * readFrom() starts with reads this small and doubles them up to `chunkBytes`: a caller after one record
 * (a stretch of a quiet room) should not pay for a whole chunk, one after many still gets large reads.
 */
const FIRST_READ_BYTES = 4096;

export interface AppendLogOptions {
  fsync: FsyncPolicy;
  fsyncIntervalMs: number;
}

export interface ReadOptions {
  /** Stop after reading this many bytes (the records complete within them are still delivered). */
  maxBytes: number;
  /** Bytes per read() call. */
  chunkBytes: number;
  /** Only lines containing these bytes are parsed and delivered (a cheap pre-filter; false hits are fine). */
  contains?: Buffer;
}

export interface ReadResult {
  bytesRead: number;
  /** Why reading stopped: the callback said so, the written end of the file, or maxBytes. */
  reason: 'stopped' | 'end' | 'budget';
}

export interface LoadReport {
  records: number;
  skipped: number;
  tornBytes: number;
}

export class AppendLog {
  private fd: number | undefined;
  private pending: string[] = [];
  /** Bytes of `pending`, kept as a counter so offsets are known without re-measuring the queue. */
  private pendingBytes = 0;
  private callbacks: (() => void)[] = [];
  private scheduled = false;
  private syncTimer: NodeJS.Timeout | undefined;
  private dirty = false;
  private syncing = false;
  private size = 0;
  private closed = false;

  constructor(
    readonly path: string,
    private readonly options: AppendLogOptions,
  ) {}

  get bytes(): number {
    return this.size + this.pendingBytes;
  }

  /** Bytes handed to the OS: what readFrom() may read. */
  get writtenBytes(): number {
    return this.size;
  }

  /**
   * Reads every record (calling `onRecord` with the byte offset of its line), repairs a torn tail, then
   * opens the file for appending.
   */
  load(onRecord: (record: unknown, offset: number) => void): LoadReport {
    mkdirSync(dirname(this.path), { recursive: true });
    let buf: Buffer;
    try {
      buf = readFileSync(this.path);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT')
        throw new EngineError('STORAGE_CORRUPT', `${this.path}: ${(err as Error).message}`);
      buf = Buffer.alloc(0);
    }
    const report: LoadReport = { records: 0, skipped: 0, tornBytes: 0 };
    let start = 0;
    while (start < buf.length) {
      const nl = buf.indexOf(0x0a, start);
      if (nl === -1) {
        report.tornBytes = buf.length - start;
        break;
      }
      const offset = start;
      const line = buf.toString('utf8', start, nl);
      start = nl + 1;
      if (line.length === 0) continue;
      let record: unknown;
      try {
        record = JSON.parse(line);
      } catch {
        report.skipped += 1;
        continue;
      }
      report.records += 1;
      onRecord(record, offset);
    }
    try {
      this.fd = openSync(this.path, 'a+', 0o600);
      if (report.tornBytes > 0) {
        ftruncateSync(this.fd, buf.length - report.tornBytes);
        fsyncSync(this.fd);
      }
      this.size = statSync(this.path).size;
    } catch (err) {
      throw new EngineError('STORAGE_WRITE_FAILED', `${this.path}: ${(err as Error).message}`, {
        cause: err,
      });
    }
    return report;
  }

  /**
   * Queues one record; `done` runs once it is written (and synced under 'always'). Returns the byte offset
   * its line will have in the file.
   */
  append(record: unknown, done?: () => void): number {
    if (this.closed) throw new EngineError('STORAGE_WRITE_FAILED', `${this.path} is closed`);
    const line = `${JSON.stringify(record)}\n`;
    const offset = this.size + this.pendingBytes;
    this.pending.push(line);
    this.pendingBytes += Buffer.byteLength(line);
    if (done) this.callbacks.push(done);
    if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(() => this.flush());
    }
    return offset;
  }

  /** Runs `done` after every record appended so far is written (keeps replies in order with acks). */
  whenWritten(done: () => void): void {
    if (this.pending.length === 0 && this.callbacks.length === 0) {
      queueMicrotask(done);
      return;
    }
    this.callbacks.push(done);
  }

  /** Writes what is queued now. Called by the scheduler and by close(). */
  flush(): void {
    this.scheduled = false;
    if (this.pending.length > 0 && this.fd !== undefined) {
      const text = this.pending.join('');
      const bytes = this.pendingBytes;
      this.pending = [];
      this.pendingBytes = 0;
      try {
        writeSync(this.fd, text);
        this.size += bytes;
        if (this.options.fsync === 'always') fsyncSync(this.fd);
        else if (this.options.fsync === 'batch') this.scheduleSync();
      } catch (err) {
        // A full disk must not take the chat down; callers still get their callbacks, the problem is logged.
        // What did reach the file is measured again, so later offsets stay true.
        try {
          this.size = fstatSync(this.fd).size;
        } catch {
          // the size stays as it was; readers check what they find at an offset anyway
        }
        queueMicrotask(() => {
          throw new EngineError('STORAGE_WRITE_FAILED', `${this.path}: ${(err as Error).message}`, {
            cause: err,
          });
        });
      }
    }
    const cbs = this.callbacks;
    this.callbacks = [];
    for (const cb of cbs) cb();
  }

  /**
   * Replaces the file with `records` (what is still worth keeping), atomically: a temp file is written and
   * synced, then renamed over the log, so a crash leaves the old log or the new one. Only between load()
   * and the first append (the server compacts at start-up, before it accepts anyone). Returns the byte
   * offset of each record in the new file.
   */
  rewrite(records: unknown[]): number[] {
    if (this.pending.length > 0 || this.fd === undefined)
      throw new EngineError('INTERNAL', 'rewrite only right after load');
    const tmp = `${this.path}.compact-${process.pid}.tmp`;
    const offsets: number[] = [];
    try {
      const fd = openSync(tmp, 'w', 0o600);
      try {
        let text = '';
        let at = 0;
        for (const r of records) {
          const line = `${JSON.stringify(r)}\n`;
          offsets.push(at);
          at += Buffer.byteLength(line);
          text += line;
          if (text.length > 1 << 20) {
            writeSync(fd, text);
            text = '';
          }
        }
        if (text) writeSync(fd, text);
        fsyncSync(fd);
      } finally {
        closeSync(fd);
      }
      closeSync(this.fd);
      this.fd = undefined;
      renameSync(tmp, this.path);
      this.fd = openSync(this.path, 'a+', 0o600);
      this.size = statSync(this.path).size;
      return offsets;
    } catch (err) {
      if (this.fd === undefined) this.fd = openSync(this.path, 'a+', 0o600);
      throw new EngineError('STORAGE_WRITE_FAILED', `${this.path}: ${(err as Error).message}`, {
        cause: err,
      });
    }
  }

  /**
   * Reads records from `offset` (the start of a line) forward, calling `onRecord(record, offset)` until it
   * returns false, the written end of the file is reached, or `maxBytes` were read. Reads are async, in
   * chunks, through a handle of its own, so a long scan never holds the event loop and survives close().
   * Unparseable lines are skipped, as in load().
   */
  async readFrom(
    offset: number,
    options: ReadOptions,
    onRecord: (record: unknown, offset: number) => boolean | void,
  ): Promise<ReadResult> {
    const fh = await open(this.path, 'r');
    try {
      let pos = offset;
      let bytesRead = 0;
      // The unfinished last line of the previous chunk, and the file offset it starts at.
      let carry: Buffer | undefined;
      let carryAt = offset;
      let size = Math.min(FIRST_READ_BYTES, options.chunkBytes);
      for (;;) {
        // Re-read each time: appends go on while we read, and what they wrote is fair to read.
        const end = this.size;
        if (pos >= end) return { bytesRead, reason: 'end' };
        if (bytesRead >= options.maxBytes) return { bytesRead, reason: 'budget' };
        const want = Math.min(size, end - pos, options.maxBytes - bytesRead);
        size = Math.min(size * 2, options.chunkBytes);
        const chunk = Buffer.allocUnsafe(want);
        const { bytesRead: n } = await fh.read(chunk, 0, want, pos);
        if (n === 0) return { bytesRead, reason: 'end' };
        bytesRead += n;
        const base = carry ? carryAt : pos;
        const buf = carry ? Buffer.concat([carry, chunk.subarray(0, n)]) : chunk.subarray(0, n);
        pos += n;
        const lastNl = buf.lastIndexOf(0x0a);
        const stop = this.deliverLines(buf, lastNl, base, options.contains, onRecord);
        if (stop) return { bytesRead, reason: 'stopped' };
        carry = lastNl + 1 < buf.length ? Buffer.from(buf.subarray(lastNl + 1)) : undefined;
        carryAt = base + lastNl + 1;
      }
    } finally {
      await fh.close();
    }
  }

  /** Delivers the complete lines in buf[0..lastNl]; true when the callback asked to stop. */
  private deliverLines(
    buf: Buffer,
    lastNl: number,
    base: number,
    contains: Buffer | undefined,
    onRecord: (record: unknown, offset: number) => boolean | void,
  ): boolean {
    let from = 0;
    while (from <= lastNl) {
      let start = from;
      if (contains) {
        const hit = buf.indexOf(contains, from);
        if (hit === -1 || hit > lastNl) return false;
        start = hit === 0 ? 0 : buf.lastIndexOf(0x0a, hit - 1) + 1;
      }
      const nl = buf.indexOf(0x0a, Math.max(start, from));
      if (nl === -1 || nl > lastNl) return false;
      from = nl + 1;
      if (nl === start) continue;
      let record: unknown;
      try {
        record = JSON.parse(buf.toString('utf8', start, nl));
      } catch {
        continue;
      }
      if (onRecord(record, base + start) === false) return true;
    }
    return false;
  }

  close(): void {
    if (this.closed) return;
    this.flush();
    this.closed = true;
    if (this.syncTimer) clearTimeout(this.syncTimer);
    if (this.fd !== undefined) {
      try {
        if (this.dirty && this.options.fsync !== 'never') fsyncSync(this.fd);
        closeSync(this.fd);
      } catch {
        // closing is best effort; the data was already handed to the OS
      }
      this.fd = undefined;
    }
  }

  private scheduleSync(): void {
    this.dirty = true;
    if (this.syncTimer || this.syncing) return;
    this.syncTimer = setTimeout(() => {
      this.syncTimer = undefined;
      if (this.fd === undefined || !this.dirty) return;
      this.dirty = false;
      this.syncing = true;
      fdatasync(this.fd, () => {
        this.syncing = false;
        if (this.dirty && !this.closed) this.scheduleSync();
      });
    }, this.options.fsyncIntervalMs);
    this.syncTimer.unref();
  }
}
