// One chat client session: a member of one chat server. It owns the "nothing lost" half of the protocol:
// every message gets an id and stays in the outbox (and the on-disk log) until the server acks it; a lost
// connection is retried with backoff and the outbox resent (the server drops duplicates by id); room
// messages are accepted strictly in sequence order and a gap is fetched before anything after it is shown.
// TLS servers are pinned on first use; a changed certificate stops the client with CHAT_CERT_CHANGED.
// This is the orchestrator; the rules are in client-ledger/-outbox/-sequencer/-older (no sockets).
import type { Socket } from 'node:net';
import type { TLSSocket } from 'node:tls';
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
import { clientStoreFor, type ClientStore } from './client-store';
import { ClientLedger } from './client-ledger';
import { checkServerCertificate, keepalive, openChatSocket } from './client-socket';
import {
  CHAT_CLIENT_DEFAULTS,
  FATAL_CODES,
  closedBeforeWelcome,
  checkOutgoing,
  reconnectDelay,
  type ChatClientOptions,
  type OlderPage,
  type PinStore,
} from './client-options';
import { OlderRequests, RoomListRequests } from './client-older';
import { FileTransfers } from './file-transfer';
import {
  PROTOCOL_VERSION,
  encodeFrame,
  parseServerFrame,
  type ClientFrame,
  type ServerFrame,
  type WireLimits,
} from './protocol';
import { TokenBucket } from './token-bucket';

export { CHAT_CLIENT_DEFAULTS, type ChatClientOptions, type OlderPage, type PinStore };

export class ChatClient extends TypedEmitter<ChatEvent> {
  readonly session: string;
  readonly options: ChatClientOptions;
  private socket?: Socket;
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
  private readonly ledger: ClientLedger;
  private readonly olderRequests: OlderRequests;
  /** Set at the first welcome: later welcomes are reconnects. */
  private welcomed = false;
  private readonly rooms = new Set<string>();
  private readonly members = new Map<string, string[]>();
  private readonly roomLists = new RoomListRequests();
  readonly files: FileTransfers;

  constructor(
    session: string,
    options: Partial<ChatClientOptions> & { host: string; port: number; nick: string; identity: string },
  ) {
    super();
    this.session = session;
    this.options = { ...CHAT_CLIENT_DEFAULTS, ...options };
    for (const r of this.options.rooms) this.rooms.add(r);
    this.store = clientStoreFor(this.options);
    this.olderRequests = new OlderRequests(this.options.requestTimeoutMs);
    this.ledger = new ClientLedger(this.store, this.options.nick, {
      message: (message) => this.emitEvent({ type: 'client.message', message }),
      write: (f) => this.write(f),
      notice: (code, message) => this.emitEvent({ type: 'client.error', code, message }),
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
      peers: this.store.peers(),
      members: Object.fromEntries(this.members),
      pending: this.ledger.outbox.size,
      reconnects: this.reconnects,
      ...(this.lastCode ? { code: this.lastCode, message: this.lastMessage } : {}),
    };
  }

  /**
   * Loads the local history, connects and says hello. Resolves at the first welcome — or at once with
   * `keepTrying`, which retries until the server is there (a chat rejoined at start-up).
   */
  start(): Promise<ChatClientInfo> {
    this.startPromise ??= new Promise<ChatClientInfo>((resolve, reject) => {
      if (!this.options.keepTrying) this.startSettle = { resolve, reject };
      try {
        this.store.load();
      } catch (err) {
        reject(toEngineError(err));
        return;
      }
      this.connect();
      if (this.options.keepTrying) resolve(this.info());
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
      this.olderRequests.rejectAll('closed');
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
    checkOutgoing(target, text, this.limits?.maxMessageChars ?? CHAT_DEFAULTS.maxMessageChars, this.rooms);
    const { id } = this.ledger.queue(target, text);
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
    return this.roomLists.ask(timeoutMs, () => this.write({ t: 'rooms' }));
  }

  /**
   * "Load earlier messages": asks the server for up to `limit` room messages right before sequence number
   * `before` (it reads them from its log when they are older than it keeps in memory). They are older than
   * anything this client shows, so they are returned to the caller, not added to the live conversation.
   */
  older(room: string, before: number, limit: number): Promise<OlderPage> {
    if (this.state !== 'open' || this.userClosed)
      return Promise.reject(new EngineError('NOT_CONNECTED', `chat ${this.session} is not connected`));
    return this.olderRequests.ask(room, before, limit, (ref) =>
      this.write({ t: 'history', room, before, limit, ref }),
    );
  }

  /** Messages kept for a room or a private conversation, oldest first. */
  messages(target: { room?: string; peer?: string }, limit = 500): ChatMessage[] {
    return this.store.messages(target, limit);
  }

  /**
   * The page of a conversation right before message `beforeId`, from this client's own memory and log
   * (a private conversation after a restart: the server does not keep it for us).
   */
  olderLocal(target: { room?: string; peer?: string }, beforeId: string, limit: number): Promise<OlderPage> {
    return this.store.older(target, beforeId, limit, this.options.historyScanBytes);
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
    this.setState(this.reconnects > 0 || this.attempt > 0 ? 'reconnecting' : 'connecting');
    const socket = openChatSocket(this.options, {
      ready: (tls) => {
        if (tls && !this.checkCertificate(tls)) return;
        this.lastHeard = Date.now();
        this.write({
          t: 'hello',
          v: PROTOCOL_VERSION,
          nick: this.options.nick,
          identity: this.options.identity,
          password: this.options.password,
          inboxAfter: this.store.inboxSeq,
        });
      },
      heard: () => (this.lastHeard = Date.now()),
      line: (line) => this.onLine(line),
      closed: (failure) => {
        if (this.socket === socket) this.onDisconnected(failure);
      },
    });
    this.socket = socket;
  }

  private checkCertificate(socket: TLSSocket): boolean {
    const pinned = this.options.pins?.get(this.pinKey);
    const c = checkServerCertificate(socket, this.pinKey, this.options.expectedFingerprint ?? pinned);
    this.fingerprint = c.fingerprint ?? this.fingerprint;
    if (c.verdict === 'changed')
      this.emitEvent({
        type: 'client.cert',
        event: 'changed',
        fingerprint: c.fingerprint!,
        previous: c.expected,
      });
    if (c.failure) {
      this.failFatal(c.failure.code, c.failure.message);
      return false;
    }
    if (!pinned && this.options.pins) {
      this.options.pins.set(this.pinKey, c.fingerprint!);
      this.emitEvent({ type: 'client.cert', event: 'pinned', fingerprint: c.fingerprint! });
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
    this.olderRequests.rejectAll('the connection was lost before the server answered');
    clearInterval(this.pingTimer);
    clearTimeout(this.pumpTimer);
    this.files.onDisconnected();
    this.ledger.outbox.connectionLost();
    // Who is in a room is unknown until the server tells us again: never show a stale list.
    this.members.clear();
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
      settle.reject(failure ?? closedBeforeWelcome(this.pinKey, this.lastCode, this.lastMessage));
      return;
    }
    this.setState('reconnecting');
    const delay = reconnectDelay(this.attempt, this.options.reconnectMinMs, this.options.reconnectMaxMs);
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
      const message = `${parsed.frame.t}: ${toEngineError(err).message}`;
      this.emitEvent({ type: 'client.error', code: 'CHAT_BAD_FRAME', message });
    }
  }

  private onFrame(f: ServerFrame): void {
    switch (f.t) {
      case 'welcome':
        return this.onWelcome(f);
      case 'ack':
        return this.onAck(f);
      case 'msg':
        return this.ledger.room(f);
      case 'pm':
        return this.ledger.privateMessage(f);
      case 'inbox':
        for (const m of f.messages) this.ledger.privateMessage(m);
        return;
      case 'joined':
        this.presence(f.room, this.options.nick, 'join', f.members);
        return this.ledger.sequencer.joined(f.room, f.history, f.lastSeq, f.more === true);
      case 'history':
        // An answer with a ref is an "older messages" page: not part of the live, in-order stream.
        if (f.ref !== undefined)
          return this.olderRequests.answer(f.ref, f.messages, f.more, this.options.nick);
        this.ledger.sequencer.history(f.room, f.messages, f.more === true);
        return;
      case 'presence':
        return this.presence(f.room, f.nick, f.event, f.members);
      case 'typing':
        this.emitEvent({ type: 'client.typing', room: f.room, from: f.from, on: f.on });
        return;
      case 'rooms':
        this.roomLists.answer(f.rooms);
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

  private presence(room: string, nick: string, event: 'join' | 'leave', members: string[]): void {
    this.members.set(room, members);
    this.emitEvent({ type: 'client.presence', room, nick, event, members });
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
    if (this.state !== 'open' && this.welcomed) this.reconnects += 1;
    this.welcomed = true;
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
    if (this.ledger.ack(f)) this.emitEvent({ type: 'client.ack', id: f.id, seq: f.seq, room: f.room });
  }

  private onError(f: Extract<ServerFrame, { t: 'error' }>): void {
    const code = isErrorCode(f.code) ? f.code : 'INTERNAL';
    if (f.ref !== undefined && this.olderRequests.fail(f.ref, new EngineError(code, f.message))) return;
    if (f.ref && this.files.onError(code, f.ref)) return;
    if (f.ref) this.ledger.refuse(f.ref, code);
    if (f.fatal && FATAL_CODES.has(code)) this.fatalCode = code;
    if (f.fatal) {
      this.lastCode = code;
      this.lastMessage = f.message;
    }
    this.emitEvent({ type: 'client.error', code, message: f.message });
  }

  // ---- output --------------------------------------------------------------------------------------

  /** Sends queued messages as fast as the server's rate limit allows, oldest first. */
  private pump(): void {
    clearTimeout(this.pumpTimer);
    this.pumpTimer = undefined;
    if (this.state !== 'open' || !this.bucket) return;
    const { frames, retryInMs } = this.ledger.outbox.drain(this.bucket);
    for (const f of frames) this.writeNow(f);
    if (retryInMs !== undefined) this.pumpTimer = setTimeout(() => this.pump(), retryInMs);
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
    this.pingTimer = keepalive(this.options.pingIntervalMs, () => this.lastHeard, {
      ping: () => this.writeNow({ t: 'ping' }),
      silent: (quiet) => {
        this.lastCode = 'TIMEOUT';
        this.lastMessage = `nothing from the server for ${quiet} ms`;
        this.socket?.destroy();
      },
    });
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
