// File transfer between two chat members, relayed by the server (docs/chat-protocol.md "Files").
// The receiver drives: it accepts with the offset it already has, so after a dropped connection it simply
// accepts again and the sender restarts from there. Data is written to `<saveAs>.part` and renamed only
// after its SHA-256 matches the offer; nothing is ever written outside the path the user chose.
// It knows nothing of sockets: the client gives it a frame sender and passes it the file.* frames.
import { randomBytes } from 'node:crypto';
import { createReadStream, existsSync, type ReadStream } from 'node:fs';
import { open, rename, rm, stat, type FileHandle } from 'node:fs/promises';
import { basename } from 'node:path';
import { CHAT_DEFAULTS, type FileTransferInfo } from '../../../shared/contract/chat';
import type { ErrorCode } from '../../../shared/errors';
import { EngineError, toEngineError } from '../common/errors';
import { sha256File } from '../common/file-hash';
import type { ClientFrame, ServerFrame } from './protocol';

export interface TransferHost {
  send(frame: ClientFrame): void;
  changed(info: FileTransferInfo): void;
  maxFileBytes(): number;
  chunkBytes(): number;
  connected(): boolean;
}

interface Outgoing {
  info: FileTransferInfo;
  path: string;
  stream?: ReadStream;
  sentTo: number;
  acked: number;
}

interface Incoming {
  info: FileTransferInfo;
  saveAs?: string;
  fh?: FileHandle;
  written: number;
  retryTimer?: NodeJS.Timeout;
  retries: number;
  finishing: boolean;
  /** Chunks are written one after another: positional writes may finish out of order. */
  chain: Promise<void>;
  /** The offset we last asked the sender to restart from, so a run of stale chunks asks only once. */
  askedFrom: number;
  /**
   * The `file.done` we sent and the connection it went out on. A connection cut right after it may
   * have lost it, and the sender would wait for an accept that never comes: a reconnect sends it again.
   */
  told?: { ok: boolean; connection: number };
}

type FileFrame = Extract<ServerFrame, { t: `file.${string}` }>;

const MAX_ACCEPT_RETRIES = 120;

export class FileTransfers {
  private readonly out = new Map<string, Outgoing>();
  private readonly inc = new Map<string, Incoming>();
  private lastProgress = 0;
  /** Counts connections (reconnects), for `Incoming.told`. */
  private connection = 0;

  constructor(
    private readonly host: TransferHost,
    private readonly windowChunks = CHAT_DEFAULTS.fileWindowChunks,
    private readonly retryMs = 1000,
  ) {}

  list(): FileTransferInfo[] {
    return [...this.out.values(), ...this.inc.values()].map((t) => ({ ...t.info }));
  }

  async offer(to: string, path: string): Promise<FileTransferInfo> {
    let size: number;
    try {
      const st = await stat(path);
      if (!st.isFile()) throw new EngineError('INVALID_INPUT', `${path} is not a regular file`);
      size = st.size;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT')
        throw new EngineError('NOT_FOUND', `${path} does not exist`);
      throw toEngineError(err, `offer ${path}`);
    }
    if (size > this.host.maxFileBytes())
      throw new EngineError('CHAT_FILE_TOO_LARGE', `${size} bytes > ${this.host.maxFileBytes()}`);
    if (!this.host.connected()) throw new EngineError('NOT_CONNECTED', 'not connected to the chat server');
    const sha256 = await sha256File(path);
    const fileId = `f-${randomBytes(8).toString('hex')}`;
    const info: FileTransferInfo = {
      fileId,
      direction: 'send',
      peer: to,
      name: basename(path),
      size,
      sha256,
      transferred: 0,
      state: 'offered',
    };
    this.out.set(fileId, { info, path, sentTo: 0, acked: 0 });
    this.host.send({ t: 'file.offer', fileId, to, name: info.name, size, sha256 });
    this.host.changed({ ...info });
    return { ...info };
  }

  async accept(fileId: string, saveAs: string): Promise<FileTransferInfo> {
    const t = this.inc.get(fileId);
    if (!t) throw new EngineError('NOT_FOUND', `no file offer ${fileId}`);
    if (t.info.state !== 'offered')
      throw new EngineError('INVALID_INPUT', `transfer ${fileId} is ${t.info.state}`);
    if (existsSync(saveAs))
      throw new EngineError('INVALID_INPUT', `${saveAs} already exists; choose another name`);
    try {
      t.fh = await open(`${saveAs}.part`, 'a+');
      t.written = (await t.fh.stat()).size;
    } catch (err) {
      throw toEngineError(err, `save to ${saveAs}`);
    }
    if (t.written > t.info.size) {
      await t.fh.truncate(0);
      t.written = 0;
    }
    t.saveAs = saveAs;
    t.info.savedTo = saveAs;
    t.info.state = 'transferring';
    t.info.transferred = t.written;
    this.host.changed({ ...t.info });
    this.sendAccept(t);
    return { ...t.info };
  }

  cancel(fileId: string): void {
    const o = this.out.get(fileId);
    const i = this.inc.get(fileId);
    if (!o && !i) throw new EngineError('NOT_FOUND', `no transfer ${fileId}`);
    this.host.send({ t: 'file.cancel', fileId, reason: 'cancelled by user' });
    if (o) this.finishOut(o, 'cancelled', 'CHAT_FILE_CANCELLED', 'cancelled here');
    if (i) void this.finishIn(i, 'cancelled', 'CHAT_FILE_CANCELLED', 'cancelled here');
  }

  onFrame(f: FileFrame): void {
    switch (f.t) {
      case 'file.offer': {
        if (this.inc.has(f.fileId)) return;
        const info: FileTransferInfo = {
          fileId: f.fileId,
          direction: 'receive',
          peer: f.from,
          name: basename(String(f.name)),
          size: f.size,
          sha256: f.sha256,
          transferred: 0,
          state: 'offered',
        };
        this.inc.set(f.fileId, {
          info,
          written: 0,
          retries: 0,
          finishing: false,
          chain: Promise.resolve(),
          askedFrom: -1,
        });
        this.host.changed({ ...info });
        return;
      }
      case 'file.accept': {
        const o = this.out.get(f.fileId);
        if (o && (o.info.state === 'offered' || o.info.state === 'transferring'))
          this.startSending(o, f.offset);
        return;
      }
      case 'file.ack': {
        const o = this.out.get(f.fileId);
        if (!o) return;
        o.acked = Math.max(o.acked, f.offset);
        o.info.transferred = o.acked;
        this.progress(o.info);
        if (o.stream?.isPaused() && o.sentTo - o.acked < this.windowBytes()) o.stream.resume();
        return;
      }
      case 'file.chunk': {
        const i = this.inc.get(f.fileId);
        if (i)
          i.chain = i.chain
            .then(() => this.onChunk(i, f.offset, f.data))
            .catch((err: unknown) =>
              this.finishIn(i, 'failed', toEngineError(err).code, (err as Error).message),
            );
        return;
      }
      case 'file.done': {
        const o = this.out.get(f.fileId);
        if (o)
          this.finishOut(
            o,
            f.ok ? 'done' : 'failed',
            f.ok ? undefined : 'CHAT_FILE_CHECKSUM',
            f.ok ? undefined : 'the receiver found a checksum mismatch',
          );
        return;
      }
      case 'file.cancel': {
        const o = this.out.get(f.fileId);
        const i = this.inc.get(f.fileId);
        if (o)
          this.finishOut(o, 'cancelled', 'CHAT_FILE_CANCELLED', f.reason ?? 'cancelled by the other side');
        if (i)
          void this.finishIn(
            i,
            'cancelled',
            'CHAT_FILE_CANCELLED',
            f.reason ?? 'cancelled by the other side',
          );
        return;
      }
      default:
        return;
    }
  }

  /** The server refused a frame about a transfer (ref = fileId). Returns true when it was one of ours. */
  onError(code: string, ref: string | undefined): boolean {
    if (!ref) return false;
    const o = this.out.get(ref);
    const i = this.inc.get(ref);
    if (!o && !i) return false;
    if (code === 'CHAT_PEER_OFFLINE' && i && i.info.state === 'transferring') {
      this.scheduleAccept(i);
      return true;
    }
    if (code === 'CHAT_PEER_OFFLINE' && o) {
      o.stream?.destroy();
      o.stream = undefined;
      return true; // the receiver accepts again when both are back
    }
    if (o) this.finishOut(o, 'failed', code as ErrorCode, `the server refused: ${code}`);
    if (i) void this.finishIn(i, 'failed', code as ErrorCode, `the server refused: ${code}`);
    return true;
  }

  /** After a reconnect the receiver asks for the rest; the sender waits for that. */
  onReconnected(): void {
    const previous = this.connection++;
    for (const i of this.inc.values()) {
      if (i.info.state === 'transferring') this.sendAccept(i);
      // Sent on the connection that just ended (or while it was down): perhaps never delivered. The
      // sender ignores a second one; a server that already relayed the first refuses it (NOT_FOUND) and
      // the finished transfer stays as it is.
      else if (i.told?.connection === previous) this.sendDone(i, i.told.ok);
    }
  }

  private sendDone(i: Incoming, ok: boolean): void {
    i.told = { ok, connection: this.connection };
    this.host.send({ t: 'file.done', fileId: i.info.fileId, ok });
  }

  onDisconnected(): void {
    for (const o of this.out.values()) {
      o.stream?.destroy();
      o.stream = undefined;
    }
  }

  async close(): Promise<void> {
    this.onDisconnected();
    for (const i of this.inc.values()) {
      clearTimeout(i.retryTimer);
      await i.fh?.close().catch(() => undefined);
      i.fh = undefined;
    }
  }

  private windowBytes(): number {
    return this.windowChunks * this.host.chunkBytes();
  }

  /** Asks for the rest once every chunk already received is written, so the offset is exact. */
  private sendAccept(i: Incoming): void {
    i.chain = i.chain.then(() => {
      if (!this.host.connected() || i.info.state !== 'transferring' || i.finishing) return;
      i.askedFrom = i.written;
      this.host.send({ t: 'file.accept', fileId: i.info.fileId, offset: i.written });
    });
  }

  private scheduleAccept(i: Incoming): void {
    clearTimeout(i.retryTimer);
    if (++i.retries > MAX_ACCEPT_RETRIES) {
      void this.finishIn(i, 'failed', 'CHAT_PEER_OFFLINE', 'the sender did not come back');
      return;
    }
    i.retryTimer = setTimeout(() => this.sendAccept(i), this.retryMs);
    i.retryTimer.unref();
  }

  private startSending(o: Outgoing, offset: number): void {
    o.stream?.destroy();
    o.info.state = 'transferring';
    o.sentTo = offset;
    o.acked = offset;
    o.info.transferred = offset;
    this.host.changed({ ...o.info });
    if (offset >= o.info.size) return; // the receiver has it all and will say done
    const stream = createReadStream(o.path, { start: offset, highWaterMark: this.host.chunkBytes() });
    o.stream = stream;
    stream.on('data', (chunk) => {
      if (o.stream !== stream) return;
      const buf = chunk as Buffer;
      this.host.send({
        t: 'file.chunk',
        fileId: o.info.fileId,
        offset: o.sentTo,
        data: buf.toString('base64'),
      });
      o.sentTo += buf.length;
      if (o.sentTo - o.acked >= this.windowBytes()) stream.pause();
    });
    stream.on('error', (err) => {
      if (o.stream !== stream) return;
      this.host.send({ t: 'file.cancel', fileId: o.info.fileId, reason: 'sender could not read the file' });
      this.finishOut(o, 'failed', toEngineError(err).code, (err as Error).message);
    });
  }

  private async onChunk(i: Incoming, offset: number, data: string): Promise<void> {
    if (!i.fh || i.info.state !== 'transferring' || i.finishing) return;
    if (offset !== i.written) {
      // Chunks of an earlier attempt (before a reconnect): dropped, and the sender is told once where to go on.
      if (i.askedFrom !== i.written && this.host.connected()) {
        i.askedFrom = i.written;
        this.host.send({ t: 'file.accept', fileId: i.info.fileId, offset: i.written });
      }
      return;
    }
    const buf = Buffer.from(data, 'base64');
    if (i.written + buf.length > i.info.size) {
      this.host.send({ t: 'file.cancel', fileId: i.info.fileId, reason: 'more data than offered' });
      return this.finishIn(i, 'failed', 'CHAT_FILE_CHECKSUM', 'the sender sent more bytes than it offered');
    }
    i.written += buf.length;
    await i.fh.write(buf, 0, buf.length, offset);
    i.info.transferred = i.written;
    i.retries = 0;
    this.host.send({ t: 'file.ack', fileId: i.info.fileId, offset: i.written });
    this.progress(i.info);
    if (i.written === i.info.size) await this.verify(i);
  }

  private async verify(i: Incoming): Promise<void> {
    i.finishing = true;
    await i.fh?.close();
    i.fh = undefined;
    const part = `${i.saveAs!}.part`;
    const got = await sha256File(part);
    if (got !== i.info.sha256) {
      this.sendDone(i, false);
      await rm(part, { force: true });
      return this.finishIn(i, 'failed', 'CHAT_FILE_CHECKSUM', `expected ${i.info.sha256}, got ${got}`);
    }
    await rename(part, i.saveAs!);
    this.sendDone(i, true);
    await this.finishIn(i, 'done');
  }

  private finishOut(o: Outgoing, state: FileTransferInfo['state'], code?: ErrorCode, message?: string): void {
    o.stream?.destroy();
    o.stream = undefined;
    if (o.info.state === 'done' || o.info.state === 'cancelled' || o.info.state === 'failed') return;
    o.info.state = state;
    if (state === 'done') o.info.transferred = o.info.size;
    if (code) Object.assign(o.info, { code, message });
    this.host.changed({ ...o.info });
  }

  private async finishIn(
    i: Incoming,
    state: FileTransferInfo['state'],
    code?: ErrorCode,
    message?: string,
  ): Promise<void> {
    clearTimeout(i.retryTimer);
    if (i.info.state === 'done' || i.info.state === 'cancelled' || i.info.state === 'failed') return;
    i.info.state = state;
    if (code) Object.assign(i.info, { code, message });
    await i.fh?.close().catch(() => undefined);
    i.fh = undefined;
    if (state !== 'done' && i.saveAs) await rm(`${i.saveAs}.part`, { force: true });
    this.host.changed({ ...i.info });
  }

  private progress(info: FileTransferInfo): void {
    // Progress events at most every 100 ms per client, so a fast transfer does not flood the UI.
    const now = Date.now();
    if (now - this.lastProgress < 100 && info.transferred < info.size) return;
    this.lastProgress = now;
    this.host.changed({ ...info });
  }
}
