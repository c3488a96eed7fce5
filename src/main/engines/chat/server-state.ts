// What a chat server remembers: members (nickname ↔ identity), rooms with their sequence numbers and
// recent history, private-message inboxes for offline delivery, and the message ids already seen (to drop
// resent duplicates). Everything that must survive a restart goes through the append log first.
// It knows nothing of sockets: the server asks it to record things and gets back what to send.
// Memory holds the last historyKeep messages of a room; older ones are found in the log through a sparse
// per-room index of (seq, byte offset) entries and read back asynchronously (roomMessagesBefore).
import { CHAT_DEFAULTS } from '../../../shared/contract/chat';
import type { WirePrivateMessage, WireRoomMessage } from './protocol';
import { AppendLog, type FsyncPolicy, type LoadReport } from '../common/append-log';
import { addIndexEntry, lastEntryAtOrBefore, type RoomIndex } from './history-index';

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
  /** Index entry every this many messages of a room (default CHAT_DEFAULTS.historyIndexStride). */
  historyIndexStride?: number;
  /** ...or when the room's last entry is this many log bytes back (CHAT_DEFAULTS.historyIndexBytes). */
  historyIndexBytes?: number;
  /** Log bytes one roomMessagesBefore() reads at most (CHAT_DEFAULTS.historyScanBytes). */
  historyScanBytes?: number;
  /** Bytes per read() of such a scan (CHAT_DEFAULTS.historyReadChunkBytes). */
  historyReadChunkBytes?: number;
}

/**
 * A record's line is at most one message of maxMessageChars (JSON-escaped) plus a few fields: far below
 * this. Only matters for a damaged log, where it bounds how far a stretch is read past its expected end.
 */
const RECORD_SLACK_BYTES = 1024 * 1024;

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
type MsgRecord = Extract<LogRecord, { k: 'msg' }>;

export class ServerState {
  readonly members = new Map<string, MemberRecord>();
  readonly rooms = new Map<string, RoomRecord>();
  private readonly log?: AppendLog;
  private readonly index = new Map<string, RoomIndex>();
  private readonly indexStride: number;
  private readonly indexBytes: number;
  private readonly scanBytes: number;
  private readonly readChunkBytes: number;
  loadReport: LoadReport = { records: 0, skipped: 0, tornBytes: 0 };
  messageCount = 0;
  /** Set when load() compacted the log: its size before and after. */
  compacted?: { before: number; after: number };

  constructor(private readonly options: ServerStateOptions) {
    this.indexStride = Math.max(1, options.historyIndexStride ?? CHAT_DEFAULTS.historyIndexStride);
    this.indexBytes = Math.max(1, options.historyIndexBytes ?? CHAT_DEFAULTS.historyIndexBytes);
    this.scanBytes = Math.max(1, options.historyScanBytes ?? CHAT_DEFAULTS.historyScanBytes);
    this.readChunkBytes = Math.max(
      1024,
      options.historyReadChunkBytes ?? CHAT_DEFAULTS.historyReadChunkBytes,
    );
    if (options.logPath)
      this.log = new AppendLog(options.logPath, {
        fsync: options.fsync,
        fsyncIntervalMs: options.fsyncIntervalMs,
      });
  }

  load(): void {
    if (!this.log) return;
    this.loadReport = this.log.load((r, offset) => this.replay(r as LogRecord, offset));
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
    const offsets = this.log!.rewrite(records);
    this.compacted = { before, after: this.log!.bytes };
    // Every offset changed, and the log now holds only what memory holds: index the new file from scratch.
    this.index.clear();
    records.forEach((r, i) => {
      if (r.k === 'msg') this.track(r.room, r.seq, offsets[i]!);
    });
  }

  get historyBytes(): number {
    return this.log?.bytes ?? 0;
  }

  close(): void {
    this.log?.close();
  }

  /** Runs `after` once everything recorded so far is written (at once without a log); returns the offset. */
  private persist(record: LogRecord, after: () => void): number | undefined {
    if (this.log) return this.log.append(record, after);
    queueMicrotask(after);
    return undefined;
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
    const offset = this.persist(
      { k: 'msg', room: m.room, seq: m.seq, id, from: m.from, text, at: m.at },
      () => after(m),
    );
    if (offset !== undefined) this.track(m.room, m.seq, offset);
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
    const from = Math.max(0, after + 1 - memFirst(room));
    const all = h.slice(from).filter((m) => m.seq < before);
    return { messages: all.slice(0, limit), more: all.length > limit };
  }

  /** Whether a catch-up after `after` needs messages older than memory holds (and the log may have them). */
  catchUpNeedsLog(room: RoomRecord, after: number): boolean {
    const first = memFirst(room);
    return this.log !== undefined && after + 1 < first && first > this.oldestSeq(room);
  }

  /**
   * Catch-up beyond memory: messages after `after`, ascending and contiguous from after + 1, read from the
   * log up to where memory starts (the caller asks again from the last one). What the log cannot give
   * contiguously (damaged, or compacted away) is left out, and the client reports that gap once.
   */
  async roomMessagesAfterFromLog(
    room: RoomRecord,
    after: number,
    limit: number,
    before = Number.POSITIVE_INFINITY,
  ): Promise<{ messages: WireRoomMessage[]; more: boolean }> {
    const lo = Math.max(after + 1, this.oldestSeq(room));
    const hi = Math.min(lo + limit - 1, memFirst(room) - 1, before - 1);
    if (!this.log || hi < lo) return this.roomMessagesAfter(room, after, limit, before);
    const disk = await this.readRoomRange(room.name, lo, hi);
    // Only a run that starts right after `after` is of use to a client that accepts strictly in order.
    const usable = disk.messages[0]?.seq === lo ? disk.messages : [];
    if (usable.length === 0) return this.roomMessagesAfter(room, after, limit, before);
    const last = usable.at(-1)!.seq;
    return { messages: usable, more: last < Math.min(room.seq, before - 1) };
  }

  /** Oldest sequence number of the room the server can still serve (room.seq + 1 when it has none). */
  oldestSeq(room: RoomRecord): number {
    const indexed = this.log ? this.index.get(room.name)?.first : undefined;
    return indexed ?? memFirst(room);
  }

  /**
   * "Load earlier messages": up to `limit` messages immediately before `before`, ascending and contiguous,
   * from memory when it has them, else from the log (seek through the index, scan forward). `more`: older
   * ones still exist. A request reads at most historyScanBytes of log (plus one stretch); when that is hit
   * it answers with the part right before `before` it has and more=true, so the caller can page on.
   */
  async roomMessagesBefore(
    room: RoomRecord,
    before: number,
    limit: number,
  ): Promise<{ messages: WireRoomMessage[]; more: boolean }> {
    const end = Math.min(before - 1, room.seq);
    const oldest = this.oldestSeq(room);
    if (limit < 1 || end < oldest) return { messages: [], more: false };
    const start = Math.max(oldest, end - limit + 1);
    // Taken now, before any await: memory moves on while the log is read.
    const h = room.history;
    const first = memFirst(room);
    const memFrom = Math.max(start, first);
    const fromMemory = memFrom <= end ? h.slice(memFrom - first, end - first + 1) : [];
    if (start >= first || !this.log)
      return { messages: fromMemory, more: (fromMemory[0]?.seq ?? oldest) > oldest };
    const disk = await this.readRoomRange(room.name, start, Math.min(end, first - 1));
    const messages = [...disk.messages, ...fromMemory];
    if (disk.broken || messages.length === 0) return { messages, more: false };
    return { messages, more: messages[0]!.seq > oldest };
  }

  /**
   * Reads messages lo..hi of a room from the log, newest stretch first (stretch = from one index entry to
   * the next), so whatever it returns ends at hi. Stops starting stretches once historyScanBytes are read.
   * `broken`: the log did not hold what the index says (damaged or replaced underneath): give up quietly.
   */
  private async readRoomRange(
    name: string,
    lo: number,
    hi: number,
  ): Promise<{ messages: WireRoomMessage[]; broken: boolean }> {
    const log = this.log!;
    const entries = this.index.get(name)?.entries ?? [];
    // Only msg records of this room contain this (JSON.stringify writes no spaces, and a quote inside a
    // text is escaped, so a message cannot forge it); it lets the scan skip other rooms without parsing.
    const needle = Buffer.from(`"room":${JSON.stringify(name)},`);
    const stretches: WireRoomMessage[][] = [];
    let k = lastEntryAtOrBefore(entries, hi);
    let cur = hi;
    let spent = 0;
    while (cur >= lo) {
      if (k < 0) return { messages: stretches.reverse().flat(), broken: true };
      if (spent >= this.scanBytes) break;
      const entry = entries[k]!;
      const from = Math.max(lo, entry.seq);
      // Everything of this stretch lies before the next entry, and within indexBytes of this one.
      const next = entries[k + 1];
      const limitAt = Math.min(
        next ? next.offset : Number.POSITIVE_INFINITY,
        entry.offset + this.indexBytes + RECORD_SLACK_BYTES,
      );
      const found: WireRoomMessage[] = [];
      let expect = entry.seq;
      const r = await log.readFrom(
        entry.offset,
        { maxBytes: Math.max(1, limitAt - entry.offset), chunkBytes: this.readChunkBytes, contains: needle },
        (rec) => {
          const m = rec as Partial<MsgRecord>;
          // Following the chain seq by seq in log order skips anything a damaged stretch left behind.
          if (m.k !== 'msg' || m.room !== name || m.seq !== expect) return true;
          if (expect >= from)
            found.push({
              t: 'msg',
              room: name,
              seq: m.seq,
              id: String(m.id),
              from: String(m.from),
              text: String(m.text),
              at: Number(m.at),
            });
          expect += 1;
          return expect <= cur;
        },
      );
      spent += r.bytesRead;
      if (expect <= cur) return { messages: stretches.reverse().flat(), broken: true };
      stretches.push(found);
      cur = from - 1;
      k -= 1;
    }
    return { messages: stretches.reverse().flat(), broken: false };
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

  /** Adds a message's log offset to its room's index when the stride or the byte distance says so. */
  private track(room: string, seq: number, offset: number): void {
    let ix = this.index.get(room);
    if (!ix) this.index.set(room, (ix = { entries: [], first: seq }));
    addIndexEntry(ix, seq, offset, this.indexStride, this.indexBytes);
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

  private replay(r: LogRecord, offset: number): void {
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
        this.track(r.room, r.seq, offset);
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

/** The oldest sequence number held in memory (room.seq + 1 when none is): memory is contiguous up to room.seq. */
function memFirst(room: RoomRecord): number {
  return room.history[0]?.seq ?? room.seq + 1;
}
