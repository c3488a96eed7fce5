// Message signatures and the certificates that check them: every field a member stores is covered, a
// store signs what it writes and keeps the signature across a restart, and a certificate relayed by a
// member is taken only when it is the one known for its sender (or nothing is known yet).
import { X509Certificate } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import { Identity } from '../../../src/main/engines/messenger/identity';
import type { WireMessage } from '../../../src/main/engines/messenger/protocol';
import { verifyMessage } from '../../../src/main/engines/messenger/signing';
import { MessengerStore, STORE_DEFAULTS } from '../../../src/main/engines/messenger/store';

function dir(): string {
  const d = mkdtempSync(join(tmpdir(), 'wirelab-signing-'));
  onTestFinished(() => rmSync(d, { recursive: true, force: true }));
  return d;
}

async function identity(): Promise<{ id: Identity; cert: string; fp: string }> {
  const id = new Identity(dir(), () => undefined);
  const c = await id.certificate();
  const x = new X509Certificate(c.certPem);
  return { id, cert: x.raw.toString('base64'), fp: x.fingerprint256 };
}

const G = 'g:0123456789abcdef';

describe('message signatures', () => {
  it('cover every stored field: any change, or another key, fails the check', async () => {
    const alice = await identity();
    const bob = await identity();
    const m: WireMessage = {
      conv: G,
      from: alice.id.id,
      nick: 'alice',
      seq: 3,
      lamport: 7,
      at: 1000,
      kind: 'members',
      text: 'hi',
      members: [alice.id.id, bob.id.id].sort(),
      name: 'team',
      add: [bob.id.id],
    };
    const signed = { ...m, sig: alice.id.signer!.sign(m) };
    const key = alice.id.keyOf(alice.id.id)!;
    expect(verifyMessage(signed, key)).toBe(true);
    expect(verifyMessage(m, key)).toBe(false);
    expect(verifyMessage(signed, bob.id.keyOf(bob.id.id)!)).toBe(false);
    const changes: Partial<WireMessage>[] = [
      { conv: 'g:fedcba9876543210' },
      { from: bob.id.id },
      { nick: 'mallory' },
      { seq: 4 },
      { lamport: 8 },
      { at: 1001 },
      { kind: 'text' },
      { text: 'hi!' },
      { members: [alice.id.id] },
      { name: 'other' },
      { add: [] },
      { remove: [bob.id.id] },
      { sig: 'AAAA' },
    ];
    for (const change of changes)
      expect(verifyMessage({ ...signed, ...change }, key), JSON.stringify(change)).toBe(false);
  });

  it('a store signs what it writes; the signature comes back from the log after a restart', async () => {
    const alice = await identity();
    const path = join(dir(), 'history.jsonl');
    const store = new MessengerStore(alice.id.id, { ...STORE_DEFAULTS, path });
    store.load();
    store.signer = alice.id.signer;
    store.direct('bbbbbbbbbbbbbbbb', 'bob');
    const conv = [...store.conversations.keys()][0]!;
    const m = store.compose(conv, 'alice', { kind: 'text', text: 'signed' });
    await new Promise<void>((r) => store.whenWritten(r));
    store.close();
    const again = new MessengerStore(alice.id.id, { ...STORE_DEFAULTS, path });
    again.load();
    onTestFinished(() => again.close());
    const back = again.get(conv).messages[0]!;
    expect(back.sig).toBe(m.sig);
    expect(alice.id.signer!.verifyOwn(back)).toBe(true);
  });

  it('direct conversations: a MAC only the sender checks (nobody else relays them), tamper-evident too', async () => {
    const alice = await identity();
    const bob = await identity();
    const m: WireMessage = {
      conv: `dm:${[alice.id.id, bob.id.id].sort().join(':')}`,
      from: alice.id.id,
      nick: 'alice',
      seq: 1,
      lamport: 1,
      at: 1000,
      kind: 'text',
      text: 'hi',
    };
    const signed = { ...m, sig: alice.id.signer!.sign(m) };
    expect(alice.id.signer!.verifyOwn(signed)).toBe(true);
    expect(alice.id.signer!.verifyOwn({ ...signed, text: 'hi!' })).toBe(false);
    expect(alice.id.signer!.verifyOwn(m)).toBe(false);
    expect(bob.id.signer!.verifyOwn({ ...m, from: bob.id.id, sig: bob.id.signer!.sign(m) })).toBe(false);
    expect(bob.id.signer!.verifyOwn({ ...signed, from: bob.id.id })).toBe(false);
  });

  it('relayed certificates: pinned on first use, kept when they match, refused when they differ', async () => {
    const me = await identity();
    const bob = await identity();
    const carol = await identity();
    const B = bob.id.id;
    expect(me.id.keyOf(B)).toBeUndefined();
    // Nothing known of bob: his certificate is pinned on the relaying member's word.
    expect(me.id.learnCert(B, bob.cert)).toBe('pinned');
    expect(me.id.pinned(B)).toBe(bob.fp);
    expect(me.id.keyOf(B)).toBeDefined();
    // Another certificate in bob's name is refused, and bob's key stays.
    expect(me.id.learnCert(B, carol.cert)).toBe('refused');
    expect(me.id.certOf(B)).toBe(bob.cert);
    // An announced fingerprint (DNS-SD) is what a first certificate must match.
    const C = carol.id.id;
    expect(me.id.learnCert(C, bob.cert, carol.fp)).toBe('refused');
    expect(me.id.learnCert(C, carol.cert, carol.fp)).toBe('pinned');
    // A stored certificate that is not the pinned one (the user trusted a new fingerprint) checks nothing.
    me.id.pin(B, carol.fp, 'bob');
    expect(me.id.keyOf(B)).toBeUndefined();
    expect(me.id.learnCert(B, 'not base64 DER')).toBe('refused');
  });
});
