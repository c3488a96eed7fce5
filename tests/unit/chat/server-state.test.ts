import { describe, expect, it, onTestFinished } from 'vitest';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ServerState } from '../../../src/main/engines/chat/server-state';
import {
  costsToken,
  firstNonSpace,
  looksLikeFrame,
  plainLine,
} from '../../../src/main/engines/chat/plain-text';

function state(historyKeep = 3) {
  return new ServerState({
    fsync: 'never',
    fsyncIntervalMs: 10,
    historyKeep,
    inboxKeep: 2,
    dedupeKeep: 2,
    compactAboveBytes: Infinity,
  });
}

const tick = () => new Promise((r) => setTimeout(r, 0));

describe('ServerState (in memory)', () => {
  it('numbers room messages contiguously, keeps the last historyKeep, answers after/before ranges', async () => {
    const s = state(3);
    const m = s.registerMember('alice', 'identity-a', false);
    const room = s.createRoom('lobby');
    const seqs: number[] = [];
    for (let i = 0; i < 5; i++) s.addRoomMessage(room, m, `id${i}`, `t${i}`, (x) => seqs.push(x.seq));
    await tick();
    expect(seqs).toEqual([1, 2, 3, 4, 5]);
    expect(room.history.map((x) => x.seq)).toEqual([3, 4, 5]);
    expect(s.roomMessagesAfter(room, 3, 10).messages.map((x) => x.seq)).toEqual([4, 5]);
    expect(s.roomMessagesAfter(room, 0, 1)).toMatchObject({ messages: [{ seq: 3 }], more: true });
    expect(s.roomMessagesAfter(room, 2, 10, 5).messages.map((x) => x.seq)).toEqual([3, 4]);
    expect(s.lastRoomMessages(room, 2).map((x) => x.seq)).toEqual([4, 5]);
    // Duplicate detection remembers the last dedupeKeep ids per member.
    expect([...m.seen.keys()]).toEqual(['id3', 'id4']);
  });

  it('keeps an inbox per member for offline delivery, bounded by inboxKeep', async () => {
    const s = state();
    const a = s.registerMember('alice', 'identity-a', false);
    const b = s.registerMember('bob', 'identity-b', false);
    for (let i = 0; i < 3; i++) s.addPrivateMessage(a, b, `p${i}`, `pm${i}`, () => undefined);
    await tick();
    expect(b.inboxSeq).toBe(3);
    expect(s.inboxAfter(b, 0, 10).messages.map((x) => x.pseq)).toEqual([2, 3]);
    expect(s.inboxAfter(b, 2, 10).messages.map((x) => x.text)).toEqual(['pm2']);
  });
});

describe('ServerState compaction', () => {
  it('a log over compactAboveBytes is rewritten to what is kept; numbering goes on after a restart', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'wirelab-compact-'));
    onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
    const logPath = join(dir, 'history.jsonl');
    const opts = {
      logPath,
      fsync: 'never' as const,
      fsyncIntervalMs: 10,
      historyKeep: 3,
      inboxKeep: 2,
      dedupeKeep: 10,
    };
    const s1 = new ServerState({ ...opts, compactAboveBytes: Infinity });
    s1.load();
    const a = s1.registerMember('alice', 'identity-a', false);
    const b = s1.registerMember('bob', 'identity-b', false);
    const room = s1.createRoom('lobby');
    for (let i = 0; i < 10; i++) s1.addRoomMessage(room, a, `id${i}`, `t${i}`, () => undefined);
    for (let i = 0; i < 4; i++) s1.addPrivateMessage(a, b, `p${i}`, `pm${i}`, () => undefined);
    await new Promise((r) => setTimeout(r, 20));
    s1.close();
    const linesBefore = readFileSync(logPath, 'utf8').trim().split('\n').length;

    const s2 = new ServerState({ ...opts, compactAboveBytes: 100 });
    s2.load();
    expect(s2.compacted?.after).toBeLessThan(s2.compacted?.before ?? 0);
    expect(readFileSync(logPath, 'utf8').trim().split('\n').length).toBeLessThan(linesBefore);
    s2.close();

    // Restart on the compacted log: same numbers, same kept messages, and new ones continue the sequence.
    const s3 = new ServerState({ ...opts, compactAboveBytes: Infinity });
    s3.load();
    const lobby = s3.room('lobby')!;
    expect(lobby.history.map((m) => m.seq)).toEqual([8, 9, 10]);
    expect(s3.member('bob')!.inbox.map((m) => m.pseq)).toEqual([3, 4]);
    expect(s3.member('alice')!.identity).toBe('identity-a');
    const seqs: number[] = [];
    s3.addRoomMessage(lobby, s3.member('alice')!, 'new', 'after compaction', (m) => seqs.push(m.seq));
    await new Promise((r) => setTimeout(r, 20));
    expect(seqs).toEqual([11]);
    s3.close();
  });
});

describe('plain text helpers', () => {
  it('tells typed text from protocol frames', () => {
    expect(looksLikeFrame('{"t":"hello"')).toBe(true);
    expect(looksLikeFrame('{"t')).toBe(true);
    expect(looksLikeFrame('{curly} text')).toBe(false);
    expect(firstNonSpace(Buffer.from('  \r\n{'))).toBe(0x7b);
    expect(firstNonSpace(Buffer.from('   '))).toBe(-1);
    expect(costsToken('{"t":"file.chunk","fileId":"x"}')).toBe(false);
    expect(costsToken('{"t":"msg"}')).toBe(true);
  });

  it('renders frames as the lines nc users read', () => {
    expect(
      plainLine({ t: 'msg', room: 'lobby', seq: 1, id: 'x', from: 'alice', text: 'two\nlines', at: 0 }),
    ).toBe('alice: two\n  lines\n');
    expect(plainLine({ t: 'presence', room: 'lobby', nick: 'bob', event: 'leave', members: [], at: 0 })).toBe(
      '* bob left #lobby\n',
    );
    expect(plainLine({ t: 'pong', at: 0 })).toBeNull();
  });
});
