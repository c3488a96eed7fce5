// File transfer in direct conversations over the peer link (docs/chat-protocol.md, "Messenger files").
// The sender offers (name, size, SHA-256); the receiver accepts with the offset it already holds in
// `<saveAs>.part`, so a dropped link or a restart of either side goes on from there: the records are in
// `messenger/files.json` and the sender offers every unfinished transfer again on each new link. Chunks go
// within a window of acknowledged bytes and only while the socket drains (the file is never read ahead of
// the network); the `.part` is renamed only after its SHA-256 matches. Decisions are files-state.ts.
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { open, rename, rm, stat } from 'node:fs/promises';
import { basename, extname, join } from 'node:path';
import type { MessengerFileState, MessengerFileTransfer } from '../../../shared/contract/messenger-files';
import type { ErrorCode } from '../../../shared/errors';
import { EngineError, toEngineError } from '../common/errors';
import { sha256File } from '../common/file-hash';
import { answerAccept, answerOffer, checkChunk, isFinal, stopCode, windowOpen } from './files-state';
import type { FileFrame } from './files-protocol';
import type { PeerLink } from './peer-link';
import { directConversationId, directMembers } from './protocol';
import { TransferBook, type Live } from './files-book';

export type { FilesHost } from './files-book';

export class MessengerFiles extends TransferBook {
  // ---- what the user does ----------------------------------------------------------------------

  async offer(conversation: string, path: string): Promise<MessengerFileTransfer> {
    const members = directMembers(conversation);
    const peer = members?.find((m) => m !== this.host.self);
    if (!members || !peer || !members.includes(this.host.self))
      throw new EngineError(
        'MESSENGER_NO_CONVERSATION',
        `${conversation} is not a direct conversation of ours`,
      );
    let st;
    try {
      st = await stat(path);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT')
        throw new EngineError('NOT_FOUND', `${path} does not exist`);
      throw toEngineError(err, `offer ${path}`);
    }
    if (!st.isFile()) throw new EngineError('INVALID_INPUT', `${path} is not a regular file`);
    if (st.size > this.limits.maxFileBytes)
      throw new EngineError(
        'MESSENGER_FILE_TOO_LARGE',
        `${st.size} bytes > maxFileBytes ${this.limits.maxFileBytes}`,
      );
    if (this.openWith(peer) >= this.limits.maxOpenTransfers)
      throw new EngineError(
        'LIMIT_EXCEEDED',
        `at most ${this.limits.maxOpenTransfers} open transfers with one peer (maxOpenTransfers)`,
      );
    const sha256 = await sha256File(path);
    const now = Date.now();
    const t = this.live({
      fileId: `f-${randomBytes(8).toString('hex')}`,
      conversation,
      peer,
      direction: 'send',
      name: basename(path),
      size: st.size,
      sha256,
      transferred: 0,
      state: 'offered',
      path,
      mtimeMs: st.mtimeMs,
      createdAt: now,
      updatedAt: now,
    });
    this.set(t, 'offered');
    this.sendOffer(t);
    return this.info(t);
  }

  private sendOffer(t: Live): void {
    const { fileId, name, size, sha256 } = t.rec;
    this.send(t.rec.peer, { t: 'file.offer', fileId, name, size, sha256 });
  }

  async accept(fileId: string, saveAs: string): Promise<MessengerFileTransfer> {
    const t = this.get(fileId);
    if (t.rec.direction !== 'receive' || t.rec.state !== 'offered')
      throw new EngineError('INVALID_INPUT', `transfer ${fileId} is ${t.rec.state}, not an offer to us`);
    if (existsSync(saveAs))
      throw new EngineError('INVALID_INPUT', `${saveAs} already exists; choose another name`);
    t.rec.savedTo = saveAs;
    await this.openPart(t).catch((err: unknown) => {
      t.rec.savedTo = undefined;
      throw err;
    });
    this.set(t, 'transferring');
    this.askFrom(t);
    return this.info(t);
  }

  decline(fileId: string): MessengerFileTransfer {
    const t = this.get(fileId);
    if (t.rec.direction !== 'receive' || t.rec.state !== 'offered')
      throw new EngineError('INVALID_INPUT', `transfer ${fileId} is ${t.rec.state}, not an offer to us`);
    this.stopHere(t, 'declined', 'MESSENGER_FILE_DECLINED', 'declined here');
    return this.info(t);
  }

  async cancel(fileId: string): Promise<MessengerFileTransfer> {
    const t = this.get(fileId);
    if (isFinal(t.rec.state)) return this.info(t);
    await this.stopHere(t, 'cancelled', 'MESSENGER_FILE_CANCELLED', 'cancelled here');
    return this.info(t);
  }

  /** We stop: the other side is told now, or on the next link if it is away. */
  private async stopHere(t: Live, state: MessengerFileState, code: ErrorCode, message: string) {
    t.rec.untold = !this.send(t.rec.peer, { t: 'file.cancel', fileId: t.rec.fileId, code, reason: message });
    await this.stop(t, state, code, message);
  }

  private async stop(t: Live, state: MessengerFileState, code?: ErrorCode, message?: string): Promise<void> {
    t.gen += 1;
    t.meter.reset();
    const fh = t.fh;
    t.fh = undefined;
    this.set(t, state, code, message);
    // close() waits for a write in flight; later queued writes see the new generation and skip.
    await fh?.close().catch(() => undefined);
    if (t.rec.direction === 'receive' && state !== 'done' && t.rec.savedTo)
      await rm(`${t.rec.savedTo}.part`, { force: true });
  }

  // ---- links -----------------------------------------------------------------------------------

  /** A link with `peer` is up: unfinished offers go again (the receiver says where it stands). */
  linkUp(peer: string): void {
    if (this.closed) return;
    for (const t of this.all.values()) {
      if (t.rec.peer !== peer) continue;
      if (t.rec.untold && isFinal(t.rec.state)) {
        const code = stopCode(t.rec);
        if (this.send(peer, { t: 'file.cancel', fileId: t.rec.fileId, code, reason: t.rec.message }))
          t.rec.untold = false;
        continue;
      }
      if (t.rec.direction === 'send' && !isFinal(t.rec.state)) {
        t.gen += 1;
        this.sendOffer(t);
      }
      if (!isFinal(t.rec.state)) this.host.changed(this.info(t));
    }
  }

  linkDown(peer: string): void {
    for (const t of this.all.values()) {
      if (t.rec.peer !== peer || isFinal(t.rec.state)) continue;
      // A sender's run ends with the link. A receiver's queued writes do not: they are the next bytes
      // of the file, and the offset it asks from on the next link counts them.
      if (t.rec.direction === 'send') t.gen += 1;
      t.meter.reset();
      this.host.changed(this.info(t));
    }
  }

  /** The socket takes more: the senders writing on it go on. */
  drain(link: PeerLink): void {
    if (!this.waitingDrain.delete(link)) return;
    for (const t of this.all.values())
      if (t.rec.direction === 'send' && t.rec.state === 'transferring' && this.host.link(t.rec.peer) === link)
        void this.pump(t);
  }

  // ---- frames ----------------------------------------------------------------------------------

  onFrame(peer: string, f: FileFrame): void {
    const t = this.all.get(f.fileId);
    if (t && t.rec.peer !== peer) return; // another peer's transfer: not this link's business
    const work = this.handle(peer, f, t);
    if (work)
      work.catch((err: unknown) => {
        if (t && !isFinal(t.rec.state))
          void this.stopHere(t, 'failed', toEngineError(err).code, (err as Error).message);
      });
  }

  private handle(peer: string, f: FileFrame, t: Live | undefined): Promise<void> | undefined {
    switch (f.t) {
      case 'file.offer':
        return this.onOffer(peer, f, t);
      case 'file.accept':
        return this.onAccept(peer, f.fileId, f.offset, t);
      case 'file.ack':
        if (t?.rec.direction === 'send' && t.rec.state === 'transferring' && f.offset <= t.rec.size) {
          t.acked = Math.max(t.acked, f.offset);
          this.progress(t, t.acked);
          void this.pump(t);
        }
        return;
      case 'file.chunk':
        if (!t || t.rec.direction !== 'receive') {
          this.send(peer, { t: 'file.cancel', fileId: f.fileId, code: 'MESSENGER_FILE_UNKNOWN' });
          return;
        }
        return this.onChunk(t, f.offset, f.data);
      case 'file.done':
        if (t?.rec.direction === 'send' && !isFinal(t.rec.state)) {
          if (f.ok) {
            t.rec.transferred = t.rec.size;
            return this.stop(t, 'done');
          }
          return this.stop(t, 'failed', 'MESSENGER_FILE_CHECKSUM', 'the receiver found a checksum mismatch');
        }
        return;
      case 'file.cancel': {
        if (!t || isFinal(t.rec.state)) return;
        const code = (f.code ?? 'MESSENGER_FILE_CANCELLED') as ErrorCode;
        const state: MessengerFileState =
          code === 'MESSENGER_FILE_DECLINED'
            ? 'declined'
            : code === 'MESSENGER_FILE_CANCELLED'
              ? 'cancelled'
              : 'failed';
        return this.stop(t, state, code, f.reason ?? 'stopped by the other side');
      }
    }
  }

  private async onOffer(peer: string, f: Extract<FileFrame, { t: 'file.offer' }>, t: Live | undefined) {
    const answer = answerOffer(t?.rec, f, this.openWith(peer), this.limits);
    switch (answer.kind) {
      case 'refuse':
        this.send(peer, { t: 'file.cancel', fileId: f.fileId, code: answer.code, reason: answer.reason });
        return;
      case 'wait':
        return;
      case 'done':
        this.send(peer, { t: 'file.done', fileId: f.fileId, ok: true });
        return;
      case 'stopped':
        this.send(peer, { t: 'file.cancel', fileId: f.fileId, code: answer.code, reason: t?.rec.message });
        if (t) t.rec.untold = false;
        return;
      case 'resume':
        if (!t!.fh) await this.openPart(t!);
        // After the writes already queued, so the offset (or the check of a complete .part) is exact.
        t!.chain = t!.chain.then(() => (t!.written === t!.rec.size ? this.verify(t!) : undefined));
        this.askFrom(t!);
        return;
      case 'new': {
        const now = Date.now();
        this.host.offered(peer);
        this.set(
          this.live({
            fileId: f.fileId,
            conversation: directConversationId(this.host.self, peer),
            peer,
            direction: 'receive',
            name: basename(f.name.replace(/\\/g, '/')) || 'file',
            size: f.size,
            sha256: f.sha256,
            transferred: 0,
            state: 'offered',
            createdAt: now,
            updatedAt: now,
          }),
          'offered',
        );
      }
    }
  }

  private async onAccept(peer: string, fileId: string, offset: number, t: Live | undefined) {
    const answer = answerAccept(t?.rec, offset);
    if (answer.kind === 'unknown') {
      this.send(peer, { t: 'file.cancel', fileId, code: 'MESSENGER_FILE_UNKNOWN' });
      return;
    }
    if (answer.kind === 'stopped') {
      this.send(peer, { t: 'file.cancel', fileId, code: answer.code, reason: t!.rec.message });
      return;
    }
    if (answer.kind === 'refuse') {
      this.send(peer, { t: 'file.cancel', fileId, code: answer.code, reason: answer.reason });
      return;
    }
    const s = t!;
    // The same file still there: its size is what was offered (the checksum catches a changed content).
    const now = await stat(s.rec.path!).catch(() => undefined);
    if (!now || now.size !== s.rec.size)
      return this.stopHere(
        s,
        'failed',
        'MESSENGER_FILE_CHANGED',
        `${s.rec.path} changed since it was offered`,
      );
    if (!s.fh) {
      const fh = await open(s.rec.path!, 'r');
      // Two accepts may race here (an offer repeated on a new link): one handle is kept.
      if (s.fh) await fh.close();
      else s.fh = fh;
    }
    s.gen += 1;
    s.sentTo = answer.from;
    s.acked = answer.from;
    s.meter.reset();
    s.rec.transferred = answer.from;
    if (answer.from > 0) s.rec.resumedFrom = answer.from;
    this.set(s, 'transferring');
    void this.pump(s);
  }

  // ---- sending ---------------------------------------------------------------------------------

  /** Reads and writes chunks while the window is open and the socket keeps up; a drain or an ack goes on. */
  private async pump(t: Live): Promise<void> {
    if (t.pumping) return;
    t.pumping = true;
    const chunk = this.limits.fileChunkBytes;
    try {
      for (;;) {
        const link = this.host.link(t.rec.peer);
        if (t.rec.state !== 'transferring' || !t.fh || link?.state !== 'open' || this.waitingDrain.has(link))
          return;
        if (!windowOpen(t.sentTo, t.acked, t.rec.size, this.limits)) return;
        const gen = t.gen;
        const at = t.sentTo;
        const len = Math.min(chunk, t.rec.size - at);
        const buf = Buffer.allocUnsafe(len);
        const { bytesRead } = await t.fh.read(buf, 0, len, at);
        if (t.gen !== gen) continue; // a new run started meanwhile (accept again, link changed)
        if (bytesRead !== len) {
          await this.stopHere(t, 'failed', 'MESSENGER_FILE_CHANGED', `${t.rec.path} is shorter than offered`);
          return;
        }
        t.sentTo = at + len;
        const ok = link.send({
          t: 'file.chunk',
          fileId: t.rec.fileId,
          offset: at,
          data: buf.toString('base64'),
        });
        // Up to a few chunks may sit in the socket's buffer so the link never idles; beyond that, drain.
        if (!ok && link.socket.writableLength > 4 * chunk) this.waitingDrain.add(link);
      }
    } finally {
      t.pumping = false;
    }
  }

  // ---- receiving -------------------------------------------------------------------------------

  private async openPart(t: Live): Promise<void> {
    try {
      const fh = await open(`${t.rec.savedTo!}.part`, 'a+');
      if (t.fh) return void (await fh.close());
      const size = (await fh.stat()).size;
      if (size > t.rec.size) await fh.truncate(0);
      t.fh = fh;
      t.written = size > t.rec.size ? 0 : size;
      t.rec.transferred = t.written;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT')
        throw new EngineError('NOT_FOUND', `the folder of ${t.rec.savedTo} does not exist`);
      throw toEngineError(err, `save to ${t.rec.savedTo}`);
    }
  }

  /** Asks for the rest once every chunk already received is written, so the offset is exact. */
  private askFrom(t: Live): void {
    t.chain = t.chain.then(() => {
      if (t.rec.state !== 'transferring') return;
      t.askedFrom = t.written;
      if (t.written > 0) t.rec.resumedFrom = t.written;
      this.send(t.rec.peer, { t: 'file.accept', fileId: t.rec.fileId, offset: t.written });
    });
  }

  private onChunk(t: Live, offset: number, data: string): Promise<void> | undefined {
    const check = checkChunk(t.rec, t.written, { offset, data }, this.limits.fileChunkBytes);
    if (check.kind === 'refuse') return this.stopHere(t, 'failed', check.code, check.reason);
    if (check.kind === 'stale') {
      // Chunks of an earlier run: dropped, and the sender is told once where to go on.
      if (t.rec.state === 'transferring' && t.askedFrom !== t.written) this.askFrom(t);
      return;
    }
    const buf = Buffer.from(data, 'base64');
    if (t.written + buf.length > t.rec.size)
      return this.stopHere(
        t,
        'failed',
        'MESSENGER_FILE_CHECKSUM',
        'the sender sent more bytes than it offered',
      );
    t.written += buf.length;
    const end = t.written;
    t.chain = t.chain.then(async () => {
      // Stopped meanwhile (cancelled, failed): the .part is gone or going, nothing more is written.
      if (t.rec.state !== 'transferring' || !t.fh) return;
      await t.fh.write(buf, 0, buf.length, offset);
      this.send(t.rec.peer, { t: 'file.ack', fileId: t.rec.fileId, offset: end });
      this.progress(t, end);
      if (end === t.rec.size) await this.verify(t);
    });
    return t.chain;
  }

  private async verify(t: Live): Promise<void> {
    if (t.rec.state !== 'transferring') return; // already checked (the last chunk and a resume both ask)
    const fh = t.fh;
    t.fh = undefined;
    await fh?.close();
    const part = `${t.rec.savedTo!}.part`;
    const got = await sha256File(part);
    if (got !== t.rec.sha256) {
      this.send(t.rec.peer, { t: 'file.done', fileId: t.rec.fileId, ok: false });
      await rm(part, { force: true });
      return this.stop(t, 'failed', 'MESSENGER_FILE_CHECKSUM', `expected ${t.rec.sha256}, got ${got}`);
    }
    // Never over a file that appeared there meanwhile: "name (1).ext" instead.
    const target = freePath(t.rec.savedTo!);
    await rename(part, target);
    t.rec.savedTo = target;
    t.rec.transferred = t.rec.size;
    this.send(t.rec.peer, { t: 'file.done', fileId: t.rec.fileId, ok: true });
    await this.stop(t, 'done');
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const t of this.all.values()) {
      t.gen += 1;
      await t.chain.catch(() => undefined);
      await t.fh?.close().catch(() => undefined);
      t.fh = undefined;
    }
  }
}

function freePath(path: string): string {
  if (!existsSync(path)) return path;
  const ext = extname(path);
  const stem = path.slice(0, path.length - ext.length);
  for (let i = 1; i < 1000; i++) {
    const p = `${stem} (${i})${ext}`;
    if (!existsSync(p)) return p;
  }
  return join(path, '..', `${randomBytes(4).toString('hex')}-${basename(path)}`);
}
