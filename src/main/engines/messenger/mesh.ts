// What travels on the connection kept with each peer: our outbox pumped with backpressure (only
// records already written leave), received messages stored then acknowledged (an ack is sent once the
// record is written), gap-fill requests answered from history for any sender (with the certificates
// that check their signatures), status, typing, goodbye.
import { EngineError } from '../common/errors';
import type { StoredMessage } from './conversation';
import { PeerConnections, toWire } from './connections';
import type { PeerLink } from './peer-link';
import type { PeerState } from './peers';
import { directMembers, type PeerFrame, type WireMessage } from './protocol';
import { verifyMessage } from './signing';

export { toWire, type MeshDeps, type MeshOptions } from './connections';

export class Mesh extends PeerConnections {
  /** Per link, per conversation: how far our outbox was written on it (reset from acks on each link). */
  private readonly sent = new WeakMap<PeerLink, Map<string, number>>();
  private readonly waitingDrain = new WeakSet<PeerLink>();
  private readonly pendingAcks = new WeakMap<PeerLink, Map<string, number>>();
  private readonly syncSoon = new Map<string, NodeJS.Timeout>();

  private syncTimer?: NodeJS.Timeout;
  private syncTurn = 0;

  override async start(): Promise<{ host: string; port: number }> {
    const addr = await super.start();
    // Sync runs when a connection opens and when a gap shows; this covers a member that holds messages
    // we never saw a gap for (their sender went quiet), one peer per interval, in turn.
    this.syncTimer = setInterval(() => this.antiEntropy(), this.options.syncIntervalMs);
    this.syncTimer.unref();
    return addr;
  }

  override async close(): Promise<void> {
    clearInterval(this.syncTimer);
    for (const t of this.syncSoon.values()) clearTimeout(t);
    await super.close();
  }

  private antiEntropy(): void {
    const open = [...this.peers.values()].filter((p) => p.link?.state === 'open');
    if (open.length === 0) return;
    const p = open[this.syncTurn++ % open.length]!;
    for (const c of this.deps.store.sharedWith(p.id))
      if (c.kind === 'group') p.link!.send({ t: 'sync', conv: c.id, have: c.vector() });
  }

  protected drained(link: PeerLink): void {
    this.waitingDrain.delete(link);
    this.pump(link);
  }

  protected linkUp(link: PeerLink, p: PeerState): void {
    const acks: Record<string, number> = {};
    const shared = this.deps.store.sharedWith(p.id);
    for (const c of shared) acks[c.id] = c.upTo(p.id);
    link.send({ t: 'acks', acks });
    for (const c of shared) if (c.kind === 'group') link.send({ t: 'sync', conv: c.id, have: c.vector() });
  }

  protected traffic(link: PeerLink, f: PeerFrame): void {
    const id = link.peerId!;
    const p = this.peers.get(id);
    const store = this.deps.store;
    switch (f.t) {
      case 'acks': {
        for (const [conv, upTo] of Object.entries(f.acks))
          this.deps.acked(store.acknowledge(id, conv, upTo), id);
        this.sent.set(link, new Map());
        this.pump(link);
        return;
      }
      case 'msg':
        return this.onMessage(link, id, f.m, f.fill === true);
      case 'ack':
        this.deps.acked(store.acknowledge(id, f.conv, f.upTo), id);
        return;
      case 'sync':
        return this.answerSync(link, id, f.conv, f.have);
      case 'cert':
        return this.onCert(id, f.id, f.cert);
      case 'synced': {
        const c = store.conversations.get(f.conv);
        if (f.more && c) link.send({ t: 'sync', conv: f.conv, have: c.vector() });
        return;
      }
      case 'status':
        if (p) {
          p.status = f.status;
          p.nick = f.nick;
          this.deps.identity.remember(id, { nick: f.nick });
          this.touch(p);
        }
        return;
      case 'typing': {
        const c = store.conversations.get(f.conv);
        if (c && c.members.includes(id))
          this.deps.emit({ type: 'typing', conversation: f.conv, from: id, nick: p?.nick ?? id, on: f.on });
        return;
      }
      case 'ping':
        link.send({ t: 'pong' });
        return;
      case 'pong':
      case 'dup':
        return;
      case 'bye':
        if (p) {
          p.gone = true;
          p.mdns.clear();
        }
        link.end();
        return;
      case 'error':
        link.fail(new EngineError('CONNECTION_RESET', `${f.code}: ${f.message}`));
        return;
      default:
        link.fail(new EngineError('MESSENGER_BAD_FRAME', `${f.t} after the handshake`), true);
    }
  }

  private onMessage(link: PeerLink, id: string, m: WireMessage, fill: boolean): void {
    if (!fill && m.from !== id) {
      link.fail(new EngineError('MESSENGER_BAD_FRAME', `a message from ${m.from} not marked as fill`), true);
      return;
    }
    // The connection proves who `id` is; a message it relays for someone else must prove its sender.
    if (m.from !== id && !this.relayedOk(id, m)) return;
    const r = this.deps.store.receive(m);
    const c = r.kind === 'refused' ? undefined : r.conversation;
    if (c && m.from === id) {
      // Captured now, sent once written: everything up to here is in this write or an earlier one.
      const upTo = c.upTo(id);
      this.deps.store.whenWritten(() => this.queueAck(link, c.id, upTo));
    }
    if (r.kind !== 'stored') return;
    this.deps.stored(r.message, r.created);
    if (r.message.kind === 'members') this.membersChanged(r.conversation.id);
    else if (r.gap) this.askForGaps(r.conversation.id);
  }

  /**
   * A member set changed: members just added get our messages from where they acknowledged (pump reads
   * the new set), and we ask everyone for what we lack — if we were the one added (or added again),
   * that fills our history from any member that has it.
   */
  private membersChanged(conv: string): void {
    const c = this.deps.store.conversations.get(conv);
    if (!c) return;
    for (const id of c.members) {
      const l = this.peers.get(id)?.link;
      if (l) this.pump(l);
    }
    this.askForGaps(conv);
  }

  /**
   * A message relayed by `via`: only in a conversation `via` is in (a direct conversation is nobody
   * else's), and only with a valid signature of its sender. One we cannot check yet (we hold no
   * certificate of its sender) is left out: it comes again with the next gap fill.
   */
  private relayedOk(via: string, m: WireMessage): boolean {
    const pair = directMembers(m.conv);
    if (pair && !pair.includes(via)) return false;
    const identity = this.deps.identity;
    let ok: boolean;
    if (m.from === this.self) ok = identity.signer?.verifyOwn(m) ?? false;
    else {
      const key = identity.keyOf(m.from);
      if (!key) return false;
      ok = verifyMessage(m, key);
    }
    if (ok) return true;
    this.deps.emit({
      type: 'error',
      code: 'MESSENGER_BAD_SIGNATURE',
      message: `a message of ${m.from} relayed by ${via} (${m.conv} #${m.seq}) is not signed by ${m.from}; dropped`,
    });
    return false;
  }

  /** A relaying member's copy of a sender's certificate, for senders of groups we share with it. */
  private onCert(via: string, sender: string, cert: string): void {
    const identity = this.deps.identity;
    if (sender === this.self || identity.certOf(sender) === cert) return;
    const inGroup = this.deps.store
      .sharedWith(via)
      .some((c) => c.kind === 'group' && c.members.includes(sender));
    if (!inGroup && !identity.known.has(sender)) return;
    const r = identity.learnCert(sender, cert, this.peers.get(sender)?.announcedFp);
    if (r === 'pinned') {
      const fingerprint = identity.pinned(sender)!;
      this.deps.emit({ type: 'cert', peer: sender, event: 'pinned', fingerprint });
    } else if (r === 'refused')
      this.deps.emit({
        type: 'error',
        code: 'MESSENGER_BAD_SIGNATURE',
        message: `${via} relayed a certificate for ${sender} that is not the one pinned for it; ignored`,
      });
  }

  /** A message of ours as it travels; one written before messages were signed is signed now. */
  private wire(m: StoredMessage): WireMessage {
    const signer = this.deps.identity.signer;
    if (!m.sig && m.from === this.self && signer) m.sig = signer.sign(toWire(m));
    return toWire(m);
  }

  private queueAck(link: PeerLink, conv: string, upTo: number): void {
    let q = this.pendingAcks.get(link);
    if (!q) {
      q = new Map();
      this.pendingAcks.set(link, q);
      setImmediate(() => {
        this.pendingAcks.delete(link);
        for (const [c, n] of q!) link.send({ t: 'ack', conv: c, upTo: n });
      });
    }
    q.set(conv, Math.max(q.get(conv) ?? 0, upTo));
  }

  /** We hold messages above a gap: ask every connected member (any of them may have the rest). */
  private askForGaps(conv: string): void {
    if (this.syncSoon.has(conv)) return;
    const t = setTimeout(() => {
      this.syncSoon.delete(conv);
      const c = this.deps.store.conversations.get(conv);
      if (!c) return;
      for (const member of c.members) {
        const l = this.peers.get(member)?.link;
        if (l?.state === 'open') l.send({ t: 'sync', conv, have: c.vector() });
      }
    }, 200);
    t.unref();
    this.syncSoon.set(conv, t);
  }

  private answerSync(link: PeerLink, id: string, conv: string, have: Record<string, number>): void {
    const c = this.deps.store.conversations.get(conv);
    if (!c || !c.members.includes(id)) {
      link.send({ t: 'synced', conv, more: false });
      return;
    }
    const { messages, more } = c.missing(have, this.options.fillBatch);
    // The asker checks each relayed message's signature: first the certificates of their senders.
    const senders = new Set(messages.map((m) => m.from));
    senders.delete(id);
    senders.delete(this.self);
    for (const sender of senders) {
      const cert = this.deps.identity.certOf(sender);
      if (cert) link.send({ t: 'cert', id: sender, cert });
    }
    for (const m of messages) link.send({ t: 'msg', m: this.wire(m), fill: true });
    link.send({ t: 'synced', conv, more });
  }

  /** Writes our unacknowledged messages to the peer until the socket pushes back. */
  pump(link: PeerLink): void {
    const sent = this.sent.get(link);
    if (!sent || link.state !== 'open' || this.waitingDrain.has(link)) return;
    for (const m of this.deps.store.outbox(link.peerId!, sent)) {
      sent.set(m.conv, m.seq);
      if (!link.send({ t: 'msg', m: this.wire(m) })) {
        this.waitingDrain.add(link);
        return;
      }
    }
  }

  /** One of our messages is on disk: off it goes to every member connected now. */
  pushNew(members: string[]): void {
    for (const id of members) {
      const l = this.peers.get(id)?.link;
      if (l) this.pump(l);
    }
  }

  toMembers(members: string[], frame: PeerFrame): void {
    for (const id of members) {
      const l = this.peers.get(id)?.link;
      if (l?.state === 'open') l.send(frame);
    }
  }

  broadcast(frame: PeerFrame): void {
    for (const p of this.peers.values()) if (p.link?.state === 'open') p.link.send(frame);
  }
}
