// One chat server session: accepts protocol clients (JSON lines, docs/chat-protocol.md) and plain text
// clients (nc, the seed's Python client) on one port, optionally over TLS. It assigns sequence numbers,
// acks and stores messages (ServerState), relays file transfers, enforces every limit, and never lets one
// client's bad bytes disturb another. It knows nothing of discovery or of the UI: it emits ChatEvents.
import { createServer as createTcpServer, type Server, type Socket } from 'node:net';
import { createServer as createTlsServer } from 'node:tls';
import { randomBytes } from 'node:crypto';
import { CHAT_DEFAULTS, type ChatEvent, type HostClient, type HostInfo } from '../../../shared/contract/chat';
import type { ErrorCode } from '../../../shared/errors';
import { TypedEmitter } from '../common/emitter';
import { EngineError, toEngineError } from '../common/errors';
import { IdSequence } from '../common/ids';
import { closeServer, listen } from '../common/net';
import type { FsyncPolicy } from './append-log';
import { FileRelay } from './file-relay';
import { LineFramer } from './framing';
import { costsToken, firstNonSpace, looksLikeFrame, plainLine, plainText } from './plain-text';
import {
  PROTOCOL_VERSION,
  encodeFrame,
  parseClientFrame,
  type ClientFrame,
  type ServerFrame,
  type WireLimits,
  type WireRoomMessage,
} from './protocol';
import { ServerState, type MemberRecord, type RoomRecord } from './server-state';
import { TokenBucket } from './token-bucket';

export interface ChatServerOptions {
  name: string;
  host: string;
  port: number;
  /** PEM pair: the server speaks TLS only when given. */
  tls?: { certPem: string; keyPem: string; fingerprint256: string };
  password?: string;
  /** Directory for the history log; undefined keeps history in memory only. */
  dataDir?: string;
  defaultRoom: string;
  maxFrameBytes: number;
  maxMessageChars: number;
  historyOnJoin: number;
  historyKeep: number;
  maxBatch: number;
  inboxKeep: number;
  maxClients: number;
  maxRooms: number;
  rateLimitPerSec: number;
  rateLimitBurst: number;
  floodDisconnectAfter: number;
  maxQueuedBytes: number;
  quietGapMs: number;
  helloTimeoutMs: number;
  plainDetectMs: number;
  fsync: FsyncPolicy;
  fsyncIntervalMs: number;
  maxFileBytes: number;
  fileChunkBytes: number;
  /** File offers one member may have open (offered or transferring) at once. */
  maxOpenTransfers: number;
  /** A history log larger than this at start-up is compacted to what the server keeps. */
  compactAboveBytes: number;
  /** Older history on disk: index entry every this many messages of a room... */
  historyIndexStride: number;
  /** ...or when the room's previous entry is this many log bytes back. */
  historyIndexBytes: number;
  /** Log bytes one older-history request reads at most. */
  historyScanBytes: number;
  /** Bytes per read() of such a scan. */
  historyReadChunkBytes: number;
  /** Older-history requests of one connection waiting for the disk; beyond, CHAT_RATE_LIMITED. */
  historyQueuedRequests: number;
}

export const CHAT_SERVER_DEFAULTS: Omit<ChatServerOptions, 'port' | 'name'> = {
  host: CHAT_DEFAULTS.hostBind,
  defaultRoom: CHAT_DEFAULTS.defaultRoom,
  maxFrameBytes: CHAT_DEFAULTS.maxFrameBytes,
  maxMessageChars: CHAT_DEFAULTS.maxMessageChars,
  historyOnJoin: CHAT_DEFAULTS.historyOnJoin,
  historyKeep: CHAT_DEFAULTS.historyKeep,
  maxBatch: CHAT_DEFAULTS.maxBatch,
  inboxKeep: CHAT_DEFAULTS.inboxKeep,
  maxClients: CHAT_DEFAULTS.maxClients,
  maxRooms: CHAT_DEFAULTS.maxRooms,
  rateLimitPerSec: CHAT_DEFAULTS.rateLimitPerSec,
  rateLimitBurst: CHAT_DEFAULTS.rateLimitBurst,
  floodDisconnectAfter: CHAT_DEFAULTS.floodDisconnectAfter,
  maxQueuedBytes: CHAT_DEFAULTS.maxQueuedBytes,
  quietGapMs: CHAT_DEFAULTS.quietGapMs,
  helloTimeoutMs: CHAT_DEFAULTS.helloTimeoutMs,
  plainDetectMs: CHAT_DEFAULTS.plainDetectMs,
  fsync: CHAT_DEFAULTS.fsync,
  fsyncIntervalMs: CHAT_DEFAULTS.fsyncIntervalMs,
  maxFileBytes: CHAT_DEFAULTS.maxFileBytes,
  fileChunkBytes: CHAT_DEFAULTS.fileChunkBytes,
  maxOpenTransfers: CHAT_DEFAULTS.maxOpenTransfers,
  compactAboveBytes: CHAT_DEFAULTS.compactAboveBytes,
  historyIndexStride: CHAT_DEFAULTS.historyIndexStride,
  historyIndexBytes: CHAT_DEFAULTS.historyIndexBytes,
  historyScanBytes: CHAT_DEFAULTS.historyScanBytes,
  historyReadChunkBytes: CHAT_DEFAULTS.historyReadChunkBytes,
  historyQueuedRequests: CHAT_DEFAULTS.historyQueuedRequests,
};

type Mode = 'detect' | 'plain' | 'proto';
type CloseReason =
  'remote' | 'kicked' | 'server-stopped' | 'error' | 'limit' | 'protocol' | 'slow' | 'replaced' | 'flood';

interface Conn {
  id: string;
  socket: Socket;
  mode: Mode;
  framer: LineFramer;
  member?: MemberRecord;
  rooms: Set<string>;
  bucket: TokenBucket;
  /** Complete lines waiting for rate-limit tokens; while any wait, the socket is paused. */
  lines: string[];
  throttled: boolean;
  quietTimer?: NodeJS.Timeout;
  helloTimer?: NodeJS.Timeout;
  address: string;
  connectedAt: number;
  closeReason?: CloseReason;
  closing: boolean;
  /** The first bytes of an undecided connection: a protocol client's hello may arrive in pieces. */
  head: string;
  /** Older-history requests are answered one after another (each may read the log): the tail of that chain. */
  older: Promise<void>;
  olderQueued: number;
}

const PLAIN_ID_PREFIX = 'plain-';
/** `,"messages":[]` (or `history`) plus the newline: what a frame adds around its list of messages. */
const FRAME_ARRAY_OVERHEAD = 16;

export class ChatServer extends TypedEmitter<ChatEvent> {
  readonly session: string;
  readonly options: ChatServerOptions;
  private readonly server: Server;
  private readonly state: ServerState;
  private readonly conns = new Map<string, Conn>();
  /** Online connections per room name. */
  private readonly online = new Map<string, Set<Conn>>();
  private readonly byNick = new Map<string, Conn>();
  private readonly relay: FileRelay<Conn>;
  private readonly connIds = new IdSequence('c');
  /** Ids for plain clients' messages: unique across restarts, since the history outlives the process. */
  private readonly plainIds = new IdSequence(`${PLAIN_ID_PREFIX}${Date.now().toString(36)}-`);
  private guestCounter = 0;
  private lifecycle: 'new' | 'starting' | 'listening' | 'stopped' = 'new';
  private startPromise?: Promise<HostInfo>;
  private closePromise?: Promise<void>;
  private bound = { host: '', port: 0 };
  private startedAt = 0;
  private readonly limits: WireLimits;

  constructor(session: string, options: Partial<ChatServerOptions> & { port: number; name: string }) {
    super();
    this.session = session;
    this.options = { ...CHAT_SERVER_DEFAULTS, ...options };
    const o = this.options;
    this.state = new ServerState({
      logPath: o.dataDir ? `${o.dataDir}/history.jsonl` : undefined,
      fsync: o.fsync,
      fsyncIntervalMs: o.fsyncIntervalMs,
      historyKeep: o.historyKeep,
      inboxKeep: o.inboxKeep,
      dedupeKeep: Math.max(1000, o.historyKeep),
      compactAboveBytes: o.compactAboveBytes,
      historyIndexStride: o.historyIndexStride,
      historyIndexBytes: o.historyIndexBytes,
      historyScanBytes: o.historyScanBytes,
      historyReadChunkBytes: o.historyReadChunkBytes,
    });
    this.relay = new FileRelay<Conn>(
      {
        byNick: (nick) => this.byNick.get(nick),
        speaksProtocol: (c) => c.mode === 'proto',
        socket: (c) => c.socket,
        send: (c, frame) => this.sendChecked(c, frame),
      },
      { maxFileBytes: o.maxFileBytes, maxOpenTransfers: o.maxOpenTransfers },
    );
    this.limits = {
      maxFrameBytes: o.maxFrameBytes,
      maxMessageChars: o.maxMessageChars,
      rateLimitPerSec: o.rateLimitPerSec,
      rateLimitBurst: o.rateLimitBurst,
      maxFileBytes: o.maxFileBytes,
      fileChunkBytes: o.fileChunkBytes,
    };
    const onSocket = (socket: Socket) => this.onConnection(socket);
    this.server = o.tls
      ? createTlsServer({ cert: o.tls.certPem, key: o.tls.keyPem, minVersion: 'TLSv1.2' }, onSocket)
      : createTcpServer({ noDelay: true }, onSocket);
    this.server.on('error', (err) => this.emitError(err));
    // A client that fails the TLS handshake is its problem, not the server's.
    this.server.on('tlsClientError', () => undefined);
  }

  start(): Promise<HostInfo> {
    this.startPromise ??= (async () => {
      this.lifecycle = 'starting';
      try {
        this.state.load();
        this.bound = await listen(this.server, this.options.port, this.options.host);
      } catch (err) {
        this.lifecycle = 'stopped';
        this.state.close();
        throw toEngineError(err);
      }
      this.lifecycle = 'listening';
      this.startedAt = Date.now();
      const info = this.info();
      this.emit({ engine: 'chat', type: 'host.started', session: this.session, at: Date.now(), info });
      return info;
    })();
    return this.startPromise;
  }

  get port(): number {
    return this.bound.port;
  }

  get fingerprint(): string | undefined {
    return this.options.tls?.fingerprint256;
  }

  get loadReport() {
    return { ...this.state.loadReport, compacted: this.state.compacted };
  }

  info(discovery = false): HostInfo {
    return {
      session: this.session,
      name: this.options.name,
      host: this.bound.host || this.options.host,
      port: this.bound.port,
      tls: Boolean(this.options.tls),
      fingerprint: this.options.tls?.fingerprint256,
      passwordProtected: Boolean(this.options.password),
      discovery,
      state: this.lifecycle === 'listening' ? 'listening' : 'stopped',
      startedAt: this.startedAt,
      clients: [...this.conns.values()].filter((c) => c.member).map((c) => this.clientInfo(c)),
      rooms: [...this.state.rooms.values()].map((r) => ({
        name: r.name,
        members: this.online.get(r.name)?.size ?? 0,
        lastSeq: r.seq,
      })),
      historyMessages: this.state.messageCount,
      historyBytes: this.state.historyBytes,
    };
  }

  get clientCount(): number {
    return this.conns.size;
  }

  kick(nick: string): void {
    const c = this.byNick.get(nick);
    if (!c) throw new EngineError('NOT_FOUND', `${nick} is not connected to ${this.options.name}`);
    this.fatal(c, 'CHAT_KICKED', 'kicked by the server operator', 'kicked');
  }

  close(): Promise<void> {
    this.closePromise ??= (async () => {
      const wasRunning = this.lifecycle === 'listening' || this.lifecycle === 'starting';
      if (this.startPromise) await this.startPromise.catch(() => undefined);
      this.lifecycle = 'stopped';
      const closed = closeServer(this.server);
      const gone: Promise<unknown>[] = [];
      for (const c of this.conns.values()) {
        c.closeReason ??= 'server-stopped';
        gone.push(new Promise((r) => c.socket.once('close', r)));
        c.socket.destroy();
      }
      await Promise.all([closed, ...gone]);
      this.state.close();
      if (wasRunning)
        this.emit({ engine: 'chat', type: 'host.stopped', session: this.session, at: Date.now() });
    })();
    return this.closePromise;
  }

  // ---- connections -------------------------------------------------------------------------------

  private onConnection(socket: Socket): void {
    if (this.lifecycle !== 'listening') {
      socket.destroy();
      return;
    }
    socket.setNoDelay(true);
    // Members whose machine vanished (no FIN) are noticed by TCP keepalive, so presence does not lie forever.
    socket.setKeepAlive(true, 30_000);
    const conn: Conn = {
      id: this.connIds.next(),
      socket,
      mode: 'detect',
      framer: new LineFramer(this.options.maxFrameBytes),
      rooms: new Set(),
      bucket: new TokenBucket(this.options.rateLimitPerSec, this.options.rateLimitBurst),
      lines: [],
      throttled: false,
      address: `${socket.remoteAddress ?? '?'}:${socket.remotePort ?? 0}`,
      connectedAt: Date.now(),
      closing: false,
      head: '',
      older: Promise.resolve(),
      olderQueued: 0,
    };
    socket.on('error', () => {
      conn.closeReason ??= 'error';
    });
    socket.on('close', () => this.onClose(conn));
    if (this.conns.size >= this.options.maxClients) {
      // One line both kinds of client understand, then goodbye.
      socket.end(
        encodeFrame({
          t: 'error',
          code: 'CHAT_SERVER_FULL',
          message: `maxClients (${this.options.maxClients}) reached`,
          fatal: true,
        }),
      );
      setTimeout(() => socket.destroy(), 1000).unref();
      this.emit({
        engine: 'chat',
        type: 'host.error',
        session: this.session,
        at: Date.now(),
        code: 'CHAT_SERVER_FULL',
        message: `refused ${conn.address}: maxClients reached`,
      });
      return;
    }
    this.conns.set(conn.id, conn);
    // Protocol clients say hello at once; a connection that stays silent is a person with nc or the
    // seed's client waiting to read, so it becomes a plain text member without having to type first.
    conn.helloTimer = setTimeout(() => {
      if (conn.mode === 'detect' && conn.framer.pendingBytes === 0) this.becomePlain(conn);
    }, this.options.plainDetectMs);
    conn.helloTimer.unref();
    socket.on('data', (chunk: Buffer) => this.onData(conn, chunk));
  }

  private onData(conn: Conn, chunk: Buffer): void {
    if (conn.closing) return;
    if (conn.mode === 'detect' && conn.framer.pendingBytes === 0) {
      const first = firstNonSpace(chunk);
      if (first === -1) return;
      if (first !== 0x7b /* { */) this.becomePlain(conn);
      else {
        conn.head = chunk.toString('utf8', 0, Math.min(chunk.length, 32));
        clearTimeout(conn.helloTimer);
        conn.helloTimer = setTimeout(
          () =>
            this.fatal(
              conn,
              'CHAT_HELLO_REQUIRED',
              `no complete hello within ${this.options.helloTimeoutMs} ms`,
              'protocol',
            ),
          this.options.helloTimeoutMs,
        );
        conn.helloTimer.unref();
      }
    }
    const ok = conn.framer.push(chunk, (line) => conn.lines.push(line));
    if (!ok) {
      this.fatal(
        conn,
        'CHAT_FRAME_TOO_LARGE',
        `a frame passed ${this.options.maxFrameBytes} bytes before its newline`,
        'protocol',
      );
      return;
    }
    this.drain(conn);
    if (
      conn.framer.pendingBytes > 0 &&
      (conn.mode === 'plain' || (conn.mode === 'detect' && !looksLikeFrame(conn.head)))
    )
      this.armQuietGap(conn);
  }

  /** Plain clients (and undecided ones) end a message with silence as well as with a newline. */
  private armQuietGap(conn: Conn): void {
    if (conn.quietTimer) clearTimeout(conn.quietTimer);
    conn.quietTimer = setTimeout(() => {
      conn.quietTimer = undefined;
      const text = conn.framer.flush();
      if (text === undefined || conn.closing) return;
      if (conn.mode === 'detect') this.becomePlain(conn);
      conn.lines.push(text);
      this.drain(conn);
    }, this.options.quietGapMs);
  }

  /**
   * Handles queued lines as far as the rate limit allows. Over the limit the connection is paused, not
   * answered frame by frame: nothing is dropped, order is kept, and a flooder only slows itself down.
   */
  private drain(conn: Conn): void {
    let i = 0;
    while (i < conn.lines.length && !conn.closing) {
      const line = conn.lines[i]!;
      if (conn.mode !== 'detect' && costsToken(line) && !conn.bucket.take()) {
        conn.lines.splice(0, i);
        if (conn.lines.length > this.options.floodDisconnectAfter) {
          this.fatal(
            conn,
            'CHAT_RATE_LIMITED',
            `${conn.lines.length} frames waiting over the rate limit`,
            'flood',
          );
          return;
        }
        if (!conn.throttled) {
          conn.throttled = true;
          conn.socket.pause();
          this.send(conn, {
            t: 'error',
            code: 'CHAT_RATE_LIMITED',
            message: `over ${this.options.rateLimitPerSec} frames/s; reading paused`,
            retryAfterMs: conn.bucket.msUntilToken(),
          });
          const resume = () => {
            conn.throttled = false;
            if (conn.closing) return;
            this.drain(conn);
            if (!conn.throttled) conn.socket.resume();
          };
          setTimeout(resume, Math.max(1, conn.bucket.msUntilToken())).unref();
        }
        return;
      }
      i += 1;
      this.onLine(conn, line);
    }
    conn.lines.length = 0;
  }

  private onLine(conn: Conn, line: string): void {
    if (conn.mode === 'plain') {
      this.onPlainText(conn, line);
      return;
    }
    if (conn.mode === 'detect') {
      const parsed = parseClientFrame(line);
      if (!parsed.ok && parsed.code === 'CHAT_BAD_FRAME' && !looksLikeFrame(line)) {
        // Text that merely starts with "{": a person typing, not a program speaking the protocol.
        this.becomePlain(conn);
        this.onPlainText(conn, line);
        return;
      }
      if (!parsed.ok) {
        this.fatal(conn, parsed.code, parsed.message, 'protocol');
        return;
      }
      if (parsed.frame.t !== 'hello') {
        this.fatal(conn, 'CHAT_HELLO_REQUIRED', `first frame was "${parsed.frame.t}"`, 'protocol');
        return;
      }
      this.onHello(conn, parsed.frame);
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

  private onHello(conn: Conn, f: Extract<ClientFrame, { t: 'hello' }>): void {
    clearTimeout(conn.helloTimer);
    if (f.v !== PROTOCOL_VERSION)
      return this.fatal(
        conn,
        'CHAT_VERSION',
        `server speaks v${PROTOCOL_VERSION}, client v${f.v}`,
        'protocol',
      );
    if (this.options.password !== undefined && f.password !== this.options.password)
      return this.fatal(conn, 'CHAT_AUTH_FAILED', 'wrong or missing password', 'protocol');
    let member = this.state.member(f.nick);
    if (member && member.identity !== f.identity)
      return this.fatal(
        conn,
        'CHAT_NICK_TAKEN',
        `${f.nick} belongs to someone else on this server`,
        'protocol',
      );
    const previous = this.byNick.get(f.nick);
    if (previous && previous !== conn) {
      // The same person reconnecting before the server noticed the old connection died.
      this.fatal(
        previous,
        'CHAT_NICK_TAKEN',
        'replaced by a new connection with the same identity',
        'replaced',
      );
      this.detach(previous);
    }
    member ??= this.state.registerMember(f.nick, f.identity, false);
    conn.member = member;
    conn.mode = 'proto';
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
    if (f.inboxAfter !== undefined) this.sendInbox(conn, f.inboxAfter);
    else if (member.inbox.length > 0) this.sendInbox(conn, 0);
    this.emitClient(conn, 'connected');
  }

  private becomePlain(conn: Conn): void {
    if (conn.mode !== 'detect') return;
    clearTimeout(conn.helloTimer);
    conn.mode = 'plain';
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
    this.writeRaw(
      conn,
      `* welcome ${nick}, you are in #${room.name} with ${others} other${others === 1 ? '' : 's'}\n`,
    );
    this.joinRoom(conn, room, undefined);
    this.emitClient(conn, 'connected');
  }

  private onPlainText(conn: Conn, text: string): void {
    const trimmed = text.replace(/\r$/, '');
    if (trimmed.trim().length === 0 || !conn.member) return;
    if (trimmed.length > this.options.maxMessageChars) {
      this.writeRaw(
        conn,
        `* error LIMIT_EXCEEDED: message longer than ${this.options.maxMessageChars} characters\n`,
      );
      return;
    }
    const room = this.state.room(this.options.defaultRoom);
    if (!room || !conn.rooms.has(room.name)) return;
    this.postToRoom(conn, room, this.plainIds.next(), trimmed);
  }

  private onClose(conn: Conn): void {
    clearTimeout(conn.helloTimer);
    if (conn.quietTimer) clearTimeout(conn.quietTimer);
    this.conns.delete(conn.id);
    this.detach(conn);
    if (conn.member) {
      this.emitClient(conn, 'disconnected', conn.closeReason ?? 'remote');
      if (conn.member.guest && this.byNick.get(conn.member.nick) === undefined)
        this.state.forgetGuest(conn.member.nick);
    }
  }

  /** Takes a connection out of rooms and the nick table (once), announcing the departure. */
  private detach(conn: Conn): void {
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

  private onFrame(conn: Conn, f: ClientFrame): void {
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
        this.emitClient(conn, 'updated');
        return;
      }
      case 'rooms':
        return this.send(conn, {
          t: 'rooms',
          rooms: [...this.state.rooms.values()].map((r) => ({
            name: r.name,
            members: this.online.get(r.name)?.size ?? 0,
            lastSeq: r.seq,
          })),
        });
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
      case 'history': {
        const room = this.state.room(f.room);
        const ref = f.ref !== undefined ? { ref: f.ref } : {};
        if (!room) return this.send(conn, { t: 'history', room: f.room, messages: [], more: false, ...ref });
        const limit = Math.min(f.limit ?? this.options.maxBatch, this.options.maxBatch);
        if (f.after === undefined && f.before !== undefined)
          return this.sendFromLog(conn, room, 'newest', f.ref, () =>
            this.state.roomMessagesBefore(room, f.before!, limit),
          );
        // Catch-up (or a gap) reaching back past memory: read from the log, in order from after + 1.
        if (this.state.catchUpNeedsLog(room, f.after ?? 0))
          return this.sendFromLog(conn, room, 'oldest', f.ref, () =>
            this.state.roomMessagesAfterFromLog(room, f.after ?? 0, limit, f.before),
          );
        const r = this.state.roomMessagesAfter(room, f.after ?? 0, limit, f.before);
        const fit = this.fitMessages(r.messages, 'oldest', {
          t: 'history',
          room: f.room,
          more: true,
          ...ref,
        });
        return this.send(conn, {
          t: 'history',
          room: f.room,
          messages: fit.messages,
          more: r.more || fit.cut,
          ...ref,
        });
      }
      case 'inbox':
        return this.sendInbox(conn, f.after);
      case 'ping':
        return this.send(conn, { t: 'pong', id: f.id, at: Date.now() });
      default:
        return this.relay.handle(conn, member.nick, f);
    }
  }

  private onMessage(conn: Conn, member: MemberRecord, f: Extract<ClientFrame, { t: 'msg' }>): void {
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
      if (target.mode === 'plain') this.writeRaw(target, `[private] ${m.from}: ${plainText(m.text)}\n`);
      else this.send(target, m);
    });
  }

  private postToRoom(conn: Conn, room: RoomRecord, id: string, text: string): void {
    this.state.addRoomMessage(room, conn.member!, id, text, (m) => {
      if (conn.mode === 'proto') this.send(conn, { t: 'ack', id: m.id, at: m.at, room: m.room, seq: m.seq });
      this.broadcast(room.name, m, conn);
    });
  }

  // ---- rooms -------------------------------------------------------------------------------------

  private ensureRoom(name: string, asker?: Conn): RoomRecord | undefined {
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

  private joinRoom(conn: Conn, room: RoomRecord, after: number | undefined): void {
    const already = conn.rooms.has(room.name);
    conn.rooms.add(room.name);
    let set = this.online.get(room.name);
    if (!set) this.online.set(room.name, (set = new Set()));
    set.add(conn);
    const members = this.memberNicks(room.name);
    if (conn.mode === 'proto') {
      const h =
        after === undefined
          ? { messages: this.state.lastRoomMessages(room, this.options.historyOnJoin), more: false }
          : this.state.roomMessagesAfter(room, after, this.options.maxBatch);
      // Catch-up keeps its oldest part (the client asks for the rest); recent history on join its newest.
      const fit = this.fitMessages(h.messages, after === undefined ? 'newest' : 'oldest', {
        t: 'joined',
        room: room.name,
        members,
        lastSeq: room.seq,
        more: true,
      });
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
      this.emitClient(conn, 'updated');
    }
  }

  /**
   * A history answer that may read the log ("load earlier messages", or catch-up past memory) is sent
   * asynchronously — possibly after answers to later frames (the client matches older pages by `ref`,
   * and takes catch-up by sequence number). One connection's such requests run one at a time and only
   * a few may wait, so a client cannot make the server scan its log in parallel without bound.
   */
  private sendFromLog(
    conn: Conn,
    room: RoomRecord,
    keep: 'oldest' | 'newest',
    ref: string | undefined,
    read: () => Promise<{ messages: WireRoomMessage[]; more: boolean }>,
  ): void {
    const refField = ref !== undefined ? { ref } : {};
    if (conn.olderQueued >= this.options.historyQueuedRequests) {
      this.send(conn, {
        t: 'error',
        code: 'CHAT_RATE_LIMITED',
        message: `${conn.olderQueued} history requests already waiting`,
        ...refField,
      });
      return;
    }
    conn.olderQueued += 1;
    conn.older = conn.older.then(async () => {
      try {
        if (conn.closing || conn.socket.destroyed) return;
        const r = await read();
        const fit = this.fitMessages(r.messages, keep, {
          t: 'history',
          room: room.name,
          more: true,
          ...refField,
        });
        this.send(conn, {
          t: 'history',
          room: room.name,
          messages: fit.messages,
          more: r.more || fit.cut,
          ...refField,
        });
      } catch (err) {
        const e = toEngineError(err);
        this.send(conn, { t: 'error', code: e.code, message: e.message, ...refField });
      } finally {
        conn.olderQueued -= 1;
      }
    });
  }

  /**
   * Keeps as many messages as fit in one frame of maxFrameBytes (what clients accept), from the end that
   * matters: the oldest for catch-up (the client asks again after the last), the newest for older history
   * (the client asks again before the first). `cut`: some were left out. `rest`: the frame's other fields.
   */
  private fitMessages(
    messages: WireRoomMessage[],
    keep: 'oldest' | 'newest',
    rest: Record<string, unknown>,
  ): { messages: WireRoomMessage[]; cut: boolean } {
    // The other fields, the array's key and brackets, and the newline.
    let size = Buffer.byteLength(JSON.stringify(rest)) + FRAME_ARRAY_OVERHEAD;
    let n = 0;
    for (; n < messages.length; n++) {
      const m = messages[keep === 'oldest' ? n : messages.length - 1 - n]!;
      size += Buffer.byteLength(JSON.stringify(m)) + 1;
      if (size > this.options.maxFrameBytes) break;
    }
    if (n === messages.length) return { messages, cut: false };
    return {
      messages: keep === 'oldest' ? messages.slice(0, n) : messages.slice(messages.length - n),
      cut: true,
    };
  }

  private memberNicks(room: string): string[] {
    const set = this.online.get(room);
    return set ? [...set].map((c) => c.member!.nick) : [];
  }

  private sendInbox(conn: Conn, after: number): void {
    let cursor = after;
    for (;;) {
      const r = this.state.inboxAfter(conn.member!, cursor, this.options.maxBatch);
      this.send(conn, { t: 'inbox', messages: r.messages, more: r.more });
      if (!r.more || r.messages.length === 0) return;
      cursor = r.messages[r.messages.length - 1]!.pseq;
    }
  }

  // ---- output ------------------------------------------------------------------------------------

  /** Sends to every connection in a room except `except`; each frame is encoded once per kind of client. */
  private broadcast(room: string, frame: ServerFrame, except: Conn | undefined): void {
    const set = this.online.get(room);
    if (!set || set.size === 0) return;
    let line: string | undefined;
    let plain: string | undefined | null;
    for (const c of set) {
      if (c === except || c.closing) continue;
      if (c.mode === 'plain') {
        if (plain === undefined) plain = plainLine(frame);
        if (plain) this.writeRaw(c, plain);
      } else {
        line ??= encodeFrame(frame);
        this.writeRaw(c, line);
      }
    }
  }

  private send(conn: Conn, frame: ServerFrame): void {
    this.sendChecked(conn, frame);
  }

  /** Returns false when the socket asked us to wait (backpressure). */
  private sendChecked(conn: Conn, frame: ServerFrame): boolean {
    if (conn.mode === 'plain') {
      const text = frame.t === 'error' ? `* error ${frame.code}: ${frame.message}\n` : plainLine(frame);
      return text ? this.writeRaw(conn, text) : true;
    }
    return this.writeRaw(conn, encodeFrame(frame));
  }

  private writeRaw(conn: Conn, text: string): boolean {
    const s = conn.socket;
    if (conn.closing || s.destroyed || !s.writable) return true;
    const ok = s.write(text);
    if (s.writableLength > this.options.maxQueuedBytes) {
      // A reader this far behind would make us hold unbounded output; it reconnects and catches up by seq.
      conn.closeReason = 'slow';
      conn.closing = true;
      s.destroy();
    }
    return ok;
  }

  /** Sends a last error frame and closes the connection. */
  private fatal(conn: Conn, code: ErrorCode, message: string, reason: CloseReason): void {
    if (conn.closing) return;
    this.send(conn, { t: 'error', code, message, fatal: true });
    conn.closing = true;
    conn.closeReason ??= reason;
    clearTimeout(conn.helloTimer);
    conn.socket.end();
    // Give the error frame a moment to leave; a peer that does not close its side is cut off.
    setTimeout(() => conn.socket.destroy(), 2000).unref();
  }

  private clientInfo(c: Conn): HostClient {
    return {
      clientId: c.id,
      nick: c.member?.nick ?? '',
      address: c.address,
      plain: c.mode === 'plain',
      rooms: [...c.rooms],
      connectedAt: c.connectedAt,
    };
  }

  private emitClient(c: Conn, event: 'connected' | 'updated' | 'disconnected', reason?: string): void {
    this.emit({
      engine: 'chat',
      type: 'host.client',
      session: this.session,
      at: Date.now(),
      event,
      client: this.clientInfo(c),
      ...(reason ? { reason } : {}),
    });
  }

  private emitError(err: unknown): void {
    if (this.lifecycle !== 'listening') return;
    const e = toEngineError(err);
    this.emit({
      engine: 'chat',
      type: 'host.error',
      session: this.session,
      at: Date.now(),
      code: e.code,
      message: e.message,
    });
  }
}
