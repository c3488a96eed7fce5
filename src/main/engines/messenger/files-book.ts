// The book-keeping of messenger file transfers (files.ts does the transfers): the records in
// `messenger/files.json` (written on every state change, never on progress), what the UI sees of a
// transfer (its record plus the peer's nickname, the speed and whether the peer is connected now), and
// progress events at most every 100 ms per transfer.
import { statSync } from 'node:fs';
import type { FileHandle } from 'node:fs/promises';
import { z } from 'zod';
import { MessengerFileTransfer, type MessengerFileState } from '../../../shared/contract/messenger-files';
import type { ErrorCode } from '../../../shared/errors';
import { EngineError } from '../common/errors';
import { JsonFile, type StorageProblem } from '../common/json-file';
import { isFinal, keep, RateMeter, type FileLimits, type TransferRecord } from './files-state';
import type { FileFrame } from './files-protocol';
import type { PeerLink } from './peer-link';

export interface FilesHost {
  self: string;
  /** The open link kept with a peer, if any. */
  link(peer: string): PeerLink | undefined;
  nick(peer: string): string;
  changed(t: MessengerFileTransfer): void;
  /** An offer arrived: the direct conversation with its sender must exist to show it in. */
  offered(peer: string): void;
}

const Record_ = MessengerFileTransfer.omit({ rate: true, connected: true, peerNick: true }).extend({
  mtimeMs: z.number().optional(),
  untold: z.boolean().optional(),
});
const FilesFile = z.object({ transfers: z.array(Record_).default([]) });

export interface Live {
  rec: TransferRecord;
  /** Bumped on every (re)start or stop: a read of an earlier run is dropped. */
  gen: number;
  fh?: FileHandle;
  // sending
  sentTo: number;
  acked: number;
  pumping: boolean;
  // receiving
  written: number;
  chain: Promise<void>;
  askedFrom: number;
  meter: RateMeter;
  lastEmit: number;
}

export abstract class TransferBook {
  protected readonly all = new Map<string, Live>();
  private readonly file: JsonFile<typeof FilesFile>;
  protected readonly waitingDrain = new WeakSet<PeerLink>();
  protected closed = false;

  constructor(
    path: string,
    protected readonly limits: FileLimits,
    protected readonly host: FilesHost,
    onProblem: (p: StorageProblem) => void,
  ) {
    this.file = new JsonFile(path, FilesFile, onProblem);
  }

  /** Reads the records: a receive under way takes its offset from the `.part` on disk. */
  load(): void {
    for (const rec of this.file.load().transfers) {
      const t = this.live(rec);
      if (rec.direction === 'receive' && rec.state === 'transferring' && rec.savedTo) {
        let size = 0;
        try {
          size = statSync(`${rec.savedTo}.part`).size;
        } catch {
          // no .part yet (or gone): the transfer starts again from 0
        }
        t.written = size <= rec.size ? size : 0;
        rec.transferred = t.written;
      }
    }
  }

  protected live(rec: TransferRecord): Live {
    const t: Live = {
      rec,
      gen: 0,
      sentTo: 0,
      acked: 0,
      pumping: false,
      written: 0,
      chain: Promise.resolve(),
      askedFrom: -1,
      meter: new RateMeter(),
      lastEmit: 0,
    };
    this.all.set(rec.fileId, t);
    return t;
  }

  protected save(): void {
    const records = keep(
      [...this.all.values()].map((t) => t.rec),
      this.limits.maxKeptTransfers,
    );
    if (records.length < this.all.size)
      for (const id of [...this.all.keys()]) if (!records.some((r) => r.fileId === id)) this.all.delete(id);
    this.file.save({ transfers: records });
  }

  info(t: Live): MessengerFileTransfer {
    const { mtimeMs: _m, untold: _u, ...rec } = t.rec;
    const link = this.host.link(rec.peer);
    return {
      ...rec,
      peerNick: this.host.nick(rec.peer),
      rate: t.rec.state === 'transferring' ? t.meter.rate(Date.now()) : 0,
      connected: link?.state === 'open',
    };
  }

  list(conversation?: string): MessengerFileTransfer[] {
    return [...this.all.values()]
      .filter((t) => !conversation || t.rec.conversation === conversation)
      .sort((a, b) => a.rec.createdAt - b.rec.createdAt)
      .map((t) => this.info(t));
  }

  protected get(fileId: string): Live {
    const t = this.all.get(fileId);
    if (!t) throw new EngineError('MESSENGER_FILE_UNKNOWN', `no file transfer ${fileId}`);
    return t;
  }

  /** A state change: persisted and reported at once. */
  protected set(t: Live, state: MessengerFileState, code?: ErrorCode, message?: string): void {
    t.rec.state = state;
    t.rec.updatedAt = Date.now();
    if (code) Object.assign(t.rec, { code, message });
    this.save();
    t.lastEmit = Date.now();
    this.host.changed(this.info(t));
  }

  protected progress(t: Live, bytes: number): void {
    const now = Date.now();
    t.rec.transferred = bytes;
    t.meter.add(now, bytes);
    if (now - t.lastEmit < this.limits.fileProgressMs && bytes < t.rec.size) return;
    t.lastEmit = now;
    this.host.changed(this.info(t));
  }

  protected send(peer: string, frame: FileFrame): boolean {
    const link = this.host.link(peer);
    return link?.state === 'open' ? link.send(frame) : false;
  }

  protected openWith(peer: string): number {
    return [...this.all.values()].filter((t) => t.rec.peer === peer && !isFinal(t.rec.state)).length;
  }
}
