// The server's half of file transfer: it checks offers (size limit, open offers per member, recipient
// online), remembers which two members a transfer belongs to, and relays file.* frames only between them,
// pausing the sender while the receiver's socket is full. It never stores file data.
import type { Socket } from 'node:net';
import type { ErrorCode } from '../../../shared/errors';
import type { ClientFrame, ServerFrame } from './protocol';

export type FileFrame = Extract<ClientFrame, { t: `file.${string}` }>;

interface Transfer {
  fileId: string;
  from: string;
  to: string;
  size: number;
}

/** How the relay reaches connections; the server's connection type stays its own. */
export interface RelayIo<P> {
  byNick(nick: string): P | undefined;
  speaksProtocol(peer: P): boolean;
  socket(peer: P): Socket;
  /** Sends a frame; false when the socket asked us to wait. */
  send(peer: P, frame: ServerFrame): boolean;
}

export interface RelayLimits {
  maxFileBytes: number;
  maxOpenTransfers: number;
}

export class FileRelay<P> {
  private readonly transfers = new Map<string, Transfer>();

  constructor(
    private readonly io: RelayIo<P>,
    private readonly limits: RelayLimits,
  ) {}

  handle(conn: P, nick: string, f: FileFrame): void {
    const refuse = (code: ErrorCode, message: string) =>
      void this.io.send(conn, { t: 'error', code, message, ref: f.fileId });
    if (f.t === 'file.offer') {
      if (f.size > this.limits.maxFileBytes)
        return refuse('CHAT_FILE_TOO_LARGE', `${f.size} bytes > maxFileBytes ${this.limits.maxFileBytes}`);
      const existing = this.transfers.get(f.fileId);
      if (existing && existing.from !== nick) return refuse('INVALID_INPUT', 'fileId in use');
      if (
        !existing &&
        [...this.transfers.values()].filter((t) => t.from === nick).length >= this.limits.maxOpenTransfers
      ) {
        return refuse(
          'LIMIT_EXCEEDED',
          `at most ${this.limits.maxOpenTransfers} open file offers per member`,
        );
      }
      const target = this.io.byNick(f.to);
      if (!target || !this.io.speaksProtocol(target))
        return refuse('CHAT_PEER_OFFLINE', `${f.to} is not connected`);
      this.transfers.set(f.fileId, { fileId: f.fileId, from: nick, to: f.to, size: f.size });
      this.io.send(target, {
        t: 'file.offer',
        fileId: f.fileId,
        from: nick,
        name: f.name,
        size: f.size,
        sha256: f.sha256,
      });
      return;
    }
    const tr = this.transfers.get(f.fileId);
    if (!tr || (tr.from !== nick && tr.to !== nick)) return refuse('NOT_FOUND', `no transfer ${f.fileId}`);
    const peerNick = tr.from === nick ? tr.to : tr.from;
    const peer = this.io.byNick(peerNick);
    if (!peer) return refuse('CHAT_PEER_OFFLINE', `${peerNick} is not connected`);
    switch (f.t) {
      case 'file.chunk': {
        if (tr.from !== nick) return;
        const writable = this.io.send(peer, {
          t: 'file.chunk',
          fileId: f.fileId,
          from: nick,
          offset: f.offset,
          data: f.data,
        });
        // Relay backpressure: the sender waits while the receiver's socket is full.
        const src = this.io.socket(conn);
        if (!writable && !src.isPaused()) {
          src.pause();
          const dst = this.io.socket(peer);
          const resume = () => {
            dst.off('drain', resume);
            dst.off('close', resume);
            src.resume();
          };
          dst.once('drain', resume);
          dst.once('close', resume);
        }
        return;
      }
      case 'file.accept':
      case 'file.ack':
        this.io.send(peer, { t: f.t, fileId: f.fileId, from: nick, offset: f.offset });
        return;
      case 'file.cancel':
        this.transfers.delete(f.fileId);
        this.io.send(peer, { t: 'file.cancel', fileId: f.fileId, from: nick, reason: f.reason });
        return;
      case 'file.done':
        this.transfers.delete(f.fileId);
        this.io.send(peer, { t: 'file.done', fileId: f.fileId, from: nick, ok: f.ok });
        return;
      default:
        return;
    }
  }
}
