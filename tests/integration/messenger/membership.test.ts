// Group membership changed by different members at the same time, over real TLS connections on
// 127.0.0.1: bob adds erin while carol removes dave, neither having seen the other's change. Every member
// ends with the same member set; dave learns he is out and gets nothing written after; added back, he
// fills what he missed from the members that have it, and everyone shows the same order.
import { describe, expect, it } from 'vitest';
import { addr, connected, startInstance, texts, type Instance } from './helpers';

const ids = (i: Instance, conv: string) =>
  i.svc.messages({ conversation: conv, limit: 1000 }).messages.map((m) => m.id);
const convOf = (i: Instance, conv: string) => i.svc.conversations().conversations.find((c) => c.id === conv);

describe('messenger: group membership under concurrency', () => {
  it('concurrent add and remove converge; the removed member stops receiving; added back, it fills gaps', async () => {
    const a = await startInstance('ann');
    const b = await startInstance('bob', { peers: [addr(a)] });
    const c = await startInstance('carol', { peers: [addr(a), addr(b)] });
    const d = await startInstance('dave', { peers: [addr(a), addr(b), addr(c)] });
    const e = await startInstance('erin', { peers: [addr(a), addr(b), addr(c), addr(d)] });
    const all = [a, b, c, d, e];
    for (const x of all) for (const y of all) if (x !== y) await connected(x, y);
    const id = (i: Instance) => i.info.instanceId;

    const g = a.svc.createGroup({ name: 'team', members: [id(b), id(c), id(d)] });
    a.svc.send({ conversation: g.id, text: 'before' });
    for (const x of [b, c, d])
      await expect.poll(() => texts(x, g.id), { timeout: 20_000 }).toContain('before');

    // The same turn: neither change has reached the other side when the other is written.
    b.svc.addMembers({ conversation: g.id, members: [id(e)] });
    c.svc.removeMembers({ conversation: g.id, members: [id(d)] });
    const want = [id(a), id(b), id(c), id(e)].sort();
    for (const x of [a, b, c, e])
      await expect.poll(() => convOf(x, g.id)?.members, { timeout: 20_000 }).toEqual(want);
    await expect.poll(() => convOf(d, g.id)?.left, { timeout: 20_000 }).toBe(true);
    expect(() => d.svc.send({ conversation: g.id, text: 'x' })).toThrow(
      expect.objectContaining({ code: 'MESSENGER_NOT_MEMBER' }),
    );
    // erin, added by bob, got the history from before she joined.
    await expect.poll(() => texts(e, g.id), { timeout: 20_000 }).toContain('before');

    a.svc.send({ conversation: g.id, text: 'while dave is out' });
    e.svc.send({ conversation: g.id, text: 'erin here' });
    for (const x of [a, b, c, e])
      await expect
        .poll(() => texts(x, g.id).filter((t) => t === 'while dave is out' || t === 'erin here').length, {
          timeout: 20_000,
        })
        .toBe(2);
    // Nothing written after his removal waits for dave anywhere: it will never be sent to him.
    for (const x of [a, e]) expect(x.svc.peers().peers.find((p) => p.id === id(d))?.outbox).toBe(0);
    expect(texts(d, g.id)).not.toContain('while dave is out');
    expect(texts(d, g.id)).not.toContain('erin here');

    // ann adds dave back: he fills the gap (from ann, and erin's message from whoever has it).
    a.svc.addMembers({ conversation: g.id, members: [id(d)] });
    await expect.poll(() => convOf(d, g.id)?.left, { timeout: 20_000 }).toBe(false);
    await expect
      .poll(() => ['while dave is out', 'erin here'].every((t) => texts(d, g.id).includes(t)), {
        timeout: 30_000,
      })
      .toBe(true);
    const members = [id(a), id(b), id(c), id(d), id(e)].sort();
    for (const x of all)
      await expect.poll(() => convOf(x, g.id)?.members, { timeout: 20_000 }).toEqual(members);
    for (const x of all) await expect.poll(() => ids(x, g.id), { timeout: 20_000 }).toEqual(ids(a, g.id));
  });
});
