// Group membership as a CRDT: changes made by different members at the same time merge the same way on
// every member whatever order they arrive in (random interleavings, repeats), a later change about a
// member wins, a removed member is sent nothing written after its removal and everything again once it
// is added back; the message-level behaviour goes through MessengerStore like the network does.
import { describe, expect, it } from 'vitest';
import {
  Membership,
  changeOf,
  compareStamps,
  type MembershipChange,
} from '../../../src/main/engines/messenger/membership';
import {
  addChange,
  removeChange,
  leaveChange,
} from '../../../src/main/engines/messenger/membership-commands';
import { MessengerStore, STORE_DEFAULTS } from '../../../src/main/engines/messenger/store';
import type { WireMessage } from '../../../src/main/engines/messenger/protocol';

const ids = ['a', 'b', 'c', 'd', 'e', 'f'].map((x) => x.repeat(16));
const [A, B, C, D, E] = ids as [string, string, string, string, string];
const G = 'g:0123456789abcdef';

/** A small seeded generator (mulberry32): failures are reproducible from the printed seed. */
function rng(seed: number): () => number {
  let t = seed >>> 0;
  return () => {
    t = (t + 0x6d2b79f5) >>> 0;
    let x = Math.imul(t ^ (t >>> 15), 1 | t);
    x = (x + Math.imul(x ^ (x >>> 7), 61 | x)) ^ x;
    return ((x ^ (x >>> 14)) >>> 0) / 4294967296;
  };
}

function shuffle<T>(list: T[], rand: () => number): T[] {
  const out = [...list];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

function state(changes: MembershipChange[]): { members: string[]; name: string } {
  const m = new Membership([], 'initial');
  for (const c of changes) m.apply(c);
  return { members: m.members, name: m.name };
}

describe('Membership (CRDT)', () => {
  it('concurrent add and remove by different members: both take effect, in any order', () => {
    const create: MembershipChange = {
      stamp: { lamport: 1, from: A },
      add: [A, B, C, D],
      remove: [],
      name: 'team',
    };
    // Both written at Lamport 2 without seeing each other: B adds E, C removes D.
    const addE: MembershipChange = { stamp: { lamport: 2, from: B }, add: [E], remove: [] };
    const dropD: MembershipChange = { stamp: { lamport: 2, from: C }, add: [], remove: [D] };
    const want = { members: [A, B, C, E].sort(), name: 'team' };
    expect(state([create, addE, dropD])).toEqual(want);
    expect(state([dropD, addE, create])).toEqual(want);
    expect(state([addE, create, dropD, addE, create])).toEqual(want);
  });

  it('the same member added and removed at once: the later stamp wins on every member', () => {
    const create: MembershipChange = { stamp: { lamport: 1, from: A }, add: [A, B, C], remove: [] };
    const bAdds: MembershipChange = { stamp: { lamport: 5, from: B }, add: [D], remove: [] };
    const cRemoves: MembershipChange = { stamp: { lamport: 5, from: C }, add: [], remove: [D] };
    // Same Lamport time: the sender id breaks the tie (C after B), so D is out everywhere.
    expect(state([create, bAdds, cRemoves]).members).toEqual([A, B, C]);
    expect(state([cRemoves, create, bAdds]).members).toEqual([A, B, C]);
    // Added again later (after seeing the removal): in again.
    const again: MembershipChange = { stamp: { lamport: 6, from: A }, add: [D], remove: [] };
    expect(state([again, cRemoves, bAdds, create]).members).toEqual([A, B, C, D]);
  });

  it('random interleavings with repeats converge (seeded)', () => {
    for (let seed = 1; seed <= 300; seed++) {
      const rand = rng(seed);
      const changes: MembershipChange[] = [];
      for (let i = 0; i < 12; i++) {
        const who = ids[Math.floor(rand() * ids.length)]!;
        const pick = () => ids.filter(() => rand() < 0.3);
        changes.push({
          stamp: { lamport: 1 + Math.floor(rand() * 6), from: who },
          add: pick(),
          remove: pick(),
          ...(rand() < 0.3 ? { name: `n${Math.floor(rand() * 4)}` } : {}),
        });
      }
      // One (lamport, from) pair is one message: keep the first change of each stamp.
      const unique = changes.filter(
        (c, i) => changes.findIndex((x) => compareStamps(x.stamp, c.stamp) === 0) === i,
      );
      const reference = state(unique);
      for (let k = 0; k < 5; k++) {
        const order = shuffle([...unique, ...unique.filter(() => rand() < 0.3)], rand);
        expect(state(order), `seed ${seed}`).toEqual(reference);
      }
    }
  });

  it('stand-ins from carried member sets count until a change speaks of the id', () => {
    const m = new Membership([A, B], 'g');
    expect(m.members).toEqual([A, B]);
    m.standIn([A, B, C]);
    expect(m.has(C)).toBe(true);
    m.apply({ stamp: { lamport: 3, from: A }, add: [], remove: [C] });
    expect(m.members).toEqual([A, B]);
    expect(m.removedAt(C)).toEqual({ lamport: 3, from: A });
    m.standIn([C]);
    expect(m.has(C)).toBe(false);
  });

  it('a members message of the first form (whole set, no add/remove) still reads as a change', () => {
    const legacy = { lamport: 4, from: A, kind: 'members', members: [A, C], name: 'x' };
    expect(changeOf(legacy, [A, B])).toEqual({
      stamp: { lamport: 4, from: A },
      add: [A, C],
      remove: [B],
      name: 'x',
    });
    expect(changeOf({ lamport: 4, from: A, kind: 'text' }, [A])).toBeUndefined();
  });
});

describe('group membership through the store', () => {
  const mem = (self: string) => new MessengerStore(self, { ...STORE_DEFAULTS });

  /** Every message of every store, as the network would carry them. */
  function wire(stores: MessengerStore[]): WireMessage[] {
    const out = new Map<string, WireMessage>();
    for (const s of stores)
      for (const m of s.conversations.get(G)?.messages ?? []) {
        const { id, mine, late, storedAt, ...w } = m;
        void mine;
        void late;
        void storedAt;
        out.set(id, w);
      }
    return [...out.values()];
  }

  it('two members change the set at once; every member ends the same, whatever the delivery order', async () => {
    const a = mem(A);
    a.createGroup(G, 'team', [B, C, D], 'ann');
    const b = mem(B);
    const c = mem(C);
    for (const m of wire([a])) {
      b.receive(m);
      c.receive(m);
    }
    // Concurrent: B adds E, C removes D (neither has seen the other's change).
    b.compose(G, 'bob', addChange(b.get(G), [E], 64));
    c.compose(G, 'cat', removeChange(c.get(G), [D], C));
    const all = wire([a, b, c]);
    for (let seed = 1; seed <= 40; seed++) {
      const rand = rng(seed);
      const fresh = mem(D);
      for (const m of shuffle(all, rand)) fresh.receive(m);
      expect(fresh.get(G).members, `seed ${seed}`).toEqual([A, B, C, E]);
    }
    for (const s of [a, b, c]) for (const m of all) s.receive(m);
    for (const s of [a, b, c]) expect(s.get(G).members).toEqual([A, B, C, E]);
    // The removed member is sent its removal and nothing after it; the new one everything.
    a.compose(G, 'ann', { kind: 'text', text: 'after' });
    await new Promise<void>((r) => a.whenWritten(r));
    expect([...a.outbox(D)].map((m) => m.kind)).toEqual(['members']);
    expect([...a.outbox(E)].map((m) => m.text)).toEqual(['', 'after']);
    expect(() => removeChange(a.get(G), [D], A)).toThrow(
      expect.objectContaining({ code: 'MESSENGER_NOT_MEMBER' }),
    );
    expect(() => addChange(a.get(G), [B], 64)).toThrow(expect.objectContaining({ code: 'INVALID_INPUT' }));
  });

  it('a member added back gets what was written while it was out; one who left is told it left', async () => {
    const a = mem(A);
    a.createGroup(G, 'team', [B, C], 'ann');
    a.compose(G, 'ann', removeChange(a.get(G), [C], A));
    a.compose(G, 'ann', { kind: 'text', text: 'while C was out' });
    await new Promise<void>((r) => a.whenWritten(r));
    expect([...a.outbox(C)].map((m) => m.text)).toEqual(['', '']);
    a.compose(G, 'ann', addChange(a.get(G), [C], 64));
    await new Promise<void>((r) => a.whenWritten(r));
    expect([...a.outbox(C)].map((m) => m.text)).toEqual(['', '', 'while C was out', '']);
    expect(a.outboxSize(C)).toBe(4);
    const leave = leaveChange(a.get(G), A);
    expect(leave.remove).toEqual([A]);
    a.compose(G, 'ann', leave);
    await new Promise<void>((r) => a.whenWritten(r));
    expect(a.get(G).members).toEqual([B, C]);
    expect([...a.outbox(B)].at(-1)?.remove).toEqual([A]);
  });
});

describe('history for a member who joins', () => {
  it('is not marked late: it was written before the change that added the member', () => {
    const a = new MessengerStore(A, { ...STORE_DEFAULTS });
    a.createGroup(G, 'team', [B], 'ann');
    a.compose(G, 'ann', { kind: 'text', text: 'history' });
    a.compose(G, 'ann', addChange(a.get(G), [C], 64));
    a.compose(G, 'ann', { kind: 'text', text: 'after' });
    const [create, history, add, after] = a.get(G).messages;
    const c = new MessengerStore(C, { ...STORE_DEFAULTS });
    const strip = (m: typeof create) => {
      const { id, mine, late, storedAt, ...w } = m!;
      void [id, mine, late, storedAt];
      return w;
    };
    // The add and a later message arrive first (the earlier ones do not list carol); then the history.
    expect(c.receive(strip(add)).kind).toBe('stored');
    expect(c.receive(strip(after)).kind).toBe('stored');
    for (const m of [create, history]) c.receive(strip(m));
    expect(c.get(G).messages.map((m) => [m.text, m.late])).toEqual([
      ['', false],
      ['history', false],
      ['', false],
      ['after', false],
    ]);
    // A message written after she joined that arrives after later ones is still late.
    const b = new MessengerStore(B, { ...STORE_DEFAULTS });
    for (const m of a.get(G).messages) b.receive(strip(m));
    const late = b.compose(G, 'bob', { kind: 'text', text: 'written before after, sent later' });
    const d = new MessengerStore(C, { ...STORE_DEFAULTS });
    for (const m of a.get(G).messages) d.receive(strip(m));
    const withLowClock = { ...strip(late), lamport: after!.lamport - 1 };
    const r = d.receive(withLowClock);
    expect(r.kind === 'stored' && r.message.late).toBe(true);
  });
});
