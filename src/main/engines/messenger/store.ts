// The messenger's history and delivery state on disk: one append-only JSON-lines log
// (`messenger/history.jsonl` in the data dir) holding every message (ours and received), the acks our
// peers gave for our messages, direct conversations opened, read marks. Replayed at start: conversations,
// per-sender sequence sets, our next sequence numbers, the Lamport clock and each peer's outbox all
// come back after a restart. A received message is acknowledged only once its record is written
// (`whenWritten`), so an ack never covers a message a crash could lose.
import { MESSENGER_DEFAULTS } from '../../../shared/contract/messenger';
import { AppendLog, type FsyncPolicy } from '../common/append-log';
import { EngineError } from '../common/errors';
import { Conversation, storedFrom, type StoredMessage } from './conversation';
import { directConversationId, directMembers, type WireMessage } from './protocol';
import type { MessageSigner } from './signing';

type LogRecord =
  | { r: 'm'; m: WireMessage; late: boolean; storedAt: number; mine: boolean }
  | { r: 'ack'; peer: string; conv: string; upTo: number }
  | { r: 'conv'; id: string; kind: 'direct' | 'group'; name: string; members: string[] }
  | { r: 'read'; conv: string };

export interface StoreOptions {
  /** The log file; undefined keeps everything in memory (tests of the pure logic). */
  path?: string;
  fsync: FsyncPolicy;
  fsyncIntervalMs: number;
  maxConversations: number;
}

/** One of our messages before it is numbered; `members`/`add`/`remove`/`name` for group changes. */
export interface ComposeBody {
  kind: 'text' | 'members';
  text: string;
  members?: string[];
  name?: string;
  add?: string[];
  remove?: string[];
}

export type ReceiveResult =
  | { kind: 'stored'; message: StoredMessage; conversation: Conversation; created: boolean; gap: boolean }
  | { kind: 'duplicate'; conversation: Conversation }
  | { kind: 'refused'; reason: string };

export class MessengerStore {
  readonly conversations = new Map<string, Conversation>();
  /** peer → conversation → highest of our sequence numbers it acknowledged. */
  private readonly acks = new Map<string, Map<string, number>>();
  private clock = 0;
  private log?: AppendLog;
  /** Signs the messages we write (the instance key); set once the identity's certificate is loaded. */
  signer?: MessageSigner;

  constructor(
    readonly self: string,
    private readonly options: StoreOptions,
  ) {}

  load(): { records: number; skipped: number } {
    if (!this.options.path) return { records: 0, skipped: 0 };
    const log = new AppendLog(this.options.path, this.options);
    const report = log.load((rec) => this.replay(rec as LogRecord));
    this.log = log;
    return { records: report.records, skipped: report.skipped };
  }

  private replay(rec: LogRecord): void {
    switch (rec.r) {
      case 'm': {
        const c = this.conversationFor(rec.m, true);
        if (!c) return;
        const s = storedFrom(rec.m, rec.mine, rec.storedAt);
        if (c.insert(s, rec.late)) {
          this.clock = Math.max(this.clock, rec.m.lamport);
          if (rec.mine) c.durable = Math.max(c.durable, rec.m.seq);
          if (!rec.mine) c.unread += 1;
        }
        return;
      }
      case 'ack':
        this.setAck(rec.peer, rec.conv, rec.upTo);
        return;
      case 'conv':
        if (!this.conversations.has(rec.id))
          this.conversations.set(rec.id, new Conversation(rec.id, rec.kind, rec.members, rec.name));
        return;
      case 'read': {
        const c = this.conversations.get(rec.conv);
        if (c) c.unread = 0;
        return;
      }
    }
  }

  private append(rec: LogRecord, done?: () => void): void {
    if (this.log) this.log.append(rec, done);
    else if (done) queueMicrotask(done);
  }

  /** Runs `done` once everything appended so far is written. */
  whenWritten(done: () => void): void {
    if (this.log) this.log.whenWritten(done);
    else queueMicrotask(done);
  }

  get lamport(): number {
    return this.clock;
  }

  get(convId: string): Conversation {
    const c = this.conversations.get(convId);
    if (!c) throw new EngineError('MESSENGER_NO_CONVERSATION', `no conversation ${convId}`);
    return c;
  }

  private checkRoom(): void {
    if (this.conversations.size >= this.options.maxConversations)
      throw new EngineError(
        'LIMIT_EXCEEDED',
        `at most ${this.options.maxConversations} conversations (maxConversations)`,
      );
  }

  /** The direct conversation with `peer`, created (and recorded) on first use. */
  direct(peer: string, name: string): Conversation {
    const id = directConversationId(this.self, peer);
    const have = this.conversations.get(id);
    if (have) return have;
    this.checkRoom();
    const c = new Conversation(id, 'direct', [this.self, peer], name);
    this.conversations.set(id, c);
    this.append({ r: 'conv', id, kind: 'direct', name, members: c.members });
    return c;
  }

  /** Writes one of our messages: next sequence number of the conversation, next Lamport time. */
  compose(convId: string, nick: string, body: ComposeBody, done?: () => void): StoredMessage {
    const c = this.get(convId);
    this.clock += 1;
    const wire: WireMessage = {
      conv: c.id,
      from: this.self,
      nick,
      seq: c.mySeq + 1,
      lamport: this.clock,
      at: Date.now(),
      kind: body.kind,
      text: body.text,
      ...(c.kind === 'group' ? { members: body.members ?? c.members, name: body.name ?? c.name } : {}),
      ...(body.add ? { add: body.add } : {}),
      ...(body.remove ? { remove: body.remove } : {}),
    };
    if (this.signer) wire.sig = this.signer.sign(wire);
    const s = storedFrom(wire, true, Date.now());
    c.insert(s);
    this.append({ r: 'm', m: wire, late: s.late, storedAt: s.storedAt, mine: true }, () => {
      c.durable = Math.max(c.durable, wire.seq);
      done?.();
    });
    return s;
  }

  /** A new group: its first message is the member set (so every member learns it like any message). */
  createGroup(id: string, name: string, members: string[], nick: string, done?: () => void): StoredMessage {
    this.checkRoom();
    const all = [...new Set([this.self, ...members])].sort();
    const c = new Conversation(id, 'group', all, name);
    this.conversations.set(id, c);
    return this.compose(id, nick, { kind: 'members', text: '', members: all, add: all, name }, done);
  }

  /** Finds or creates the conversation a received message belongs to; undefined = not for us. */
  private conversationFor(m: WireMessage, replay: boolean): Conversation | undefined {
    const have = this.conversations.get(m.conv);
    if (have) return have;
    if (!replay && this.conversations.size >= this.options.maxConversations) return undefined;
    const pair = directMembers(m.conv);
    if (pair) {
      if (!pair.includes(this.self)) return undefined;
      const c = new Conversation(m.conv, 'direct', pair, m.from === this.self ? '' : m.nick);
      this.conversations.set(m.conv, c);
      return c;
    }
    // A group we are in, or one telling us we were removed from it (so we know we are out).
    const aboutUs = m.members?.includes(this.self) || m.remove?.includes(this.self);
    if (!m.members || (!aboutUs && !replay)) return undefined;
    const c = new Conversation(m.conv, 'group', m.members, m.name ?? 'group');
    this.conversations.set(m.conv, c);
    return c;
  }

  /** A message from the network: stored once, whoever relayed it; `done` runs once it is written. */
  receive(m: WireMessage, done?: () => void): ReceiveResult {
    const existed = this.conversations.has(m.conv);
    const c = this.conversationFor(m, false);
    if (!c) return { kind: 'refused', reason: `not a member of ${m.conv}` };
    const sender =
      c.members.includes(m.from) ||
      (c.kind === 'group' && (m.members?.includes(m.from) || m.remove?.includes(m.from)));
    if (!sender) return { kind: 'refused', reason: `${m.from} is not a member of ${m.conv}` };
    if (c.has(m)) return { kind: 'duplicate', conversation: c };
    const mine = m.from === this.self;
    const s = storedFrom(m, mine, Date.now());
    c.insert(s);
    // A member just added receives the group's history after the change that added it: not "late".
    if (s.late && c.beforeJoining(this.self, s)) s.late = false;
    this.clock = Math.max(this.clock, m.lamport);
    if (!mine) c.unread += 1;
    this.append({ r: 'm', m, late: s.late, storedAt: s.storedAt, mine }, done);
    const gap = (c.received.get(m.from)?.gaps ?? false) || false;
    return { kind: 'stored', message: s, conversation: c, created: !existed, gap };
  }

  private setAck(peer: string, conv: string, upTo: number): boolean {
    let per = this.acks.get(peer);
    if (!per) {
      per = new Map();
      this.acks.set(peer, per);
    }
    if ((per.get(conv) ?? 0) >= upTo) return false;
    per.set(conv, upTo);
    return true;
  }

  /** `peer` holds our messages of `conv` up to `upTo`; returns the ones newly covered. */
  acknowledge(peer: string, conv: string, upTo: number): StoredMessage[] {
    const c = this.conversations.get(conv);
    if (!c) return [];
    const capped = Math.min(upTo, c.mySeq);
    const before = this.acked(peer, conv);
    if (!this.setAck(peer, conv, capped)) return [];
    this.append({ r: 'ack', peer, conv, upTo: capped });
    return c.mine.slice(before, capped);
  }

  acked(peer: string, conv: string): number {
    return this.acks.get(peer)?.get(conv) ?? 0;
  }

  ackedBy(m: StoredMessage): string[] {
    const c = this.conversations.get(m.conv);
    if (!c) return [];
    return c.members.filter((p) => p !== this.self && this.acked(p, m.conv) >= m.seq);
  }

  delivered(m: StoredMessage): boolean {
    const c = this.conversations.get(m.conv);
    return !!c && c.members.every((p) => p === this.self || this.acked(p, m.conv) >= m.seq);
  }

  /** Conversations `peer` belongs to and we too (a group we left is not shared any more). */
  sharedWith(peer: string): Conversation[] {
    return [...this.conversations.values()].filter(
      (c) => c.members.includes(peer) && c.members.includes(this.self),
    );
  }

  /** Our messages `peer` has not acknowledged, per conversation in sequence order. */
  *outbox(peer: string, from?: Map<string, number>): Generator<StoredMessage> {
    for (const c of this.conversations.values()) {
      const end = Math.min(c.durable, c.sendableTo(peer));
      const start = Math.max(this.acked(peer, c.id), from?.get(c.id) ?? 0);
      for (let i = start; i < end; i++) yield c.mine[i]!;
    }
  }

  outboxSize(peer: string): number {
    let n = 0;
    for (const c of this.conversations.values())
      n += Math.max(0, c.sendableTo(peer) - this.acked(peer, c.id));
    return n;
  }

  pending(c: Conversation): number {
    let n = 0;
    for (let i = c.mySeq; i > 0; i--) {
      if (this.delivered(c.mine[i - 1]!)) break;
      n += 1;
    }
    return n;
  }

  markRead(convId: string): void {
    const c = this.get(convId);
    if (c.unread === 0) return;
    c.unread = 0;
    this.append({ r: 'read', conv: convId });
  }

  close(): void {
    this.log?.close();
    this.log = undefined;
  }
}

export const STORE_DEFAULTS: Omit<StoreOptions, 'path'> = {
  fsync: MESSENGER_DEFAULTS.fsync,
  fsyncIntervalMs: MESSENGER_DEFAULTS.fsyncIntervalMs,
  maxConversations: MESSENGER_DEFAULTS.maxConversations,
};
