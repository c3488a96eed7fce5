// Relayed messages must prove their sender. mallory is a member of a group with alice and bob, connected
// to alice over a raw TLS socket (its own certificate, a valid hello): TLS proves to alice that mallory is
// mallory, nothing more. Everything mallory "relays" as gap fill in someone else's name — unsigned, with a
// signature lifted from a genuine message, a genuine message with its text changed, a message in alice
// and bob's direct conversation — is dropped with MESSENGER_BAD_SIGNATURE or refused, and does not take
// the sequence number the real message then arrives with.
import { describe, expect, it } from 'vitest';
import { PROTOCOL_VERSION, type WireMessage } from '../../../src/main/engines/messenger/protocol';
import { addr, connected, raw, startInstance, texts } from './helpers';

const MALLORY = '0123456789abcdef';

describe('messenger: signed messages', () => {
  it('messages relayed in the name of another member are dropped unless that member signed them', async () => {
    const a = await startInstance('alice');
    const b = await startInstance('bob', { peers: [addr(a)] });
    await connected(a, b);
    const m = await raw(a.info.port);
    const frames = () => m.lines.map((l) => JSON.parse(l) as { t: string; m?: WireMessage });
    const send = (f: object) => m.s.write(`${JSON.stringify(f)}\n`);
    send({ t: 'hello', v: PROTOCOL_VERSION, id: MALLORY, nick: 'mallory', status: 'online', port: 0 });
    await expect.poll(() => frames().some((f) => f.t === 'welcome'), { timeout: 20_000 }).toBe(true);
    send({ t: 'acks', acks: {} });
    const aId = a.info.instanceId;
    const bId = b.info.instanceId;

    const g = a.svc.createGroup({ name: 'three', members: [bId, MALLORY] });
    a.svc.send({ conversation: g.id, text: 'genuine from alice' });
    await expect.poll(() => texts(b, g.id), { timeout: 20_000 }).toEqual(['', 'genuine from alice']);
    await expect.poll(() => frames().filter((f) => f.t === 'msg').length, { timeout: 20_000 }).toBe(2);
    const genuine = frames().find((f) => f.m?.text === 'genuine from alice')!.m!;
    expect(genuine.sig).toMatch(/^[A-Za-z0-9+/]+=*$/);

    const members = [aId, bId, MALLORY].sort();
    const asBob = (seq: number, text: string, extra: Partial<WireMessage> = {}): WireMessage => ({
      conv: g.id,
      from: bId,
      nick: 'bob',
      seq,
      lamport: 10 + seq,
      at: Date.now(),
      kind: 'text',
      text,
      members,
      name: 'three',
      ...extra,
    });
    const dm = aId < bId ? `dm:${aId}:${bId}` : `dm:${bId}:${aId}`;
    // alice and mallory's own direct conversation: mallory may fill alice's messages back to her, but
    // only ones alice wrote (checked with her own key).
    const withMallory = a.svc.openDirect({ peer: MALLORY }).id;
    for (const forged of [
      asBob(1, 'forged, unsigned'),
      asBob(1, 'forged, signature of another message', { sig: genuine.sig }),
      { ...genuine, text: 'genuine from alice, changed' },
      { ...genuine, seq: 3, text: 'forged in alice’s name', sig: genuine.sig },
      {
        conv: dm,
        from: bId,
        nick: 'bob',
        seq: 1,
        lamport: 99,
        at: Date.now(),
        kind: 'text',
        text: 'forged dm',
      },
      {
        conv: withMallory,
        from: aId,
        nick: 'alice',
        seq: 1,
        lamport: 98,
        at: Date.now(),
        kind: 'text',
        text: 'forged, in alice’s name to mallory',
        sig: 'AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=',
      },
    ])
      send({ t: 'msg', m: forged, fill: true });
    await expect
      .poll(() => a.events.filter((e) => e.type === 'error' && e.code === 'MESSENGER_BAD_SIGNATURE').length, {
        timeout: 20_000,
      })
      .toBe(5);

    // The real messages take the numbers the forgeries claimed, and nothing forged is shown anywhere.
    b.svc.send({ conversation: g.id, text: 'real from bob' });
    a.svc.send({ conversation: g.id, text: 'real from alice' });
    const dmConv = b.svc.openDirect({ peer: aId });
    b.svc.send({ conversation: dmConv.id, text: 'real dm' });
    const want = ['', 'genuine from alice', 'real from bob', 'real from alice'];
    await expect.poll(() => [...texts(a, g.id)].sort(), { timeout: 20_000 }).toEqual([...want].sort());
    await expect.poll(() => [...texts(b, g.id)].sort(), { timeout: 20_000 }).toEqual([...want].sort());
    await expect.poll(() => texts(a, dm), { timeout: 20_000 }).toEqual(['real dm']);
    expect(a.svc.send({ conversation: withMallory, text: 'real to mallory' }).message.seq).toBe(1);
    expect(texts(a, withMallory)).toEqual(['real to mallory']);
    const fromAlice = a.svc.messages({ conversation: g.id, limit: 100 }).messages.filter((x) => x.mine);
    expect(fromAlice.map((x) => x.seq)).toEqual([1, 2, 3]);
  });
});
