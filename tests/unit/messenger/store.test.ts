// The messenger's delivery state without sockets: exactly-once per sender, a stable display order on
// every member (Lamport + instance id), the late flag, gap fill from any holder, outbox and acks, and all
// of it back after a restart from the log.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import { MessengerStore, STORE_DEFAULTS } from '../../../src/main/engines/messenger/store';
import { SeqSet } from '../../../src/main/engines/messenger/conversation';
import {
  directConversationId,
  parseFrame,
  type WireMessage,
} from '../../../src/main/engines/messenger/protocol';

const A = 'aaaaaaaaaaaaaaaa';
const B = 'bbbbbbbbbbbbbbbb';
const C = 'cccccccccccccccc';
const G = 'g:0123456789abcdef';

const mem = (self: string) => new MessengerStore(self, { ...STORE_DEFAULTS });

function written(store: MessengerStore): Promise<void> {
  return new Promise((r) => store.whenWritten(r));
}

describe('SeqSet', () => {
  it('counts the contiguous prefix and remembers numbers above a gap', () => {
    const s = new SeqSet();
    expect(s.add(1)).toBe(true);
    expect(s.add(3)).toBe(true);
    expect(s.upTo).toBe(1);
    expect(s.gaps).toBe(true);
    expect(s.add(3)).toBe(false);
    expect(s.add(2)).toBe(true);
    expect(s.upTo).toBe(3);
    expect(s.gaps).toBe(false);
  });
});

describe('MessengerStore', () => {
  it('stores each message of a sender once, whoever relays it', () => {
    const a = mem(A);
    const b = mem(B);
    const c = a.direct(B, 'bob');
    const m = a.compose(c.id, 'alice', { kind: 'text', text: 'hi' });
    const wire: WireMessage = { ...m };
    expect(b.receive(wire).kind).toBe('stored');
    expect(b.receive(wire).kind).toBe('duplicate');
    expect(b.get(c.id).messages.map((x) => x.text)).toEqual(['hi']);
    expect(b.get(c.id).unread).toBe(1);
  });

  it('orders a group the same on every member, and marks a message that arrived after later ones', () => {
    const a = mem(A);
    const b = mem(B);
    const c = mem(C);
    const first = a.createGroup(G, 'team', [B, C], 'alice');
    for (const s of [b, c]) s.receive(first);
    const fromB = b.compose(G, 'bob', { kind: 'text', text: 'b1' });
    const fromC = c.compose(G, 'carol', { kind: 'text', text: 'c1' });
    // Same Lamport time (both saw only the group message): the instance id breaks the tie.
    expect(fromB.lamport).toBe(fromC.lamport);
    a.receive(fromC);
    a.receive(fromB);
    b.receive(fromC);
    c.receive(fromB);
    const order = (s: MessengerStore) => s.get(G).messages.map((m) => `${m.from[0]}${m.seq}`);
    expect(order(a)).toEqual(['a1', 'b1', 'c1']);
    expect(order(b)).toEqual(order(a));
    expect(order(c)).toEqual(order(a));
    // a received c1 first, then b1, which sorts before it: b1 is late on a, nowhere else.
    expect(a.get(G).messages.find((m) => m.text === 'b1')?.late).toBe(true);
    expect(b.get(G).messages.some((m) => m.late)).toBe(false);
  });

  it('a member learns a group from any message of it, and refuses messages of groups it is not in', () => {
    const a = mem(A);
    const b = mem(B);
    a.createGroup(G, 'team', [C], 'alice');
    const m = a.compose(G, 'alice', { kind: 'text', text: 'for C only' });
    expect(b.receive(m).kind).toBe('refused');
    const c = mem(C);
    const r = c.receive(m);
    expect(r.kind).toBe('stored');
    expect(c.get(G).members).toEqual([A, C]);
  });

  it('gap fill: anyone holding the messages sends what the asker lacks, from every sender', () => {
    const a = mem(A);
    const b = mem(B);
    const c = mem(C);
    const g = a.createGroup(G, 'team', [B, C], 'alice');
    b.receive(g);
    c.receive(g);
    const sent = [1, 2, 3].map((i) => a.compose(G, 'alice', { kind: 'text', text: `a${i}` }));
    for (const m of sent) b.receive(m);
    const fromB = b.compose(G, 'bob', { kind: 'text', text: 'b1' });
    c.receive(sent[0]!);
    const ask = c.get(G).vector();
    expect(ask).toEqual({ [A]: 2 });
    const answer = b.get(G).missing(ask, 10);
    expect(answer.messages.map((m) => m.text)).toEqual(['a2', 'a3', 'b1']);
    for (const m of answer.messages) c.receive(m);
    expect(c.get(G).messages.map((m) => m.text)).toEqual(b.get(G).messages.map((m) => m.text));
    expect(c.get(G).vector()).toEqual({ [A]: 4, [B]: 1 });
    expect(fromB.seq).toBe(1);
    // Bounded answers: the asker asks again for the rest.
    expect(b.get(G).missing({}, 2)).toMatchObject({ more: true });
  });

  it('outbox: our messages wait per member until acknowledged; acks are cumulative', async () => {
    const a = mem(A);
    const c = a.direct(B, 'bob');
    for (const t of ['1', '2', '3']) a.compose(c.id, 'alice', { kind: 'text', text: t });
    // Nothing leaves before its record is written (a crash must not reuse a sequence number sent).
    expect([...a.outbox(B)]).toEqual([]);
    await written(a);
    expect([...a.outbox(B)].map((m) => m.text)).toEqual(['1', '2', '3']);
    expect(a.outboxSize(B)).toBe(3);
    expect(a.acknowledge(B, c.id, 2).map((m) => m.text)).toEqual(['1', '2']);
    expect([...a.outbox(B)].map((m) => m.text)).toEqual(['3']);
    expect(a.acknowledge(B, c.id, 1)).toEqual([]);
    expect(a.delivered(c.mine[1]!)).toBe(true);
    expect(a.delivered(c.mine[2]!)).toBe(false);
    expect(a.pending(c)).toBe(1);
  });

  it('comes back from its log after a restart: messages, order, late flags, acks, next seq, clock', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'wirelab-messenger-'));
    onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
    const path = join(dir, 'history.jsonl');
    const a = new MessengerStore(A, { ...STORE_DEFAULTS, path });
    a.load();
    const conv = a.direct(B, 'bob');
    a.compose(conv.id, 'alice', { kind: 'text', text: 'one' });
    a.compose(conv.id, 'alice', { kind: 'text', text: 'two' });
    const bob = mem(B);
    bob.direct(A, 'alice');
    const reply = bob.compose(directConversationId(A, B), 'bob', { kind: 'text', text: 'late reply' });
    const again = bob.compose(directConversationId(A, B), 'bob', { kind: 'text', text: 'later' });
    a.receive(again);
    a.receive(reply);
    a.acknowledge(B, conv.id, 1);
    await written(a);
    a.close();

    const back = new MessengerStore(A, { ...STORE_DEFAULTS, path });
    back.load();
    onTestFinished(() => back.close());
    const c = back.get(conv.id);
    expect(c.messages.map((m) => [m.text, m.late])).toEqual(
      a.get(conv.id).messages.map((m) => [m.text, m.late]),
    );
    expect(c.messages.find((m) => m.text === 'late reply')?.late).toBe(true);
    expect(back.acked(B, conv.id)).toBe(1);
    expect([...back.outbox(B)].map((m) => m.text)).toEqual(['two']);
    const next = back.compose(conv.id, 'alice', { kind: 'text', text: 'three' });
    expect(next.seq).toBe(3);
    expect(next.lamport).toBeGreaterThan(a.lamport);
    expect(back.receive(reply).kind).toBe('duplicate');
  });
});

describe('peer frames', () => {
  it('parses known frames and refuses others with MESSENGER_BAD_FRAME', () => {
    expect(parseFrame('{"t":"ack","conv":"g:0123456789abcdef","upTo":3}')).toMatchObject({ ok: true });
    expect(parseFrame('{"t":"nope"}')).toMatchObject({ ok: false, code: 'MESSENGER_BAD_FRAME' });
    expect(parseFrame('not json')).toMatchObject({ ok: false, code: 'MESSENGER_BAD_FRAME' });
    expect(parseFrame('{"t":"ack","conv":"../etc","upTo":3}')).toMatchObject({ ok: false });
  });
});
