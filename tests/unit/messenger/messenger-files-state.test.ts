// The decisions of messenger file transfer (files-state.ts): answers to offers and accepts on every
// state, chunk checks before decoding, the send window, which records are kept, the speed meter.
import { describe, expect, it } from 'vitest';
import {
  answerAccept,
  answerOffer,
  checkChunk,
  keep,
  maxChunkText,
  RateMeter,
  windowOpen,
  type FileLimits,
  type TransferRecord,
} from '../../../src/main/engines/messenger/files-state';

const limits: FileLimits = {
  maxFileBytes: 1000,
  fileChunkBytes: 30,
  fileWindowChunks: 4,
  maxOpenTransfers: 2,
  maxKeptTransfers: 3,
  fileProgressMs: 100,
};

function rec(over: Partial<TransferRecord> = {}): TransferRecord {
  return {
    fileId: 'f-0123456789abcdef',
    conversation: 'dm:0000000000000001:0000000000000002',
    peer: '0000000000000002',
    direction: 'receive',
    name: 'a.bin',
    size: 100,
    sha256: 'a'.repeat(64),
    transferred: 0,
    state: 'offered',
    createdAt: 1,
    updatedAt: 1,
    ...over,
  };
}

describe('messenger files: offers', () => {
  it('a new offer within the limits is taken; over maxFileBytes or maxOpenTransfers it is refused with its code', () => {
    expect(answerOffer(undefined, { size: 1000 }, 0, limits)).toEqual({ kind: 'new' });
    expect(answerOffer(undefined, { size: 1001 }, 0, limits)).toMatchObject({
      kind: 'refuse',
      code: 'MESSENGER_FILE_TOO_LARGE',
    });
    expect(answerOffer(undefined, { size: 10 }, 2, limits)).toMatchObject({
      kind: 'refuse',
      code: 'LIMIT_EXCEEDED',
    });
  });

  it('an offer repeated on a new link is answered with where the receiver stands', () => {
    const o = { size: 100 };
    expect(answerOffer(rec({ state: 'transferring' }), o, 0, limits)).toEqual({ kind: 'resume' });
    expect(answerOffer(rec({ state: 'offered' }), o, 0, limits)).toEqual({ kind: 'wait' });
    expect(answerOffer(rec({ state: 'done' }), o, 0, limits)).toEqual({ kind: 'done' });
    expect(answerOffer(rec({ state: 'declined' }), o, 0, limits)).toEqual({
      kind: 'stopped',
      code: 'MESSENGER_FILE_DECLINED',
    });
    expect(answerOffer(rec({ state: 'cancelled' }), o, 0, limits)).toEqual({
      kind: 'stopped',
      code: 'MESSENGER_FILE_CANCELLED',
    });
    expect(answerOffer(rec({ state: 'failed', code: 'MESSENGER_FILE_CHECKSUM' }), o, 0, limits)).toEqual({
      kind: 'stopped',
      code: 'MESSENGER_FILE_CHECKSUM',
    });
    // A peer offering a file id that is one of our own offers is refused.
    expect(answerOffer(rec({ direction: 'send' }), o, 0, limits)).toMatchObject({ kind: 'refuse' });
  });
});

describe('messenger files: accepts', () => {
  it('the sender sends from the offset asked, refuses beyond the end, and says when it stopped', () => {
    const s = rec({ direction: 'send', state: 'transferring' });
    expect(answerAccept(s, 40)).toEqual({ kind: 'send', from: 40 });
    expect(answerAccept(s, 100)).toEqual({ kind: 'send', from: 100 });
    expect(answerAccept(s, 101)).toMatchObject({ kind: 'refuse', code: 'INVALID_INPUT' });
    expect(answerAccept(undefined, 0)).toEqual({ kind: 'unknown' });
    expect(answerAccept(rec(), 0)).toEqual({ kind: 'unknown' });
    expect(answerAccept(rec({ direction: 'send', state: 'cancelled' }), 0)).toEqual({
      kind: 'stopped',
      code: 'MESSENGER_FILE_CANCELLED',
    });
  });
});

describe('messenger files: chunks and window', () => {
  const t = rec({ state: 'transferring', size: 100 });
  const text = (n: number) => Buffer.alloc(n).toString('base64');

  it('only the next chunk is written; an earlier run is stale; oversize text is refused before decoding', () => {
    expect(checkChunk(t, 30, { offset: 30, data: text(30) }, 30)).toEqual({ kind: 'write' });
    expect(checkChunk(t, 30, { offset: 0, data: text(30) }, 30)).toEqual({ kind: 'stale' });
    expect(checkChunk(t, 30, { offset: 60, data: text(30) }, 30)).toEqual({ kind: 'stale' });
    expect(checkChunk(t, 0, { offset: 0, data: text(31) }, 30)).toMatchObject({
      kind: 'refuse',
      code: 'MESSENGER_BAD_FRAME',
    });
    expect(checkChunk(t, 90, { offset: 90, data: text(30) }, 30)).toMatchObject({
      kind: 'refuse',
      code: 'MESSENGER_FILE_CHECKSUM',
    });
    expect(checkChunk({ ...t, state: 'cancelled' }, 0, { offset: 0, data: text(1) }, 30)).toEqual({
      kind: 'stale',
    });
    expect(maxChunkText(30)).toBe(40);
    expect(maxChunkText(32 * 1024)).toBe(text(32 * 1024).length);
  });

  it('the window closes after fileWindowChunks unacknowledged chunks and at the end of the file', () => {
    expect(windowOpen(0, 0, 1000, limits)).toBe(true);
    expect(windowOpen(119, 0, 1000, limits)).toBe(true);
    expect(windowOpen(120, 0, 1000, limits)).toBe(false);
    expect(windowOpen(120, 30, 1000, limits)).toBe(true);
    expect(windowOpen(1000, 990, 1000, limits)).toBe(false);
  });
});

describe('messenger files: records kept and speed', () => {
  it('finished records go first, oldest first; unfinished ones stay while finished ones can go', () => {
    const rs = [
      rec({ fileId: 'f-1', state: 'done', updatedAt: 1 }),
      rec({ fileId: 'f-2', state: 'transferring', updatedAt: 2 }),
      rec({ fileId: 'f-3', state: 'failed', updatedAt: 3 }),
      rec({ fileId: 'f-4', state: 'offered', updatedAt: 4 }),
      rec({ fileId: 'f-5', state: 'cancelled', updatedAt: 5 }),
    ];
    expect(keep(rs, 3).map((r) => r.fileId)).toEqual(['f-2', 'f-4', 'f-5']);
    expect(keep(rs, 1).map((r) => r.fileId)).toEqual(['f-4']);
    expect(keep(rs, 10)).toBe(rs);
  });

  it('rate: bytes per second over the recent samples, 0 when stalled', () => {
    const m = new RateMeter(2000);
    expect(m.rate(0)).toBe(0);
    m.add(0, 0);
    m.add(500, 500_000);
    m.add(1000, 1_000_000);
    expect(m.rate(1000)).toBe(1_000_000);
    expect(m.rate(5000)).toBe(0);
    m.reset();
    expect(m.rate(1000)).toBe(0);
  });
});
