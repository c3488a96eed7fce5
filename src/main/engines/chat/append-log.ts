// An append-only JSON-lines file: the chat history of a server or a client. Records appended in one turn
// of the event loop are written with one write() and then their callbacks run, so whoever waits on a
// record (an ack, a broadcast) knows the OS has its bytes: a killed process loses nothing acknowledged.
// fsync policy (docs/chat.md): 'always' syncs before the callbacks; 'batch' syncs at most every
// `fsyncIntervalMs` (the durability window against power loss); 'never' leaves it to the OS.
// On load a torn last record (a crash in the middle of a write) is cut off; an unreadable record in
// the middle is skipped and counted. This module knows nothing of what the records mean.
import {
  closeSync,
  fdatasync,
  fsyncSync,
  ftruncateSync,
  mkdirSync,
  openSync,
  readFileSync,
  renameSync,
  statSync,
  writeSync,
} from 'node:fs';
import { dirname } from 'node:path';
import { EngineError } from '../common/errors';

export type FsyncPolicy = 'always' | 'batch' | 'never';

export interface AppendLogOptions {
  fsync: FsyncPolicy;
  fsyncIntervalMs: number;
}

export interface LoadReport {
  records: number;
  skipped: number;
  tornBytes: number;
}

export class AppendLog {
  private fd: number | undefined;
  private pending: string[] = [];
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
    return this.size + this.pending.reduce((n, s) => n + Buffer.byteLength(s), 0);
  }

  /** Reads every record (calling `onRecord`), repairs a torn tail, then opens the file for appending. */
  load(onRecord: (record: unknown) => void): LoadReport {
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
      onRecord(record);
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

  /** Queues one record; `done` runs once it is written (and synced under 'always'). */
  append(record: unknown, done?: () => void): void {
    if (this.closed) throw new EngineError('STORAGE_WRITE_FAILED', `${this.path} is closed`);
    this.pending.push(`${JSON.stringify(record)}\n`);
    if (done) this.callbacks.push(done);
    if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(() => this.flush());
    }
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
      this.pending = [];
      try {
        writeSync(this.fd, text);
        this.size += Buffer.byteLength(text);
        if (this.options.fsync === 'always') fsyncSync(this.fd);
        else if (this.options.fsync === 'batch') this.scheduleSync();
      } catch (err) {
        // A full disk must not take the chat down; callers still get their callbacks, the problem is logged.
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
   * and the first append (the server compacts at start-up, before it accepts anyone).
   */
  rewrite(records: unknown[]): void {
    if (this.pending.length > 0 || this.fd === undefined)
      throw new EngineError('INTERNAL', 'rewrite only right after load');
    const tmp = `${this.path}.compact-${process.pid}.tmp`;
    try {
      const fd = openSync(tmp, 'w', 0o600);
      try {
        let text = '';
        for (const r of records) {
          text += `${JSON.stringify(r)}\n`;
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
    } catch (err) {
      if (this.fd === undefined) this.fd = openSync(this.path, 'a+', 0o600);
      throw new EngineError('STORAGE_WRITE_FAILED', `${this.path}: ${(err as Error).message}`, {
        cause: err,
      });
    }
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
