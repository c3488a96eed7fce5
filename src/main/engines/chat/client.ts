// One chat client session: a member of one chat server. It owns the "nothing lost" half of the protocol:
// every message gets an id and stays in the outbox (and the on-disk log) until the server acks it; a lost
// connection is retried with backoff and the outbox resent (the server drops duplicates by id); room
// messages are accepted strictly in sequence order and a gap is fetched before anything after it is shown.
// TLS servers are pinned on first use; a changed certificate stops the client with CHAT_CERT_CHANGED.
import { connect as netConnect, isIP, type Socket } from 'node:net';
import { connect as tlsConnect, type TLSSocket } from 'node:tls';
import { randomBytes } from 'node:crypto';
import {
  CHAT_DEFAULTS,
  type ChatClientInfo,
  type ChatClientState,
  type ChatEvent,
  type ChatMessage,
  type FileTransferInfo,
  type RoomSummary,
} from '../../../shared/contract/chat';
import { isErrorCode, type ErrorCode } from '../../../shared/errors';
import { TypedEmitter } from '../common/emitter';
import { EngineError, toEngineError } from '../common/errors';
import { connectLookup } from '../common/resolve';
import type { FsyncPolicy } from './append-log';
import { ClientStore, clientStorePath, type ClientRecord, type Outgoing } from './client-store';
import { FileTransfers } from './file-transfer';
import { LineFramer } from './framing';
import {
  PROTOCOL_VERSION,
  encodeFrame,
  parseServerFrame,
  type ClientFrame,
  type ServerFrame,
  type WireLimits,
  type WirePrivateMessage,
  type WireRoomMessage,
} from './protocol';
import { TokenBucket } from './token-bucket';

export interface PinStore {
  get(key: string): string | undefined;
  set(key: string, fingerprint: string): void;
}

export interface ChatClientOptions {
  host: string;
  port: number;
  nick: string;
  /** Secret that owns the nickname on the server; keep it to get offline messages later. */
  identity: string;
  rooms: string[];
  password?: string;
  tls: boolean;
  /** Fingerprint the server must present (e.g. from discovery); overrides the pin. */
  expectedFingerprint?: string;
  pins?: PinStore;
  /** Directory for this client's history log; undefined keeps it in memory. */
  storeDir?: string;
  fsync: FsyncPolicy;
  fsyncIntervalMs: number;
  reconnectMinMs: number;
  reconnectMaxMs: number;
  connectTimeoutMs: number;
  pingIntervalMs: number;
  maxFrameBytes: number;
  clientKeep: number;
  /** This client's log, when larger than this at start, is compacted to what the client keeps. */
  compactAboveBytes: number;
  /** A request the server answers (older history) fails with TIMEOUT after this long. */
  requestTimeoutMs: number;
}

export interface OlderPage {
  messages: ChatMessage[];
  more: boolean;
}

interface OlderRequest {
  room: string;
  resolve: (page: OlderPage) => void;
  reject: (err: EngineError) => void;
  timer: NodeJS.Timeout;
}

export const CHAT_CLIENT_DEFAULTS = {
  rooms: [CHAT_DEFAULTS.defaultRoom],
  tls: false,
  fsync: CHAT_DEFAULTS.fsync,
  fsyncIntervalMs: CHAT_DEFAULTS.fsyncIntervalMs,
  reconnectMinMs: CHAT_DEFAULTS.reconnectMinMs,
  reconnectMaxMs: CHAT_DEFAULTS.reconnectMaxMs,
  connectTimeoutMs: CHAT_DEFAULTS.connectTimeoutMs,
  pingIntervalMs: CHAT_DEFAULTS.pingIntervalMs,
  maxFrameBytes: CHAT_DEFAULTS.maxFrameBytes,
  clientKeep: CHAT_DEFAULTS.clientKeep,
  compactAboveBytes: CHAT_DEFAULTS.compactAboveBytes,
  requestTimeoutMs: CHAT_DEFAULTS.requestTimeoutMs,
};

/** Codes after which retrying cannot help: the client stops instead of reconnecting. */
const FATAL_CODES: ReadonlySet<string> = new Set([
  'CHAT_AUTH_FAILED',
  'CHAT_NICK_TAKEN',
  'CHAT_NICK_INVALID',
  'CHAT_KICKED',
  'CHAT_VERSION',
  'CHAT_CERT_CHANGED',
  'CHAT_BAD_FRAME',
  'CHAT_HELLO_REQUIRED',
]);
/** Refusals of one message that resending would only repeat. */
const MESSAGE_REFUSALS: ReadonlySet<string> = new Set([
  'CHAT_NOT_IN_ROOM',
  'CHAT_NO_SUCH_USER',
  'LIMIT_EXCEEDED',
  'CHAT_BAD_FRAME',
]);

export class ChatClient extends TypedEmitter<ChatEvent> {
  readonly session: string;
  readonly options: ChatClientOptions;
  private socket?: Socket;
  private framer?: LineFramer;
  private state: ChatClientState = 'connecting';
  private lastCode?: string;
  private lastMessage?: string;
  private serverName?: string;
  private fingerprint?: string;
  private limits?: WireLimits;
  private bucket?: TokenBucket;
  private pumpTimer?: NodeJS.Timeout;
  private reconnectTimer?: NodeJS.Timeout;
  private pingTimer?: NodeJS.Timeout;
  private lastHeard = 0;
  private attempt = 0;
  private reconnects = 0;
  private userClosed = false;
  private fatalCode?: ErrorCode;
  private startPromise?: Promise<ChatClientInfo>;
  private startSettle?: { resolve: (i: ChatClientInfo) => void; reject: (e: EngineError) => void };
  private closePromise?: Promise<void>;
  private readonly store: ClientStore;
  private readonly rooms = new Set<string>();
  private readonly members = new Map<string, string[]>();
  private readonly early = new Map<string, Map<number, WireRoomMessage>>();
  private readonly gapAsked = new Map<string, number>();
  private roomsWaiters: ((r: RoomSummary[]) => void)[] = [];
  /** "Load earlier messages" requests waiting for their answer, by the `ref` sent with them. */
  private readonly olderRequests = new Map<string, OlderRequest>();
  private olderIds = 0;
  readonly files: FileTransfers;

  constructor(
    session: string,
    options: Partial<ChatClientOptions> & { host: string; port: number; nick: string; identity: string },
  ) {
    super();
    this.session = session;
    this.options = { ...CHAT_CLIENT_DEFAULTS, ...options };
    for (const r of this.options.rooms) this.rooms.add(r);
    this.store = new ClientStore({
      path: this.options.storeDir
        ? clientStorePath(this.options.storeDir, this.options.host, this.options.port, this.options.nick)
        : undefined,
      nick: this.options.nick,
      fsync: this.options.fsync,
      fsyncIntervalMs: this.options.fsyncIntervalMs,
      keep: this.options.clientKeep,
      compactAboveBytes: this.options.compactAboveBytes,
    });
    this.files = new FileTransfers({
      send: (f) => this.write(f),
      changed: (transfer: FileTransferInfo) => this.emitEvent({ type: 'client.file', transfer }),
      maxFileBytes: () => this.limits?.maxFileBytes ?? CHAT_DEFAULTS.maxFileBytes,
      chunkBytes: () => this.limits?.fileChunkBytes ?? CHAT_DEFAULTS.fileChunkBytes,
      connected: () => this.state === 'open',
    });
  }

  get pinKey(): string {
    return `${this.options.host}:${this.options.port}`;
  }

  info(): ChatClientInfo {
    return {
      session: this.session,
      host: this.options.host,
      port: this.options.port,
      nick: this.options.nick,
      tls: this.options.tls,
      serverName: this.serverName,
      fingerprint: this.fingerprint,
      state: this.state,
      rooms: [...this.rooms],
      pending: this.store.outbox.size,
      reconnects: this.reconnects,
      ...(this.lastCode ? { code: this.lastCode, message: this.lastMessage } : {}),
    };
  }

  /** Loads the local history, connects and says hello. Resolves at the first welcome. */
  start(): Promise<ChatClientInfo> {
    this.startPromise ??= new Promise<ChatClientInfo>((resolve, reject) => {
      this.startSettle = { resolve, reject };
      try {
        this.store.load();
      } catch (err) {
        reject(toEngineError(err));
        return;
      }
      this.connect();
    });
    return this.startPromise;
  }

  close(): Promise<void> {
    this.closePromise ??= (async () => {
      this.userClosed = true;
      clearTimeout(this.reconnectTimer);
      clearTimeout(this.pumpTimer);
      clearInterval(this.pingTimer);
      const s = this.socket;
      if (s && !s.destroyed) {
        const gone = new Promise((r) => s.once('close', r));
        s.end();
        setTimeout(() => s.destroy(), 500).unref();
        await gone;
      }
      await this.files.close();
      this.store.close();
      this.rejectOlder('closed');
      this.setState('closed');
      this.startSettle?.reject(new EngineError('NOT_CONNECTED', 'closed before the server welcomed us'));
    })();
    return this.closePromise;
  }

  // ---- API -----------------------------------------------------------------------------------------

  /** Queues a message (room or private); it is sent now or after the next reconnect. Returns its id. */
  send(target: { room?: string; to?: string }, text: string): string {
    if (this.userClosed || this.fatalCode)
      throw new EngineError('NOT_CONNECTED', `chat client ${this.session} is closed`);
    if ((target.room === undefined) === (target.to === undefined))
      throw new EngineError('INVALID_INPUT', 'give exactly one of room or to');
    const max = this.limits?.maxMessageChars ?? CHAT_DEFAULTS.maxMessageChars;
    if (text.length > max) throw new EngineError('LIMIT_EXCEEDED', `message longer than ${max} characters`);
    if (target.room !== undefined && !this.rooms.has(target.room))
      throw new EngineError('CHAT_NOT_IN_ROOM', `join ${target.room} first`);
    const id = `${Date.now().toString(36)}-${randomBytes(6).toString('hex')}`;
    const at = Date.now();
    const o: Outgoing = { id, room: target.room, to: target.to, text, at, sent: false };
    this.store.outbox.set(id, o);
    this.record({ k: 'out', id, room: o.room, to: o.to, text, at });
    this.addMessage({ id, room: o.room, peer: o.to, from: this.options.nick, text, at, status: 'pending' });
    this.pump();
    return id;
  }

  join(room: string): void {
    this.rooms.add(room);
    if (this.state === 'open') this.write({ t: 'join', room, after: this.store.lastSeq.get(room) });
  }

  leave(room: string): void {
    if (!this.rooms.delete(room)) throw new EngineError('CHAT_NOT_IN_ROOM', `not in ${room}`);
    this.members.delete(room);
    if (this.state === 'open') this.write({ t: 'leave', room });
  }

  typing(target: { room?: string; to?: string }, on: boolean): void {
    if (this.state === 'open') this.write({ t: 'typing', room: target.room, to: target.to, on });
  }

  listRooms(timeoutMs = 5000): Promise<RoomSummary[]> {
    if (this.state !== 'open') return Promise.reject(new EngineError('NOT_CONNECTED', 'not connected'));
    return new Promise((resolve, reject) => {
      const t = setTimeout(
        () => reject(new EngineError('TIMEOUT', 'no room list from the server')),
        timeoutMs,
      );
      this.roomsWaiters.push((r) => {
        clearTimeout(t);
        resolve(r);
      });
      this.write({ t: 'rooms' });
    });
  }

  /**
   * "Load earlier messages": asks the server for up to `limit` room messages right before sequence number
   * `before` (it reads them from its log when they are older than it keeps in memory). They are older than
   * anything this client shows, so they are returned to the caller, not added to the live conversation.
   */
  older(room: string, before: number, limit: number): Promise<OlderPage> {
    if (this.state !== 'open' || this.userClosed)
      return Promise.reject(new EngineError('NOT_CONNECTED', `chat ${this.session} is not connected`));
    if (!Number.isInteger(before) || before < 1 || !Number.isInteger(limit) || limit < 1)
      return Promise.reject(new EngineError('INVALID_INPUT', 'before and limit are positive integers'));
    const ref = `older-${++this.olderIds}`;
    const ms = this.options.requestTimeoutMs;
    return new Promise<OlderPage>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.olderRequests.delete(ref);
        reject(new EngineError('TIMEOUT', `no answer to the history request for #${room} within ${ms} ms`));
      }, ms);
      timer.unref();
      this.olderRequests.set(ref, { room, resolve, reject, timer });
      this.write({ t: 'history', room, before, limit, ref });
    });
  }

  /** Messages kept for a room or a private conversation, oldest first. */
  messages(target: { room?: string; peer?: string }, limit = 500): ChatMessage[] {
    return this.store.messages(target, limit);
  }

  membersOf(room: string): string[] {
    return [...(this.members.get(room) ?? [])];
  }

  /** Last room sequence number this client has, in order, for the room. */
  seqOf(room: string): number | undefined {
    return this.store.lastSeq.get(room);
  }

  /** For tests and the "drop connection" tool: cut the socket as a network failure would. */
  dropConnection(): void {
    this.socket?.destroy();
  }

  // ---- connection ----------------------------------------------------------------------------------

  private connect(): void {
    const { host, port, tls, connectTimeoutMs } = this.options;
    this.setState(this.reconnects > 0 || this.attempt > 0 ? 'reconnecting' : 'connecting');
    let socket: Socket;
    if (tls) {
      socket = tlsConnect({
        host,
        port,
        lookup: connectLookup,
        rejectUnauthorized: false,
        servername: isIP(host) ? undefined : host,
        minVersion: 'TLSv1.2',
      });
    } else {
      socket = netConnect({ host, port, noDelay: true, lookup: connectLookup });
    }
    this.socket = socket;
    this.framer = new LineFramer(this.options.maxFrameBytes);
    const timer = setTimeout(
      () =>
        socket.destroy(
          new EngineError('TIMEOUT', `no connection to ${host}:${port} within ${connectTimeoutMs} ms`),
        ),
      connectTimeoutMs,
    );
    let failure: EngineError | undefined;
    const ready = () => {
      clearTimeout(timer);
      if (tls && !this.checkCertificate(socket as TLSSocket)) return;
      this.lastHeard = Date.now();
      this.write({
        t: 'hello',
        v: PROTOCOL_VERSION,
        nick: this.options.nick,
        identity: this.options.identity,
        password: this.options.password,
        inboxAfter: this.store.inboxSeq,
      });
    };
    socket.once(tls ? 'secureConnect' : 'connect', ready);
    socket.on('data', (chunk: Buffer) => {
      this.lastHeard = Date.now();
      const framer = this.framer!;
      const ok = framer.push(chunk, (line) => this.onLine(line));
      if (!ok) {
        failure = new EngineError(
          'CHAT_FRAME_TOO_LARGE',
          `server frame over ${this.options.maxFrameBytes} bytes`,
        );
        socket.destroy();
      }
    });
    socket.on('error', (err) => {
      failure ??= toEngineError(err, `${host}:${port}`);
    });
    socket.on('close', () => {
      clearTimeout(timer);
      if (this.socket === socket) this.onDisconnected(failure);
    });
  }

  private checkCertificate(socket: TLSSocket): boolean {
    const fp = socket.getPeerX509Certificate()?.fingerprint256;
    if (!fp) {
      this.failFatal('TLS_ERROR', 'the server presented no certificate');
      return false;
    }
    this.fingerprint = fp;
    const expected = this.options.expectedFingerprint ?? this.options.pins?.get(this.pinKey);
    if (expected && expected.toUpperCase() !== fp.toUpperCase()) {
      this.emitEvent({ type: 'client.cert', event: 'changed', fingerprint: fp, previous: expected });
      this.failFatal('CHAT_CERT_CHANGED', `${this.pinKey} presented ${fp}; expected ${expected}`);
      return false;
    }
    if (!this.options.pins?.get(this.pinKey)) {
      this.options.pins?.set(this.pinKey, fp);
      this.emitEvent({ type: 'client.cert', event: 'pinned', fingerprint: fp });
    }
    return true;
  }

  private failFatal(code: ErrorCode, message: string): void {
    this.fatalCode = code;
    this.lastCode = code;
    this.lastMessage = message;
    this.emitEvent({ type: 'client.error', code, message });
    this.socket?.destroy();
  }

  private onDisconnected(failure: EngineError | undefined): void {
    // The server answers on the connection it was asked on: those answers will not come.
    this.rejectOlder('the connection was lost before the server answered');
    clearInterval(this.pingTimer);
    clearTimeout(this.pumpTimer);
    this.files.onDisconnected();
    for (const o of this.store.outbox.values()) o.sent = false;
    const wasOpen = this.state === 'open';
    if (failure && !this.fatalCode) {
      this.lastCode = failure.code;
      this.lastMessage = failure.message;
    }
    if (this.userClosed || this.fatalCode) {
      this.setState('closed');
      if (this.startSettle)
        this.startSettle.reject(
          new EngineError(this.fatalCode ?? 'NOT_CONNECTED', this.lastMessage ?? 'closed'),
        );
      this.startSettle = undefined;
      return;
    }
    if (this.startSettle && !wasOpen && this.reconnects === 0) {
      // The very first attempt failed: report it instead of retrying forever (a typo in the address).
      const settle = this.startSettle;
      this.startSettle = undefined;
      this.userClosed = true;
      this.setState('closed');
      this.store.close();
      settle.reject(
        failure ??
          new EngineError('CONNECTION_RESET', `${this.pinKey} closed the connection before welcoming us`),
      );
      return;
    }
    this.setState('reconnecting');
    const delay =
      Math.min(this.options.reconnectMaxMs, this.options.reconnectMinMs * 2 ** this.attempt) *
      (0.5 + Math.random() * 0.5);
    this.attempt += 1;
    this.reconnectTimer = setTimeout(() => this.connect(), delay);
  }

  private onLine(line: string): void {
    if (line.length === 0) return;
    const parsed = parseServerFrame(line);
    if (!parsed.ok) {
      this.emitEvent({ type: 'client.error', code: parsed.code, message: parsed.message });
      return;
    }
    try {
      this.onFrame(parsed.frame);
    } catch (err) {
      // A server sending a frame of the wrong shape must not crash the app.
      const e = toEngineError(err);
      this.emitEvent({
        type: 'client.error',
        code: 'CHAT_BAD_FRAME',
        message: `${parsed.frame.t}: ${e.message}`,
      });
    }
  }

  private onFrame(f: ServerFrame): void {
    switch (f.t) {
      case 'welcome':
        return this.onWelcome(f);
      case 'ack':
        return this.onAck(f);
      case 'msg':
        return this.ingestRoom(f);
      case 'pm':
        return this.ingestPrivate(f);
      case 'inbox':
        for (const m of f.messages) this.ingestPrivate(m);
        return;
      case 'joined': {
        this.members.set(f.room, f.members);
        this.emitEvent({
          type: 'client.presence',
          room: f.room,
          nick: this.options.nick,
          event: 'join',
          members: f.members,
        });
        if (!this.store.lastSeq.has(f.room))
          this.store.lastSeq.set(f.room, f.history.length ? f.history[0]!.seq - 1 : f.lastSeq);
        for (const m of f.history) this.ingestRoom(m);
        if (f.more) this.write({ t: 'history', room: f.room, after: this.store.lastSeq.get(f.room) });
        return;
      }
      case 'history':
        // An answer with a ref is an "older messages" page: not part of the live, in-order stream.
        if (f.ref !== undefined) return this.onOlder(f);
        for (const m of f.messages) this.ingestRoom(m);
        this.gapAsked.delete(f.room);
        if (f.more) this.write({ t: 'history', room: f.room, after: this.store.lastSeq.get(f.room) });
        else {
          this.checkEarly(f.room);
          this.skipUnfillableGap(f.room);
        }
        return;
      case 'presence':
        this.members.set(f.room, f.members);
        this.emitEvent({
          type: 'client.presence',
          room: f.room,
          nick: f.nick,
          event: f.event,
          members: f.members,
        });
        return;
      case 'typing':
        this.emitEvent({ type: 'client.typing', room: f.room, from: f.from, on: f.on });
        return;
      case 'rooms':
        for (const w of this.roomsWaiters.splice(0)) w(f.rooms);
        this.emitEvent({ type: 'client.rooms', rooms: f.rooms });
        return;
      case 'who':
        this.members.set(f.room, f.members);
        return;
      case 'left':
      case 'pong':
        return;
      case 'error':
        return this.onError(f);
      default:
        if (f.t.startsWith('file.')) this.files.onFrame(f);
        return;
    }
  }

  private onWelcome(f: Extract<ServerFrame, { t: 'welcome' }>): void {
    if (f.v !== PROTOCOL_VERSION) return this.failFatal('CHAT_VERSION', `server speaks v${f.v}`);
    this.serverName = f.server.name;
    this.limits = f.limits;
    // Stay a little under the server's rate so a burst of resends is paced here, not throttled there.
    this.bucket = new TokenBucket(
      Math.max(1, f.limits.rateLimitPerSec * 0.9),
      Math.max(1, Math.floor(f.limits.rateLimitBurst * 0.8)),
    );
    if (this.state !== 'open' && this.startSettle === undefined) this.reconnects += 1;
    this.attempt = 0;
    this.lastCode = undefined;
    this.lastMessage = undefined;
    this.setState('open');
    for (const room of this.rooms) this.writeNow({ t: 'join', room, after: this.store.lastSeq.get(room) });
    this.files.onReconnected();
    this.pump();
    this.startPing();
    const settle = this.startSettle;
    this.startSettle = undefined;
    settle?.resolve(this.info());
  }

  private onAck(f: Extract<ServerFrame, { t: 'ack' }>): void {
    const o = this.store.outbox.get(f.id);
    if (!o) return;
    this.store.outbox.delete(f.id);
    this.record({ k: 'ack', id: f.id, room: f.room, seq: f.seq, to: f.to, pseq: f.pseq, at: f.at });
    if (f.room !== undefined && f.seq !== undefined) {
      this.ingestRoom(
        { t: 'msg', room: f.room, seq: f.seq, id: f.id, from: this.options.nick, text: o.text, at: f.at },
        true,
      );
    } else {
      this.updateMessage(f.id, { status: 'sent', at: f.at });
    }
    this.emitEvent({ type: 'client.ack', id: f.id, seq: f.seq, room: f.room });
  }

  private onOlder(f: Extract<ServerFrame, { t: 'history' }>): void {
    const req = this.olderRequests.get(f.ref!);
    if (!req) return; // timed out meanwhile
    this.olderRequests.delete(f.ref!);
    clearTimeout(req.timer);
    const nick = this.options.nick;
    const list: unknown = f.messages;
    const messages = (Array.isArray(list) ? (list as WireRoomMessage[]) : [])
      .filter((m) => m && m.room === req.room && Number.isInteger(m.seq) && typeof m.text === 'string')
      .map((m): ChatMessage => ({
        id: String(m.id),
        room: m.room,
        from: String(m.from),
        text: m.text,
        at: Number(m.at),
        seq: m.seq,
        status: m.from === nick ? 'sent' : 'received',
      }));
    req.resolve({ messages, more: f.more === true });
  }

  private rejectOlder(why: string): void {
    for (const [ref, req] of this.olderRequests) {
      clearTimeout(req.timer);
      this.olderRequests.delete(ref);
      req.reject(new EngineError('NOT_CONNECTED', why));
    }
  }

  private onError(f: Extract<ServerFrame, { t: 'error' }>): void {
    const code = isErrorCode(f.code) ? f.code : 'INTERNAL';
    const older = f.ref !== undefined ? this.olderRequests.get(f.ref) : undefined;
    if (older) {
      this.olderRequests.delete(f.ref!);
      clearTimeout(older.timer);
      older.reject(new EngineError(code, f.message));
      return;
    }
    if (f.ref && this.files.onError(code, f.ref)) return;
    if (f.ref && this.store.outbox.has(f.ref) && MESSAGE_REFUSALS.has(code)) {
      this.store.outbox.delete(f.ref);
      this.record({ k: 'fail', id: f.ref, code });
      this.updateMessage(f.ref, { status: 'failed', code });
    }
    if (f.fatal && FATAL_CODES.has(code)) this.fatalCode = code;
    if (f.fatal) {
      this.lastCode = code;
      this.lastMessage = f.message;
    }
    this.emitEvent({ type: 'client.error', code, message: f.message });
  }

  // ---- ordering ------------------------------------------------------------------------------------

  /** Accepts room messages strictly in sequence: older ones are duplicates, later ones wait for the gap. */
  private ingestRoom(m: WireRoomMessage, own = false): void {
    const last = this.store.lastSeq.get(m.room);
    if (last === undefined) {
      this.store.lastSeq.set(m.room, m.seq - 1);
      return this.ingestRoom(m, own);
    }
    if (m.seq <= last) {
      if (own) this.updateMessage(m.id, { status: 'sent', seq: m.seq });
      return;
    }
    if (m.seq > last + 1) {
      let waiting = this.early.get(m.room);
      if (!waiting) this.early.set(m.room, (waiting = new Map()));
      waiting.set(m.seq, m);
      if (this.gapAsked.get(m.room) !== last) {
        this.gapAsked.set(m.room, last);
        this.write({ t: 'history', room: m.room, after: last, before: m.seq });
      }
      return;
    }
    this.accept(m);
    this.checkEarly(m.room);
  }

  /**
   * The server answered a gap request and the gap is still there: those messages are older than what it
   * keeps (historyKeep). Say so once and go on, rather than hold every later message back forever.
   */
  private skipUnfillableGap(room: string): void {
    const waiting = this.early.get(room);
    if (!waiting || waiting.size === 0) return;
    const first = Math.min(...waiting.keys());
    const last = this.store.lastSeq.get(room) ?? 0;
    if (first <= last + 1) return;
    this.emitEvent({
      type: 'client.error',
      code: 'LIMIT_EXCEEDED',
      message: `${first - last - 1} message(s) in #${room} (seq ${last + 1}–${first - 1}) are older than the server keeps`,
    });
    this.store.lastSeq.set(room, first - 1);
    this.checkEarly(room);
  }

  private checkEarly(room: string): void {
    const waiting = this.early.get(room);
    if (!waiting) return;
    for (;;) {
      const next = waiting.get((this.store.lastSeq.get(room) ?? 0) + 1);
      if (!next) break;
      waiting.delete(next.seq);
      this.accept(next);
    }
    for (const seq of waiting.keys()) if (seq <= (this.store.lastSeq.get(room) ?? 0)) waiting.delete(seq);
    if (waiting.size === 0) this.early.delete(room);
  }

  private accept(m: WireRoomMessage): void {
    this.store.lastSeq.set(m.room, m.seq);
    const mine = m.from === this.options.nick;
    if (mine && this.store.outbox.has(m.id)) {
      // Our message, stored by the server but its ack lost with the connection: history is the ack.
      this.store.outbox.delete(m.id);
      this.record({ k: 'ack', id: m.id, room: m.room, seq: m.seq, at: m.at });
    }
    if (mine && this.store.has(m.id)) {
      this.record({ k: 'msg', room: m.room, seq: m.seq, id: m.id, from: m.from, text: m.text, at: m.at });
      this.updateMessage(m.id, { status: 'sent', seq: m.seq, at: m.at });
      return;
    }
    this.record({ k: 'msg', room: m.room, seq: m.seq, id: m.id, from: m.from, text: m.text, at: m.at });
    this.addMessage({
      id: m.id,
      room: m.room,
      from: m.from,
      text: m.text,
      at: m.at,
      seq: m.seq,
      status: mine ? 'sent' : 'received',
    });
  }

  private ingestPrivate(m: WirePrivateMessage): void {
    if (m.pseq <= this.store.inboxSeq) return;
    if (m.pseq > this.store.inboxSeq + 1) {
      this.write({ t: 'inbox', after: this.store.inboxSeq });
      return;
    }
    this.store.inboxSeq = m.pseq;
    this.record({ k: 'pm', pseq: m.pseq, id: m.id, from: m.from, to: m.to, text: m.text, at: m.at });
    this.addMessage({ id: m.id, peer: m.from, from: m.from, text: m.text, at: m.at, status: 'received' });
  }

  // ---- output --------------------------------------------------------------------------------------

  /** Sends queued messages as fast as the server's rate limit allows, oldest first. */
  private pump(): void {
    clearTimeout(this.pumpTimer);
    this.pumpTimer = undefined;
    if (this.state !== 'open' || !this.bucket) return;
    for (const o of this.store.outbox.values()) {
      if (o.sent) continue;
      if (!this.bucket.take()) {
        this.pumpTimer = setTimeout(() => this.pump(), Math.max(1, this.bucket.msUntilToken()));
        return;
      }
      o.sent = true;
      this.writeNow({ t: 'msg', id: o.id, room: o.room, to: o.to, text: o.text });
    }
  }

  /** Control frames (join, typing, file) also cost a server token; they share the pacing bucket. */
  private write(f: ClientFrame): void {
    if (f.t !== 'file.chunk' && f.t !== 'file.ack') this.bucket?.take();
    this.writeNow(f);
  }

  private writeNow(f: ClientFrame): void {
    const s = this.socket;
    if (!s || s.destroyed || !s.writable) return;
    // Until the welcome only the hello may go out: a connecting socket accepts writes and would put a
    // late file ack or typing frame before the hello. What is dropped here is re-sent after the welcome.
    if (f.t !== 'hello' && this.state !== 'open') return;
    s.write(encodeFrame(f));
  }

  private startPing(): void {
    clearInterval(this.pingTimer);
    const every = this.options.pingIntervalMs;
    this.pingTimer = setInterval(() => {
      const quiet = Date.now() - this.lastHeard;
      if (quiet > every * 2) {
        this.lastCode = 'TIMEOUT';
        this.lastMessage = `nothing from the server for ${quiet} ms`;
        this.socket?.destroy();
      } else if (quiet >= every) this.writeNow({ t: 'ping' });
    }, every);
    this.pingTimer.unref();
  }

  // ---- local store ---------------------------------------------------------------------------------

  private record(r: ClientRecord): void {
    this.store.record(r);
  }

  private addMessage(m: ChatMessage): void {
    this.store.add(m);
    this.emitEvent({ type: 'client.message', message: { ...m } });
  }

  private updateMessage(id: string, patch: Partial<ChatMessage>): void {
    const m = this.store.update(id, patch);
    if (m) this.emitEvent({ type: 'client.message', message: m });
  }

  private setState(state: ChatClientState): void {
    if (this.state === state) return;
    this.state = state;
    this.emitEvent({
      type: 'client.state',
      state,
      info: this.info(),
      ...(this.lastCode ? { code: this.lastCode, message: this.lastMessage } : {}),
    });
  }

  private emitEvent(e: DistributiveOmit<ChatEvent, 'engine' | 'session' | 'at'>): void {
    this.emit({ engine: 'chat', session: this.session, at: Date.now(), ...e } as ChatEvent);
  }
}

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;
