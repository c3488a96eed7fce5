// What a chat server remembers: members (nickname ↔ identity), rooms with their sequence numbers and
// recent history, private-message inboxes for offline delivery, and the message ids already seen (to drop
// resent duplicates). Everything that must survive a restart goes through the append log first.
// It knows nothing of sockets: the server asks it to record things and gets back what to send.
import type { WirePrivateMessage, WireRoomMessage } from './protocol';
import { AppendLog, type FsyncPolicy, type LoadReport } from './append-log';

export interface ServerStateOptions {
  /** Where the log lives; undefined keeps everything in memory (tests, benchmarks of the bare engine). */
  logPath?: string;
  fsync: FsyncPolicy;
  fsyncIntervalMs: number;
  historyKeep: number;
  inboxKeep: number;
  /** Message ids remembered per member for duplicate detection. */
  dedupeKeep: number;
  /** At start-up a log larger than this is compacted (see compact()). */
  compactAboveBytes: number;
}

export interface MemberRecord {
  nick: string;
  identity: string;
  guest: boolean;
  inboxSeq: number;
  inbox: WirePrivateMessage[];
  /** id → where it went, for acking a resent duplicate with the original numbers. */
  seen: Map<string, { room?: string; seq?: number; to?: string; pseq?: number; at: number }>;
}

export interface RoomRecord {
  name: string;
  seq: number;
  history: WireRoomMessage[];
  /** Messages ever stored in this room (including those only on disk). */
  total: number;
}

type LogRecord =
  | { k: 'user'; nick: string; identity: string }
  | { k: 'room'; name: string; seq?: number }
  | ({ k: 'msg' } & Omit<WireRoomMessage, 't'>)
  | ({ k: 'pm' } & Omit<WirePrivateMessage, 't'>)
  /** After compaction: the inbox sequence the kept private messages start after. */
  | { k: 'inbox'; nick: string; pseq: number };

export class ServerState {
  readonly members = new Map<string, MemberRecord>();
  readonly rooms = new Map<string, RoomRecord>();
  private readonly log?: AppendLog;
  loadReport: LoadReport = { records: 0, skipped: 0, tornBytes: 0 };
  messageCount = 0;
  /** Set when load() compacted the log: its size before and after. */
  compacted?: { before: number; after: number };

  constructor(private readonly options: ServerStateOptions) {
    if (options.logPath)
      this.log = new AppendLog(options.logPath, {
        fsync: options.fsync,
        fsyncIntervalMs: options.fsyncIntervalMs,
      });
  }

  load(): void {
    if (!this.log) return;
    this.loadReport = this.log.load((r) => this.replay(r as LogRecord));
    if (this.log.bytes > this.options.compactAboveBytes) this.compact();
  }

  /**
   * Rewrites the log with what the server still uses - members, rooms (with the sequence number the kept
   * history starts after), the last historyKeep messages per room and the inboxes - so it stops growing
   * without bound. Older messages are dropped from disk as they already are from memory.
   */
  private compact(): void {
    const records: LogRecord[] = [];
    for (const m of this.members.values())
      if (!m.guest) records.push({ k: 'user', nick: m.nick, identity: m.identity });
    for (const r of this.rooms.values()) {
      records.push({ k: 'room', name: r.name, seq: (r.history[0]?.seq ?? r.seq + 1) - 1 });
      for (const m of r.history)
        records.push({ k: 'msg', room: m.room, seq: m.seq, id: m.id, from: m.from, text: m.text, at: m.at });
    }
    for (const m of this.members.values()) {
      if (m.guest || m.inbox.length === 0) continue;
      records.push({ k: 'inbox', nick: m.nick, pseq: m.inbox[0]!.pseq - 1 });
      for (const p of m.inbox)
        records.push({ k: 'pm', pseq: p.pseq, id: p.id, from: p.from, to: p.to, text: p.text, at: p.at });
    }
    const before = this.log!.bytes;
    this.log!.rewrite(records);
    this.compacted = { before, after: this.log!.bytes };
  }

  get historyBytes(): number {
    return this.log?.bytes ?? 0;
  }

  close(): void {
    this.log?.close();
  }

  /** Runs `after` once everything recorded so far is written (at once without a log). */
  private persist(record: LogRecord, after: () => void): void {
    if (this.log) this.log.append(record, after);
    else queueMicrotask(after);
  }

  /** Runs `after` once everything recorded so far is written, so a reply never overtakes an earlier ack. */
  afterWrites(after: () => void): void {
    if (this.log) this.log.whenWritten(after);
    else queueMicrotask(after);
  }

  member(nick: string): MemberRecord | undefined {
    return this.members.get(nick);
  }

  registerMember(nick: string, identity: string, guest: boolean): MemberRecord {
    const m: MemberRecord = { nick, identity, guest, inboxSeq: 0, inbox: [], seen: new Map() };
    this.members.set(nick, m);
    if (!guest) this.persist({ k: 'user', nick, identity }, () => undefined);
    return m;
  }

  forgetGuest(nick: string): void {
    const m = this.members.get(nick);
    if (m?.guest) this.members.delete(nick);
  }

  room(name: string): RoomRecord | undefined {
    return this.rooms.get(name);
  }

  createRoom(name: string): RoomRecord {
    const r: RoomRecord = { name, seq: 0, history: [], total: 0 };
    this.rooms.set(name, r);
    this.persist({ k: 'room', name }, () => undefined);
    return r;
  }

  /** Stores a room message; `after` runs once it is on its way to disk. */
  addRoomMessage(
    room: RoomRecord,
    from: MemberRecord,
    id: string,
    text: string,
    after: (m: WireRoomMessage) => void,
  ): void {
    const m: WireRoomMessage = {
      t: 'msg',
      room: room.name,
      seq: room.seq + 1,
      id,
      from: from.nick,
      text,
      at: Date.now(),
    };
    this.applyRoomMessage(room, m);
    this.remember(from, id, { room: room.name, seq: m.seq, at: m.at });
    this.persist({ k: 'msg', room: m.room, seq: m.seq, id, from: m.from, text, at: m.at }, () => after(m));
  }

  addPrivateMessage(
    from: MemberRecord,
    to: MemberRecord,
    id: string,
    text: string,
    after: (m: WirePrivateMessage) => void,
  ): void {
    const m: WirePrivateMessage = {
      t: 'pm',
      pseq: to.inboxSeq + 1,
      id,
      from: from.nick,
      to: to.nick,
      text,
      at: Date.now(),
    };
    this.applyPrivateMessage(to, m);
    this.remember(from, id, { to: to.nick, pseq: m.pseq, at: m.at });
    if (to.guest) queueMicrotask(() => after(m));
    else this.persist({ k: 'pm', pseq: m.pseq, id, from: m.from, to: m.to, text, at: m.at }, () => after(m));
  }

  roomMessagesAfter(
    room: RoomRecord,
    after: number,
    limit: number,
    before = Number.POSITIVE_INFINITY,
  ): { messages: WireRoomMessage[]; more: boolean } {
    const h = room.history;
    // Sequence numbers in memory are contiguous, so the index is computed, not searched.
    const first = h.length ? h[0]!.seq : room.seq + 1;
    const from = Math.max(0, after + 1 - first);
    const all = h.slice(from).filter((m) => m.seq < before);
    return { messages: all.slice(0, limit), more: all.length > limit };
  }

  lastRoomMessages(room: RoomRecord, n: number): WireRoomMessage[] {
    return n > 0 ? room.history.slice(-n) : [];
  }

  inboxAfter(
    member: MemberRecord,
    after: number,
    limit: number,
  ): { messages: WirePrivateMessage[]; more: boolean } {
    const all = member.inbox.filter((m) => m.pseq > after);
    return { messages: all.slice(0, limit), more: all.length > limit };
  }

  private remember(
    member: MemberRecord,
    id: string,
    where: { room?: string; seq?: number; to?: string; pseq?: number; at: number },
  ): void {
    member.seen.set(id, where);
    if (member.seen.size > this.options.dedupeKeep) {
      const oldest = member.seen.keys().next().value;
      if (oldest !== undefined) member.seen.delete(oldest);
    }
  }

  private applyRoomMessage(room: RoomRecord, m: WireRoomMessage): void {
    room.seq = m.seq;
    room.total += 1;
    room.history.push(m);
    if (room.history.length > this.options.historyKeep)
      room.history.splice(0, room.history.length - this.options.historyKeep);
    this.messageCount += 1;
  }

  private applyPrivateMessage(to: MemberRecord, m: WirePrivateMessage): void {
    to.inboxSeq = m.pseq;
    to.inbox.push(m);
    if (to.inbox.length > this.options.inboxKeep)
      to.inbox.splice(0, to.inbox.length - this.options.inboxKeep);
    this.messageCount += 1;
  }

  private replay(r: LogRecord): void {
    switch (r.k) {
      case 'user':
        if (typeof r.nick === 'string' && typeof r.identity === 'string' && !this.members.has(r.nick)) {
          this.members.set(r.nick, {
            nick: r.nick,
            identity: r.identity,
            guest: false,
            inboxSeq: 0,
            inbox: [],
            seen: new Map(),
          });
        }
        break;
      case 'room':
        if (typeof r.name === 'string' && !this.rooms.has(r.name))
          this.rooms.set(r.name, {
            name: r.name,
            seq: typeof r.seq === 'number' ? r.seq : 0,
            history: [],
            total: 0,
          });
        break;
      case 'inbox': {
        const m = this.members.get(r.nick);
        if (m && m.inbox.length === 0 && typeof r.pseq === 'number')
          m.inboxSeq = Math.max(m.inboxSeq, r.pseq);
        break;
      }
      case 'msg': {
        const room = this.rooms.get(r.room) ?? { name: r.room, seq: 0, history: [], total: 0 };
        this.rooms.set(r.room, room);
        if (r.seq !== room.seq + 1) return; // a record out of order can only come from a damaged file
        this.applyRoomMessage(room, {
          t: 'msg',
          room: r.room,
          seq: r.seq,
          id: r.id,
          from: r.from,
          text: r.text,
          at: r.at,
        });
        const from = this.members.get(r.from);
        if (from) this.remember(from, r.id, { room: r.room, seq: r.seq, at: r.at });
        break;
      }
      case 'pm': {
        const to = this.members.get(r.to);
        if (!to || r.pseq !== to.inboxSeq + 1) return;
        this.applyPrivateMessage(to, {
          t: 'pm',
          pseq: r.pseq,
          id: r.id,
          from: r.from,
          to: r.to,
          text: r.text,
          at: r.at,
        });
        const from = this.members.get(r.from);
        if (from) this.remember(from, r.id, { to: r.to, pseq: r.pseq, at: r.at });
        break;
      }
      default:
        break;
    }
  }
}
