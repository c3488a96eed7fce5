// Groups without a server, three instances on 127.0.0.1: each message fans out peer to peer, every member
// ends with every message once and in the same order, and a member that was away fills its gaps from
// any member that has the messages — also when their sender has gone offline meanwhile.
import { describe, expect, it } from 'vitest';
import { addr, connected, startInstance, texts, type Instance } from './helpers';

const order = (i: Instance, conv: string) =>
  i.svc.messages({ conversation: conv, limit: 1000 }).messages.map((m) => m.id);

describe('messenger: group conversations', () => {
  it('fan out, same order everywhere, gap fill from the third member after the sender left', async () => {
    const a = await startInstance('alice');
    const b = await startInstance('bob', { peers: [addr(a)] });
    const c = await startInstance('carol', { peers: [addr(a), addr(b)] });
    await connected(a, b);
    await connected(a, c);
    await connected(b, c);
    const g = a.svc.createGroup({ name: 'team', members: [b.info.instanceId, c.info.instanceId] });
    expect(g.members).toHaveLength(3);
    await expect
      .poll(() => b.svc.conversations().conversations.map((x) => x.name), { timeout: 20_000 })
      .toEqual(['team']);
    await expect.poll(() => c.svc.conversations().conversations.length, { timeout: 20_000 }).toBe(1);
    // Everyone writes at once.
    for (let i = 0; i < 5; i++) {
      a.svc.send({ conversation: g.id, text: `a${i}` });
      b.svc.send({ conversation: g.id, text: `b${i}` });
      c.svc.send({ conversation: g.id, text: `c${i}` });
    }
    for (const x of [a, b, c]) await expect.poll(() => texts(x, g.id).length, { timeout: 20_000 }).toBe(16);
    expect(order(b, g.id)).toEqual(order(a, g.id));
    expect(order(c, g.id)).toEqual(order(a, g.id));

    // c goes away; a writes to the group; then a goes away too; c comes back and only b is there.
    const cPort = c.info.port;
    await c.svc.close();
    for (let i = 0; i < 20; i++) a.svc.send({ conversation: g.id, text: `while c was away ${i}` });
    await expect.poll(() => texts(b, g.id).length, { timeout: 20_000 }).toBe(36);
    await a.svc.close();
    const c2 = await startInstance('carol', { dir: c.dir, port: cPort, peers: [addr(b)] });
    await expect.poll(() => texts(c2, g.id).length, { timeout: 20_000 }).toBe(36);
    expect(order(c2, g.id)).toEqual(order(b, g.id));
    const filled = c2.svc
      .messages({ conversation: g.id, limit: 1000 })
      .messages.filter((m) => m.from === a.info.instanceId);
    expect(new Set(filled.map((m) => m.id)).size).toBe(filled.length);
    expect(filled).toHaveLength(26);
  });

  it('membership: an added member learns the group and its history; one who left gets nothing new', async () => {
    const a = await startInstance('alice');
    const b = await startInstance('bob', { peers: [addr(a)] });
    const c = await startInstance('carol', { peers: [addr(a), addr(b)] });
    await connected(a, b);
    await connected(a, c);
    await connected(b, c);
    const g = a.svc.createGroup({ name: 'pair', members: [b.info.instanceId] });
    a.svc.send({ conversation: g.id, text: 'before carol' });
    await expect.poll(() => texts(b, g.id), { timeout: 20_000 }).toEqual(['', 'before carol']);
    expect(c.svc.conversations().conversations).toEqual([]);
    a.svc.addMembers({ conversation: g.id, members: [c.info.instanceId] });
    await expect.poll(() => texts(c, g.id), { timeout: 20_000 }).toEqual(['', 'before carol', '']);
    expect(c.svc.conversations().conversations[0]!.members).toHaveLength(3);
    b.svc.leaveGroup({ conversation: g.id });
    await expect
      .poll(() => a.svc.conversations().conversations[0]!.members.includes(b.info.instanceId), {
        timeout: 20_000,
      })
      .toBe(false);
    expect(() => b.svc.send({ conversation: g.id, text: 'x' })).toThrow(
      expect.objectContaining({ code: 'MESSENGER_NOT_MEMBER' }),
    );
    a.svc.send({ conversation: g.id, text: 'after bob left' });
    await expect.poll(() => texts(c, g.id).at(-1), { timeout: 20_000 }).toBe('after bob left');
    expect(texts(b, g.id)).not.toContain('after bob left');
  });

  it('anti-entropy: a member gets messages of a sender it cannot reach from one that has them', async () => {
    const a = await startInstance('alice');
    // bob and carol each know only alice's address, so they never connect to each other.
    const b = await startInstance('bob', { peers: [addr(a)], options: { syncIntervalMs: 200 } });
    const c = await startInstance('carol', { peers: [addr(a)] });
    await connected(a, b);
    await connected(a, c);
    const g = a.svc.createGroup({ name: 'trio', members: [b.info.instanceId, c.info.instanceId] });
    await expect.poll(() => c.svc.conversations().conversations.length, { timeout: 20_000 }).toBe(1);
    c.svc.send({ conversation: g.id, text: 'from carol' });
    await expect.poll(() => texts(a, g.id), { timeout: 20_000 }).toContain('from carol');
    // No gap shows on bob's side (it never had anything of carol's): only the periodic sync brings it.
    await expect.poll(() => texts(b, g.id), { timeout: 20_000 }).toContain('from carol');
    expect(b.svc.peers().peers.map((p) => p.nick)).toEqual(['alice']);
  });
});
