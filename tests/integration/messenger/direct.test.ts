// Two messenger instances over real TLS sockets on 127.0.0.1, peers by address (no multicast): the
// handshake pins each other's certificate, a direct conversation is acknowledged both ways, messages
// written to someone offline wait in the outbox and go when they are back (after either side restarted),
// a changed certificate is refused with MESSENGER_CERT_CHANGED, and goodbye marks a peer offline.
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { addr, connected, startInstance, texts } from './helpers';

describe('messenger: direct conversations', () => {
  it('two instances find each other by address, pin certificates and exchange acknowledged messages', async () => {
    const a = await startInstance('alice');
    const b = await startInstance('bob', { peers: [addr(a)] });
    await connected(a, b);
    await connected(b, a);
    const aPeer = a.svc.peers().peers.find((p) => p.id === b.info.instanceId)!;
    expect(aPeer).toMatchObject({ nick: 'bob', presence: 'online', fingerprint: b.info.fingerprint });
    expect(
      a.events.some((e) => e.type === 'cert' && e.event === 'pinned' && e.peer === b.info.instanceId),
    ).toBe(true);
    const conv = a.svc.openDirect({ peer: b.info.instanceId });
    expect(conv).toMatchObject({ kind: 'direct', name: 'bob' });
    const sent = a.svc.send({ conversation: conv.id, text: 'hello bob' });
    expect(sent.message.status).toBe('pending');
    await expect.poll(() => texts(b, conv.id), { timeout: 20_000 }).toEqual(['hello bob']);
    await expect
      .poll(() => a.svc.messages({ conversation: conv.id, limit: 10 }).messages[0]?.status, {
        timeout: 20_000,
      })
      .toBe('delivered');
    expect(a.events.some((e) => e.type === 'message.acked' && e.id === sent.message.id && e.delivered)).toBe(
      true,
    );
    b.svc.send({ conversation: conv.id, text: 'hi alice' });
    await expect.poll(() => texts(a, conv.id), { timeout: 20_000 }).toEqual(['hello bob', 'hi alice']);
    expect(texts(b, conv.id)).toEqual(['hello bob', 'hi alice']);
    const received = a.events.find((e) => e.type === 'message' && !e.message.mine);
    expect(received).toMatchObject({ message: { text: 'hi alice', fromNick: 'bob', status: 'received' } });
    expect(a.svc.conversations().conversations[0]).toMatchObject({ id: conv.id, unread: 1, messages: 2 });
    // Typing reaches the other side as an event.
    b.svc.typing({ conversation: conv.id, on: true });
    await expect
      .poll(() => a.events.some((e) => e.type === 'typing' && e.from === b.info.instanceId && e.on), {
        timeout: 20_000,
      })
      .toBe(true);
  });

  it('offline delivery both ways: the outbox waits for the peer and survives restarts of either side', async () => {
    const a = await startInstance('alice');
    const b = await startInstance('bob', { peers: [addr(a)] });
    const bDir = b.dir;
    // b is known to a (history + pin) after one contact.
    await expect.poll(() => a.svc.peers().peers.length, { timeout: 20_000 }).toBe(1);
    const bId = a.svc.peers().peers[0]!.id;
    await expect.poll(() => a.svc.peers().peers[0]!.connected, { timeout: 20_000 }).toBe(true);
    const conv = a.svc.openDirect({ peer: bId });
    // Close b: a writes to it while it is away, then a restarts too.
    const bFirst = a.svc.peers().peers[0]!;
    expect(bFirst.presence).not.toBe('offline');
    await b.svc.close();
    await expect.poll(() => a.svc.peers().peers[0]!.presence, { timeout: 20_000 }).toBe('offline');
    expect(a.events.some((e) => e.type === 'peer.gone' && e.peer.id === bId)).toBe(true);
    for (const t of ['one', 'two', 'three']) a.svc.send({ conversation: conv.id, text: t });
    expect(a.svc.peers().peers[0]!.outbox).toBe(3);
    const aPort = a.info.port;
    await a.svc.close();
    const a2 = await startInstance('alice', { dir: a.dir, port: aPort });
    expect(texts(a2, conv.id)).toEqual(['one', 'two', 'three']);
    expect(a2.svc.peers().peers[0]).toMatchObject({ id: bId, outbox: 3, presence: 'offline' });
    // b comes back (same data dir) and reaches a by address: everything arrives, once, in order.
    const b2 = await startInstance('bob', { dir: bDir, peers: [addr(a2)] });
    await expect.poll(() => texts(b2, conv.id), { timeout: 20_000 }).toEqual(['one', 'two', 'three']);
    await expect.poll(() => a2.svc.peers().peers[0]!.outbox, { timeout: 20_000 }).toBe(0);
    // The other way: b writes while a is away; a comes back later and gets it.
    const a2Port = a2.info.port;
    await a2.svc.close();
    b2.svc.send({ conversation: conv.id, text: 'welcome back' });
    const a3 = await startInstance('alice', { dir: a.dir, port: a2Port });
    await expect
      .poll(() => texts(a3, conv.id), { timeout: 20_000 })
      .toEqual(['one', 'two', 'three', 'welcome back']);
    expect(texts(b2, conv.id)).toEqual(['one', 'two', 'three', 'welcome back']);
  });

  it('a changed certificate is refused with MESSENGER_CERT_CHANGED until the user trusts it', async () => {
    const a = await startInstance('alice');
    const b = await startInstance('bob', { peers: [addr(a)] });
    await connected(a, b);
    const bDir = b.dir;
    const oldFp = b.info.fingerprint;
    await b.svc.close();
    // Same identity (instance id), new key pair: what an impostor holding the id would present.
    rmSync(join(bDir, 'messenger', 'app-cert.pem'));
    rmSync(join(bDir, 'messenger', 'app-key.pem'));
    const b2 = await startInstance('bob', { dir: bDir, peers: [addr(a)] });
    expect(b2.info.instanceId).toBe(b.info.instanceId);
    expect(b2.info.fingerprint).not.toBe(oldFp);
    await expect
      .poll(() => a.svc.peers().peers.find((p) => p.id === b2.info.instanceId)?.certChanged, {
        timeout: 20_000,
      })
      .toEqual({ presented: b2.info.fingerprint, pinned: oldFp });
    expect(
      a.events.some(
        (e) => e.type === 'cert' && e.event === 'changed' && e.fingerprint === b2.info.fingerprint,
      ),
    ).toBe(true);
    expect(a.svc.peers().peers[0]!.connected).toBe(false);
    a.svc.trustPeer({ peer: b2.info.instanceId, fingerprint: b2.info.fingerprint });
    await connected(a, b2);
    expect(a.svc.peers().peers[0]!.fingerprint).toBe(b2.info.fingerprint);
  });

  it('goodbye: a peer that stops is offline at once, with the time it left', async () => {
    const a = await startInstance('alice');
    const b = await startInstance('bob', { peers: [addr(a)] });
    await connected(a, b);
    const before = Date.now();
    await b.svc.stop();
    await expect.poll(() => a.svc.peers().peers[0]!.presence, { timeout: 20_000 }).toBe('offline');
    expect(a.svc.peers().peers[0]!.offlineSince).toBeGreaterThanOrEqual(before);
  });

  it("the app's LAN setting turns DNS-SD off and on for a running instance (no interface here: no socket)", async () => {
    const a = await startInstance('alice', { options: { discovery: true, interfaces: [] } });
    expect(a.svc.info()).toMatchObject({ discovery: true, interfaces: [] });
    await a.svc.setDiscoveryAllowed(false);
    expect(a.svc.info().discovery).toBe(false);
    await a.svc.setDiscoveryAllowed(true);
    expect(a.svc.info().discovery).toBe(true);
    expect(
      a.events.filter((e) => e.type === 'state').map((e) => e.type === 'state' && e.info.discovery),
    ).toEqual([true, false, true]);
  });
});
