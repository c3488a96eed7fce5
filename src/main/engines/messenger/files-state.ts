// The decisions of messenger file transfer, as pure functions of a transfer's record and a frame: what a
// receiver answers to an offer (new, refused, resume from its offset, already done, already stopped),
// what a sender does with an accept, whether a chunk is the next one, whether the window is open, which
// records are kept. files.ts does the I/O around them (sockets, the file, the `.part`, the record file).
import type { ErrorCode } from '../../../shared/errors';
import type { MessengerFileState, MessengerFileTransfer } from '../../../shared/contract/messenger-files';

/** What is kept on disk per transfer (files.json); the live fields (rate, connected) are added on top. */
export type TransferRecord = Omit<MessengerFileTransfer, 'rate' | 'connected' | 'peerNick'> & {
  /** Sending side: the source's size and mtime at offer time (a changed file is refused on resume). */
  mtimeMs?: number;
  /** A final state the other side has not been told yet (we stopped while it was unreachable). */
  untold?: boolean;
};

export interface FileLimits {
  maxFileBytes: number;
  fileChunkBytes: number;
  fileWindowChunks: number;
  maxOpenTransfers: number;
  maxKeptTransfers: number;
  fileProgressMs: number;
}

const FINAL = new Set<MessengerFileState>(['done', 'declined', 'cancelled', 'failed']);

export function isFinal(state: MessengerFileState): boolean {
  return FINAL.has(state);
}

/** The code a stopped transfer reports to the other side. */
export function stopCode(r: Pick<TransferRecord, 'state' | 'code'>): ErrorCode {
  if (r.state === 'declined') return 'MESSENGER_FILE_DECLINED';
  if (r.state === 'failed' && r.code) return r.code as ErrorCode;
  return 'MESSENGER_FILE_CANCELLED';
}

export type OfferAnswer =
  | { kind: 'new' }
  | { kind: 'refuse'; code: ErrorCode; reason: string }
  /** Known and accepted: ask for the rest from what is written. */
  | { kind: 'resume' }
  /** Known, still waiting for the user: nothing to say. */
  | { kind: 'wait' }
  | { kind: 'done' }
  | { kind: 'stopped'; code: ErrorCode };

/** Receiver: an offer arrived (first time, or again on a new link). Limits are checked before any chunk. */
export function answerOffer(
  known: TransferRecord | undefined,
  offer: { size: number },
  openWithPeer: number,
  limits: FileLimits,
): OfferAnswer {
  if (known) {
    if (known.direction !== 'receive')
      return { kind: 'refuse', code: 'INVALID_INPUT', reason: 'that file id is one of our own offers' };
    if (known.state === 'transferring') return { kind: 'resume' };
    if (known.state === 'offered') return { kind: 'wait' };
    if (known.state === 'done') return { kind: 'done' };
    return { kind: 'stopped', code: stopCode(known) };
  }
  if (offer.size > limits.maxFileBytes)
    return {
      kind: 'refuse',
      code: 'MESSENGER_FILE_TOO_LARGE',
      reason: `${offer.size} bytes > maxFileBytes ${limits.maxFileBytes}`,
    };
  if (openWithPeer >= limits.maxOpenTransfers)
    return {
      kind: 'refuse',
      code: 'LIMIT_EXCEEDED',
      reason: `at most ${limits.maxOpenTransfers} open transfers with one peer (maxOpenTransfers)`,
    };
  return { kind: 'new' };
}

export type AcceptAnswer =
  | { kind: 'send'; from: number }
  | { kind: 'unknown' }
  | { kind: 'stopped'; code: ErrorCode }
  | { kind: 'refuse'; code: ErrorCode; reason: string };

/** Sender: the receiver asked for the file from `offset`. */
export function answerAccept(known: TransferRecord | undefined, offset: number): AcceptAnswer {
  if (!known || known.direction !== 'send') return { kind: 'unknown' };
  if (isFinal(known.state)) return { kind: 'stopped', code: stopCode(known) };
  if (offset > known.size)
    return { kind: 'refuse', code: 'INVALID_INPUT', reason: `offset ${offset} beyond ${known.size}` };
  return { kind: 'send', from: offset };
}

/** The longest base64 text a chunk of `chunkBytes` raw bytes can take. */
export function maxChunkText(chunkBytes: number): number {
  return Math.ceil(chunkBytes / 3) * 4;
}

export type ChunkCheck =
  | { kind: 'write' }
  /** From an earlier run (before a reconnect or restart): dropped; the sender is told where to go on. */
  | { kind: 'stale' }
  | { kind: 'refuse'; code: ErrorCode; reason: string };

/** Receiver: is this chunk the next one, and within the limits? Checked on the base64 text, before decoding. */
export function checkChunk(
  r: Pick<TransferRecord, 'size' | 'state'>,
  written: number,
  chunk: { offset: number; data: string },
  chunkBytes: number,
): ChunkCheck {
  if (r.state !== 'transferring') return { kind: 'stale' };
  if (chunk.data.length > maxChunkText(chunkBytes))
    return {
      kind: 'refuse',
      code: 'MESSENGER_BAD_FRAME',
      reason: `a chunk over fileChunkBytes ${chunkBytes}`,
    };
  if (chunk.offset !== written) return { kind: 'stale' };
  // Base64 decodes to at most 3/4 of its length: a bound before any byte is decoded.
  if (written + Math.floor((chunk.data.length * 3) / 4) > r.size + 2)
    return { kind: 'refuse', code: 'MESSENGER_FILE_CHECKSUM', reason: 'more bytes than offered' };
  return { kind: 'write' };
}

/** Sender: may another chunk go (the receiver has not acknowledged a full window yet)? */
export function windowOpen(
  sentTo: number,
  acked: number,
  size: number,
  limits: Pick<FileLimits, 'fileChunkBytes' | 'fileWindowChunks'>,
): boolean {
  return sentTo < size && sentTo - acked < limits.fileChunkBytes * limits.fileWindowChunks;
}

/** Keeps at most `max` records: finished ones go first (oldest first), unfinished ones only if need be. */
export function keep(records: TransferRecord[], max: number): TransferRecord[] {
  if (records.length <= max) return records;
  const byAge = [...records].sort((a, b) => a.updatedAt - b.updatedAt);
  const drop = new Set<TransferRecord>();
  for (const r of byAge) if (drop.size < records.length - max && isFinal(r.state)) drop.add(r);
  for (const r of byAge) if (drop.size < records.length - max) drop.add(r);
  return records.filter((r) => !drop.has(r));
}

/** Bytes per second over a sliding window of samples (progress → speed shown in the UI). */
export class RateMeter {
  private samples: { at: number; bytes: number }[] = [];

  constructor(private readonly windowMs = 2000) {}

  add(at: number, bytes: number): void {
    this.samples.push({ at, bytes });
    while (this.samples.length > 2 && this.samples[0]!.at < at - this.windowMs) this.samples.shift();
  }

  reset(): void {
    this.samples = [];
  }

  rate(now: number): number {
    const first = this.samples[0];
    const last = this.samples[this.samples.length - 1];
    if (!first || !last || last === first || now - last.at > this.windowMs) return 0;
    const ms = last.at - first.at;
    return ms <= 0 ? 0 : Math.round(((last.bytes - first.bytes) * 1000) / ms);
  }
}
