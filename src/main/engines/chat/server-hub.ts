// The chat server's protocol logic, without sockets: hello and identity, rooms and presence, messages
// with their acks, history answers, the inbox, plain text members. It works on connections that have
// a receiver (their mode) and a writer (their output), so every rule here can be exercised with fake
// writers; the server (server.ts) owns the sockets, timers and lifecycle and calls in.
import { randomBytes } from 'node:crypto';
import type { ErrorCode } from '../../../shared/errors';
import { IdSequence } from '../common/ids';
import type { FileFrame } from './file-relay';
import { plainText } from './plain-text';
import {
  PROTOCOL_VERSION,
  parseClientFrame,
  type ClientFrame,
  type ServerFrame,
  type WireLimits,
} from './protocol';
import { HistoryAnswers, fitMessages, type SerialChain } from './server-history';
import type { ChatServerOptions } from './server-options';
import { broadcastFrame, type FrameWriter } from './server-output';
import { classifyFirstLine, type ChatReceiver } from './server-receiver';
import type { MemberRecord, RoomRecord, ServerState } from './server-state';

export type CloseReason =
  'remote' | 'kicked' | 'server-stopped' | 'error' | 'limit' | 'protocol' | 'slow' | 'replaced' | 'flood';

/** What the hub needs of a connection. */
export interface HubConn {
  readonly id: string;
  readonly rx: ChatReceiver;
  readonly writer: FrameWriter;
  /** Older-history requests of this connection, answered one after another. */
  readonly history: SerialChain;
  member?: MemberRecord;
  readonly rooms: Set<string>;
  closeReason?: CloseReason;
}

/** What the hub asks of the server. */
export interface HubHooks {
  /** Sends a last error frame and closes the connection. */
  fatal(conn: HubConn, code: ErrorCode, message: string, reason: CloseReason): void;
  clientEvent(conn: HubConn, event: 'connected' | 'updated'): void;
  relayFile(conn: HubConn, nick: string, frame: FileFrame): void;
}

const PLAIN_ID_PREFIX = 'plain-';

export class ChatHub {
  /** Online connections per room name. */
  private readonly online = new Map<string, Set<HubConn>>();
  readonly byNick = new Map<string, HubConn>();
  /** Ids for plain clients' messages: unique across restarts, since the history outlives the process. */
  private readonly plainIds = new IdSequence(`${PLAIN_ID_PREFIX}${Date.now().toString(36)}-`);
  private guestCounter = 0;
  private readonly limits: WireLimits;
  private readonly history: HistoryAnswers;

  constructor(
    private readonly state: ServerState,
    private readonly options: ChatServerOptions,
    private readonly hooks: HubHooks,
  ) {
    this.history = new HistoryAnswers(state, options, (conn, frame) => conn.writer.send(frame));
    this.limits = {
      maxFrameBytes: options.maxFrameBytes,
      maxMessageChars: options.maxMessageChars,
      rateLimitPerSec: options.rateLimitPerSec,
      rateLimitBurst: options.rateLimitBurst,
      maxFileBytes: options.maxFileBytes,
      fileChunkBytes: options.fileChunkBytes,
    };
  }

  /** Connections online in `room`. */
  onlineCount(room: string): number {
    return this.online.get(room)?.size ?? 0;
  }

  rooms(): { name: string; members: number; lastSeq: number }[] {
    return [...this.state.rooms.values()].map((r) => ({
      name: r.name,
      members: this.onlineCount(r.name),
      lastSeq: r.seq,
    }));
  }

  /** One complete line from the connection's receiver. */
  line(conn: HubConn, line: string): void {
    if (conn.rx.mode === 'plain') {
      this.onPlainText(conn, line);
      return;
    }
    if (conn.rx.mode === 'detect') {
      const first = classifyFirstLine(line);
      if (first.kind === 'plain') {
        this.becomePlain(conn);
        this.onPlainText(conn, line);
      } else if (first.kind === 'fatal') this.hooks.fatal(conn, first.code, first.message, 'protocol');
      else this.onHello(conn, first.frame);
      return;
    }
    if (line.length === 0) return;
    const parsed = parseClientFrame(line);
    if (!parsed.ok) {
      this.send(conn, { t: 'error', code: parsed.code, message: parsed.message });
      return;
    }
    this.onFrame(conn, parsed.frame);
  }

  private onHello(conn: HubConn, f: Extract<ClientFrame, { t: 'hello' }>): void {
    conn.rx.clearHelloTimer();
    if (f.v !== PROTOCOL_VERSION)
      return this.hooks.fatal(
        conn,
        'CHAT_VERSION',
        `server speaks v${PROTOCOL_VERSION}, client v${f.v}`,
        'protocol',
      );
    if (this.options.password !== undefined && f.password !== this.options.password)
      return this.hooks.fatal(conn, 'CHAT_AUTH_FAILED', 'wrong or missing password', 'protocol');
    let member = this.state.member(f.nick);
    if (member && member.identity !== f.identity)
      return this.hooks.fatal(
        conn,
        'CHAT_NICK_TAKEN',
        `${f.nick} belongs to someone else on this server`,
        'protocol',
      );
    const previous = this.byNick.get(f.nick);
    if (previous && previous !== conn) {
      // The same person reconnecting before the server noticed the old connection died.
      this.hooks.fatal(
        previous,
        'CHAT_NICK_TAKEN',
        'replaced by a new connection with the same identity',
        'replaced',
      );
      this.detach(previous);
    }
    member ??= this.state.registerMember(f.nick, f.identity, false);
    conn.member = member;
    conn.rx.enterProtocol();
    this.byNick.set(f.nick, conn);
    this.send(conn, {
      t: 'welcome',
      v: PROTOCOL_VERSION,
      nick: f.nick,
      server: { name: this.options.name, tls: Boolean(this.options.tls) },
      limits: this.limits,
      inboxSeq: member.inboxSeq,
      rooms: [...this.state.rooms.keys()],
    });
    if (f.inboxAfter !== undefined) this.history.inbox(conn, f.inboxAfter);
    else if (member.inbox.length > 0) this.history.inbox(conn, 0);
    this.hooks.clientEvent(conn, 'connected');
  }

  /** Makes an undecided connection a plain text member (guest nick, default room). */
  becomePlain(conn: HubConn): void {
    if (!conn.rx.enterPlain()) return;
    let nick: string;
    do {
      this.guestCounter += 1;
      nick = `guest-${this.guestCounter}`;
    } while (this.state.member(nick) || this.byNick.has(nick));
    conn.member = this.state.registerMember(nick, randomBytes(16).toString('hex'), true);
    this.byNick.set(nick, conn);
    const room = this.ensureRoom(this.options.defaultRoom);
    if (!room) return;
    const others = this.online.get(room.name)?.size ?? 0;
    conn.writer.raw(
      `* welcome ${nick}, you are in #${room.name} with ${others} other${others === 1 ? '' : 's'}\n`,
    );
    this.joinRoom(conn, room, undefined);
    this.hooks.clientEvent(conn, 'connected');
  }

  private onPlainText(conn: HubConn, text: string): void {
    const trimmed = text.replace(/\r$/, '');
    if (trimmed.trim().length === 0 || !conn.member) return;
    if (trimmed.length > this.options.maxMessageChars) {
      conn.writer.raw(
        `* error LIMIT_EXCEEDED: message longer than ${this.options.maxMessageChars} characters\n`,
      );
      return;
    }
    const room = this.state.room(this.options.defaultRoom);
    if (!room || !conn.rooms.has(room.name)) return;
    this.postToRoom(conn, room, this.plainIds.next(), trimmed);
  }

  /** The connection closed: it leaves its rooms; a guest's nick is free again. */
  closed(conn: HubConn): void {
    this.detach(conn);
    if (conn.member?.guest && this.byNick.get(conn.member.nick) === undefined)
      this.state.forgetGuest(conn.member.nick);
  }

  /** Takes a connection out of rooms and the nick table (once), announcing the departure. */
  detach(conn: HubConn): void {
    if (conn.member && this.byNick.get(conn.member.nick) === conn) this.byNick.delete(conn.member.nick);
    for (const name of conn.rooms) {
      const set = this.online.get(name);
      set?.delete(conn);
      if (conn.member && set && !conn.closeReason?.startsWith('replaced')) {
        this.broadcast(
          name,
          {
            t: 'presence',
            room: name,
            nick: conn.member.nick,
            event: 'leave',
            members: this.memberNicks(name),
            at: Date.now(),
          },
          undefined,
        );
      }
    }
    conn.rooms.clear();
  }

  // ---- frames ------------------------------------------------------------------------------------

  private onFrame(conn: HubConn, f: ClientFrame): void {
    const member = conn.member!;
    switch (f.t) {
      case 'hello':
        return this.send(conn, { t: 'error', code: 'CHAT_BAD_FRAME', message: 'already said hello' });
      case 'join': {
        const room = this.state.room(f.room) ?? this.ensureRoom(f.room, conn);
        if (room) this.joinRoom(conn, room, f.after);
        return;
      }
      case 'leave': {
        if (!conn.rooms.has(f.room))
          return this.send(conn, { t: 'error', code: 'CHAT_NOT_IN_ROOM', message: `not in ${f.room}` });
        conn.rooms.delete(f.room);
        this.online.get(f.room)?.delete(conn);
        this.send(conn, { t: 'left', room: f.room });
        this.broadcast(
          f.room,
          {
            t: 'presence',
            room: f.room,
            nick: member.nick,
            event: 'leave',
            members: this.memberNicks(f.room),
            at: Date.now(),
          },
          undefined,
        );
        this.hooks.clientEvent(conn, 'updated');
        return;
      }
      case 'rooms':
        return this.send(conn, { t: 'rooms', rooms: this.rooms() });
      case 'who':
        return this.send(conn, { t: 'who', room: f.room, members: this.memberNicks(f.room) });
      case 'msg':
        return this.onMessage(conn, member, f);
      case 'typing':
        if (f.room && conn.rooms.has(f.room))
          this.broadcast(f.room, { t: 'typing', room: f.room, from: member.nick, on: f.on }, conn);
        else if (f.to) {
          const target = this.byNick.get(f.to);
          if (target) this.send(target, { t: 'typing', from: member.nick, on: f.on });
        }
        return;
      case 'history':
        return this.history.answer(conn, f);
      case 'inbox':
        return this.history.inbox(conn, f.after);
      case 'ping':
        return this.send(conn, { t: 'pong', id: f.id, at: Date.now() });
      default:
        return this.hooks.relayFile(conn, member.nick, f);
    }
  }

  private onMessage(conn: HubConn, member: MemberRecord, f: Extract<ClientFrame, { t: 'msg' }>): void {
    if ((f.room === undefined) === (f.to === undefined)) {
      return this.send(conn, {
        t: 'error',
        code: 'CHAT_BAD_FRAME',
        message: 'msg needs exactly one of room or to',
        ref: f.id,
      });
    }
    if (f.text.length > this.options.maxMessageChars) {
      return this.send(conn, {
        t: 'error',
        code: 'LIMIT_EXCEEDED',
        message: `text longer than ${this.options.maxMessageChars}`,
        ref: f.id,
      });
    }
    const seen = member.seen.get(f.id);
    if (seen) {
      this.state.afterWrites(() =>
        this.send(conn, {
          t: 'ack',
          id: f.id,
          at: seen.at,
          room: seen.room,
          seq: seen.seq,
          to: seen.to,
          pseq: seen.pseq,
          dup: true,
        }),
      );
      return;
    }
    if (f.room !== undefined) {
      const room = this.state.room(f.room);
      if (!room || !conn.rooms.has(f.room))
        return this.send(conn, {
          t: 'error',
          code: 'CHAT_NOT_IN_ROOM',
          message: `join ${f.room} first`,
          ref: f.id,
        });
      this.postToRoom(conn, room, f.id, f.text);
      return;
    }
    const to = this.state.member(f.to!);
    if (!to)
      return this.send(conn, {
        t: 'error',
        code: 'CHAT_NO_SUCH_USER',
        message: `${f.to} has never been here`,
        ref: f.id,
      });
    this.state.addPrivateMessage(member, to, f.id, f.text, (m) => {
      this.send(conn, { t: 'ack', id: m.id, at: m.at, to: m.to, pseq: m.pseq });
      const target = this.byNick.get(to.nick);
      if (!target) return;
      if (target.rx.mode === 'plain') target.writer.raw(`[private] ${m.from}: ${plainText(m.text)}\n`);
      else this.send(target, m);
    });
  }

  private postToRoom(conn: HubConn, room: RoomRecord, id: string, text: string): void {
    this.state.addRoomMessage(room, conn.member!, id, text, (m) => {
      if (conn.rx.mode === 'proto')
        this.send(conn, { t: 'ack', id: m.id, at: m.at, room: m.room, seq: m.seq });
      this.broadcast(room.name, m, conn);
    });
  }

  // ---- rooms -------------------------------------------------------------------------------------

  private ensureRoom(name: string, asker?: HubConn): RoomRecord | undefined {
    const existing = this.state.room(name);
    if (existing) return existing;
    if (this.state.rooms.size >= this.options.maxRooms) {
      if (asker)
        this.send(asker, {
          t: 'error',
          code: 'LIMIT_EXCEEDED',
          message: `maxRooms (${this.options.maxRooms}) reached`,
        });
      return undefined;
    }
    return this.state.createRoom(name);
  }

  private joinRoom(conn: HubConn, room: RoomRecord, after: number | undefined): void {
    const already = conn.rooms.has(room.name);
    conn.rooms.add(room.name);
    let set = this.online.get(room.name);
    if (!set) this.online.set(room.name, (set = new Set()));
    set.add(conn);
    const members = this.memberNicks(room.name);
    if (conn.rx.mode === 'proto') {
      const h =
        after === undefined
          ? { messages: this.state.lastRoomMessages(room, this.options.historyOnJoin), more: false }
          : this.state.roomMessagesAfter(room, after, this.options.maxBatch);
      // Catch-up keeps its oldest part (the client asks for the rest); recent history on join its newest.
      const fit = fitMessages(
        h.messages,
        after === undefined ? 'newest' : 'oldest',
        {
          t: 'joined',
          room: room.name,
          members,
          lastSeq: room.seq,
          more: true,
        },
        this.options.maxFrameBytes,
      );
      this.send(conn, {
        t: 'joined',
        room: room.name,
        members,
        history: fit.messages,
        lastSeq: room.seq,
        more: h.more || (after !== undefined && fit.cut),
      });
    }
    if (!already) {
      this.broadcast(
        room.name,
        { t: 'presence', room: room.name, nick: conn.member!.nick, event: 'join', members, at: Date.now() },
        conn,
      );
      this.hooks.clientEvent(conn, 'updated');
    }
  }

  private memberNicks(room: string): string[] {
    const set = this.online.get(room);
    return set ? [...set].map((c) => c.member!.nick) : [];
  }

  // ---- output ------------------------------------------------------------------------------------

  /** Sends to every connection in a room except `except`; each frame is encoded once per kind of client. */
  private broadcast(room: string, frame: ServerFrame, except: HubConn | undefined): void {
    const set = this.online.get(room);
    if (!set || set.size === 0) return;
    const targets: { writer: FrameWriter; mode: HubConn['rx']['mode'] }[] = [];
    for (const c of set) if (c !== except) targets.push({ writer: c.writer, mode: c.rx.mode });
    broadcastFrame(targets, frame);
  }

  send(conn: HubConn, frame: ServerFrame): void {
    conn.writer.send(frame);
  }
}
