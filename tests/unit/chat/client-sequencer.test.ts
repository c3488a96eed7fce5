// The client's ordering rules without sockets: room messages shown strictly in sequence order, a gap
// asked for once, an unfillable gap skipped with one notice, private messages in inbox order.
import { describe, expect, it } from 'vitest';
import { RoomSequencer, inboxStep } from '../../../src/main/engines/chat/client-sequencer';
import type { WireRoomMessage } from '../../../src/main/engines/chat/protocol';

const msg = (room: string, seq: number): WireRoomMessage => ({
  t: 'msg',
  room,
  seq,
  id: `${room}-${seq}`,
  from: 'ann',
  text: `m${seq}`,
  at: seq,
});

function harness(lastSeq = new Map<string, number>()) {
  const accepted: number[] = [];
  const asked: { room: string; after: number; before?: number }[] = [];
  const skipped: [number, number][] = [];
  const seq = new RoomSequencer(lastSeq, {
    accept: (m) => accepted.push(m.seq),
    askHistory: (room, after, before) => asked.push({ room, after, before }),
    skipped: (_room, from, to) => skipped.push([from, to]),
  });
  return { seq, accepted, asked, skipped, lastSeq };
}

describe('RoomSequencer', () => {
  it('accepts in order, drops duplicates, and starts a room at the first message it sees', () => {
    const h = harness();
    expect(h.seq.ingest(msg('a', 5))).toBe('accepted');
    expect(h.seq.ingest(msg('a', 6))).toBe('accepted');
    expect(h.seq.ingest(msg('a', 6))).toBe('duplicate');
    expect(h.seq.ingest(msg('a', 3))).toBe('duplicate');
    expect(h.accepted).toEqual([5, 6]);
    expect(h.lastSeq.get('a')).toBe(6);
  });

  it('holds messages behind a gap, asks for the gap once, and releases them in order when it is filled', () => {
    const h = harness(new Map([['a', 1]]));
    expect(h.seq.ingest(msg('a', 4))).toBe('early');
    expect(h.seq.ingest(msg('a', 5))).toBe('early');
    expect(h.asked).toEqual([{ room: 'a', after: 1, before: 4 }]);
    expect(h.accepted).toEqual([]);
    expect(h.seq.waiting('a')).toBe(2);
    h.seq.history('a', [msg('a', 2), msg('a', 3)], false);
    expect(h.accepted).toEqual([2, 3, 4, 5]);
    expect(h.seq.waiting('a')).toBe(0);
    expect(h.skipped).toEqual([]);
  });

  it('a gap the server cannot fill is reported once and skipped, so later messages are not held forever', () => {
    const h = harness(new Map([['a', 1]]));
    h.seq.ingest(msg('a', 10));
    h.seq.history('a', [], false);
    expect(h.skipped).toEqual([[2, 9]]);
    expect(h.accepted).toEqual([10]);
    expect(h.lastSeq.get('a')).toBe(10);
  });

  it('a catch-up answer with more asks again after the last accepted', () => {
    const h = harness(new Map([['a', 0]]));
    h.seq.history('a', [msg('a', 1), msg('a', 2)], true);
    expect(h.asked).toEqual([{ room: 'a', after: 2, before: undefined }]);
  });

  it('joined: a fresh room starts before its history; a known room keeps its resume point', () => {
    const fresh = harness();
    fresh.seq.joined('a', [msg('a', 7), msg('a', 8)], 8, false);
    expect(fresh.accepted).toEqual([7, 8]);
    const empty = harness();
    empty.seq.joined('b', [], 42, false);
    expect(empty.lastSeq.get('b')).toBe(42);
    const known = harness(new Map([['a', 5]]));
    known.seq.joined('a', [msg('a', 6)], 9, true);
    expect(known.accepted).toEqual([6]);
    expect(known.asked).toEqual([{ room: 'a', after: 6, before: undefined }]);
  });

  it('rooms are independent', () => {
    const h = harness(
      new Map([
        ['a', 0],
        ['b', 0],
      ]),
    );
    h.seq.ingest(msg('a', 2));
    h.seq.ingest(msg('b', 1));
    expect(h.accepted).toEqual([1]);
    expect(h.seq.waiting('a')).toBe(1);
  });
});

describe('inboxStep', () => {
  const pm = (pseq: number) => ({
    t: 'pm' as const,
    pseq,
    id: `p${pseq}`,
    from: 'bo',
    to: 'ann',
    text: 'x',
    at: 1,
  });
  it('next accepted, old duplicate, ahead refetches', () => {
    expect(inboxStep(3, pm(4))).toBe('accept');
    expect(inboxStep(3, pm(3))).toBe('duplicate');
    expect(inboxStep(3, pm(6))).toBe('refetch');
  });
});
