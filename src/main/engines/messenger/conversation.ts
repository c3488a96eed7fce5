// One conversation in memory: its messages in display order, what we hold of each sender (for exactly-
// once and gap fill), our own messages by sequence number (the outbox is computed from them and the
// members' acks), and the member set. Pure: no disk, no sockets.
import { Membership, changeOf, compareStamps, type Stamp } from './membership';
import type { WireMessage } from './protocol';
import { compareOrder, messageId } from './protocol';

export interface StoredMessage extends WireMessage {
  id: string;
  mine: boolean;
  /** It sorted before a message already displayed when it arrived. */
  late: boolean;
  storedAt: number;
}

/** The sequence numbers held from one sender: everything up to `upTo`, plus some above it (gaps between). */
export class SeqSet {
  upTo = 0;
  private readonly above = new Set<number>();

  has(n: number): boolean {
    return n <= this.upTo || this.above.has(n);
  }

  /** Adds n; false when it was already there. */
  add(n: number): boolean {
    if (this.has(n)) return false;
    if (n === this.upTo + 1) {
      this.upTo = n;
      while (this.above.delete(this.upTo + 1)) this.upTo += 1;
    } else this.above.add(n);
    return true;
  }

  /** Numbers held above a gap (we know we miss something). */
  get gaps(): boolean {
    return this.above.size > 0;
  }
}

export type ConversationKind = 'direct' | 'group';

export class Conversation {
  /** Display order: (lamport, from). */
  readonly messages: StoredMessage[] = [];
  readonly ids = new Set<string>();
  readonly received = new Map<string, SeqSet>();
  /** Ours, index seq - 1. */
  readonly mine: StoredMessage[] = [];
  /** Our messages whose records are written: only these may leave (a crash must not reuse a sent seq). */
  durable = 0;
  unread = 0;
  /** Who is in (a CRDT over the group's `members` messages: the same on every member, any order). */
  private readonly membership: Membership;

  constructor(
    readonly id: string,
    readonly kind: ConversationKind,
    members: string[],
    name: string,
  ) {
    this.membership = new Membership(members, name);
  }

  /** The members now, sorted (us included while we are in). */
  get members(): string[] {
    return this.membership.members;
  }

  get name(): string {
    return this.membership.name;
  }

  /** `m` was written before `member` was (last) added: history it receives on joining, not a late arrival. */
  beforeJoining(member: string, m: Stamp): boolean {
    const joined = this.membership.addedAt(member);
    return joined !== undefined && compareStamps(m, joined) < 0;
  }

  /**
   * How many of our messages (a prefix by sequence number) `peer` is to receive: all of them while it
   * is a member; once removed, those up to and including the change that removed it (so it learns it
   * is out) and nothing written after; none if it never was one.
   */
  sendableTo(peer: string): number {
    if (this.membership.has(peer)) return this.mine.length;
    const out: Stamp | undefined = this.membership.removedAt(peer);
    if (!out) return 0;
    let n = this.mine.length;
    while (n > 0 && compareStamps(this.mine[n - 1]!, out) > 0) n -= 1;
    return n;
  }

  has(m: { from: string; seq: number }): boolean {
    return this.received.get(m.from)?.has(m.seq) ?? false;
  }

  upTo(sender: string): number {
    return this.received.get(sender)?.upTo ?? 0;
  }

  /** Per sender: the highest sequence number held without gaps. */
  vector(): Record<string, number> {
    const v: Record<string, number> = {};
    for (const [sender, set] of this.received) v[sender] = set.upTo;
    return v;
  }

  /**
   * Inserts a message in display order; false when it is a duplicate. `late` is decided here unless the
   * caller replays a stored flag: a message that does not go last arrived after later ones were shown.
   */
  insert(m: StoredMessage, replayLate?: boolean): boolean {
    let set = this.received.get(m.from);
    if (!set) {
      set = new SeqSet();
      this.received.set(m.from, set);
    }
    if (!set.add(m.seq)) return false;
    let i = this.messages.length;
    while (i > 0 && compareOrder(this.messages[i - 1]!, m) > 0) i -= 1;
    m.late = replayLate ?? i < this.messages.length;
    if (i === this.messages.length) this.messages.push(m);
    else this.messages.splice(i, 0, m);
    this.ids.add(m.id);
    if (m.mine) this.mine[m.seq - 1] = m;
    if (this.kind === 'group') {
      if (m.members) this.membership.standIn(m.members);
      const change = changeOf(m, this.members);
      if (change) this.membership.apply(change);
    }
    return true;
  }

  get mySeq(): number {
    return this.mine.length;
  }

  /** A page in display order ending just before `before` (a message id), oldest first. */
  page(limit: number, before?: string): { messages: StoredMessage[]; more: boolean } {
    let end = this.messages.length;
    if (before !== undefined) {
      const at = this.messages.findIndex((m) => m.id === before);
      end = at === -1 ? this.messages.length : at;
    }
    const start = Math.max(0, end - limit);
    return { messages: this.messages.slice(start, end), more: start > 0 };
  }

  /** Messages the holder of `have` lacks (any sender), in display order, at most `limit`. */
  missing(have: Record<string, number>, limit: number): { messages: StoredMessage[]; more: boolean } {
    const out: StoredMessage[] = [];
    for (const m of this.messages) {
      if (m.seq <= (have[m.from] ?? 0)) continue;
      if (out.length === limit) return { messages: out, more: true };
      out.push(m);
    }
    return { messages: out, more: false };
  }
}

export function storedFrom(m: WireMessage, mine: boolean, storedAt: number): StoredMessage {
  return { ...m, id: messageId(m), mine, late: false, storedAt };
}
