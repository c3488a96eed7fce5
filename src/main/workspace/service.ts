// The workspace as the engine host keeps it. It watches the calls that pass the dispatcher (`track`), so
// it knows how every running server was started and changed since, and which chats are joined with which
// rooms — whichever front end made the calls. A server flagged "start again on launch" is saved with
// those calls; at start `restore()` replays them through the dispatcher (same validation and codes as a
// user's call), one session at a time so a taken port fails only its own session, then rejoins the
// chats. Joined chats are restored without a flag, as LAN messengers do.
import { randomBytes } from 'node:crypto';
import {
  LAUNCH_START_CHANNEL,
  WORKSPACE_LIMITS,
  type JoinedChat,
  type LaunchEntry,
  type LaunchKind,
  type LaunchState,
  type RecordedCall,
  type WorkspaceEvent,
  type WorkspaceFile,
  type WorkspaceNotice,
  type WorkspaceSnapshot,
} from '../../shared/contract/workspace';
import type { Result } from '../../shared/errors';
import type { Dispatcher } from '../dispatcher/dispatcher';
import { TypedEmitter } from '../engines/common/emitter';
import { EngineError } from '../engines/common/errors';
import { checkValues, loadWorkspace, saveWorkspace } from './file';

type Json = Record<string, unknown>;

const STOP_CHANNEL: Record<LaunchKind, string> = {
  tcp: 'tcp.serverStop',
  udp: 'udp.close',
  tlssock: 'tlssock.serverStop',
  httpServer: 'httpServer.stop',
  lb: 'lb.stop',
  chatHost: 'chat.hostStop',
};

/** Calls that change a running session's settings; replayed after its start call on restore. */
const LIVE_CHANNELS: Record<string, LaunchKind> = {
  'tcp.serverSetOptions': 'tcp',
  'udp.setOptions': 'udp',
  'udp.join': 'udp',
  'udp.leave': 'udp',
  'httpServer.update': 'httpServer',
  'lb.addBackend': 'lb',
  'lb.removeBackend': 'lb',
  'lb.updateBackend': 'lb',
  'lb.setStrategy': 'lb',
  'lb.setHealthCheck': 'lb',
  'lb.setLimits': 'lb',
  'lb.setProxyProtocol': 'lb',
};
/** Live calls that replace the whole setting: only the last one matters. */
const REPLACING = new Set(['lb.setStrategy', 'lb.setHealthCheck', 'lb.setLimits', 'lb.setProxyProtocol']);

const LABEL: Record<LaunchKind, string> = {
  tcp: 'TCP server',
  udp: 'UDP socket',
  tlssock: 'TLS server',
  httpServer: 'HTTP server',
  lb: 'Load balancer',
  chatHost: 'Chat server',
};

interface Tracked {
  kind: LaunchKind;
  start: RecordedCall;
  live: RecordedCall[];
  label: string;
  /** Set when flagged: the workspace entry it is saved as. */
  entryId?: string;
}

function isRecord(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function kindOfStart(channel: string): LaunchKind | undefined {
  for (const [kind, ch] of Object.entries(LAUNCH_START_CHANNEL))
    if (ch === channel) return kind as LaunchKind;
  return undefined;
}

export interface WorkspaceServiceOptions {
  file: string;
  /** Problems found at load, also listed by app.info (storageProblems). */
  onProblem?: (notice: WorkspaceNotice) => void;
}

export class WorkspaceService extends TypedEmitter<WorkspaceEvent> {
  private ws: WorkspaceFile;
  readonly notice?: WorkspaceNotice;
  private readonly instance = randomBytes(8).toString('hex');
  /** Running server sessions by session id, whether flagged or not. */
  private readonly tracked = new Map<string, Tracked>();
  /** Joined chats by client session id → their workspace entry. */
  private readonly chats = new Map<string, JoinedChat>();
  private readonly states = new Map<string, LaunchState>();
  private restoreState: { done: boolean; ms?: number; sessions: number } = { done: true, sessions: 0 };
  private inner?: Dispatcher;

  constructor(private readonly options: WorkspaceServiceOptions) {
    super();
    const loaded = loadWorkspace(options.file);
    this.ws = loaded.workspace;
    this.notice = loaded.notice;
    if (loaded.notice) options.onProblem?.(loaded.notice);
    for (const e of this.ws.launch)
      this.states.set(e.id, { id: e.id, kind: e.kind, label: e.label, state: 'pending' });
    this.restoreState = { done: false, sessions: this.ws.launch.length + this.ws.chat.joined.length };
  }

  /** Wraps the dispatcher so the workspace learns of every successful start, change, stop and join. */
  track(inner: Dispatcher): Dispatcher {
    this.inner = inner;
    return {
      channels: () => inner.channels(),
      call: async (channel, input) => {
        const r = await inner.call(channel, input);
        if (r.ok && typeof channel === 'string' && isRecord(input ?? {})) {
          try {
            this.observe(channel, (input ?? {}) as Json, r.value);
          } catch {
            // Bookkeeping must never turn a successful call into a failure; a refused save is retried
            // at the next change.
          }
        }
        return r;
      },
    };
  }

  // ---- contract ------------------------------------------------------------------------------------

  get(): WorkspaceSnapshot {
    return {
      instance: this.instance,
      values: structuredClone(this.ws.values),
      chat: structuredClone(this.ws.chat),
      launch: this.launchStates(),
      ...(this.notice ? { notice: this.notice } : {}),
      restore: { ...this.restoreState },
    };
  }

  saveValues(input: { values: Json }): { bytes: number; savedAt: number } {
    checkValues(input.values);
    const next: WorkspaceFile = { ...this.ws, values: structuredClone(input.values), savedAt: Date.now() };
    const bytes = saveWorkspace(this.options.file, next);
    this.ws = next;
    return { bytes, savedAt: next.savedAt };
  }

  setLaunch(input: { kind: LaunchKind; session: string; on: boolean }): { launch: LaunchState[] } {
    const t = this.tracked.get(input.session);
    if (!t || t.kind !== input.kind)
      throw new EngineError('NOT_FOUND', `no running ${LABEL[input.kind]} ${input.session}`);
    if (input.on) {
      if (!t.entryId && this.ws.launch.length >= WORKSPACE_LIMITS.maxLaunch)
        throw new EngineError(
          'LIMIT_EXCEEDED',
          `at most ${WORKSPACE_LIMITS.maxLaunch} sessions start again on launch`,
        );
      t.entryId ??= `launch-${randomBytes(6).toString('hex')}`;
      this.states.set(t.entryId, {
        id: t.entryId,
        kind: t.kind,
        label: t.label,
        session: input.session,
        state: 'running',
      });
      this.saveEntry(t);
    } else if (t.entryId) {
      this.states.delete(t.entryId);
      this.removeEntry(t.entryId);
      t.entryId = undefined;
    }
    this.emitLaunch();
    return { launch: this.launchStates() };
  }

  // ---- restore -------------------------------------------------------------------------------------

  /**
   * Starts the flagged servers again, then rejoins the chats. Each session on its own: one that fails
   * (a taken port: ADDRESS_IN_USE) is marked failed with its code and the rest go on.
   */
  async restore(): Promise<{ ms: number; launch: LaunchState[] }> {
    const inner = this.inner;
    if (!inner) throw new EngineError('INTERNAL', 'workspace restore before the dispatcher was tracked');
    const t0 = performance.now();
    for (const entry of this.ws.launch) await this.restoreEntry(inner, entry);
    const joined = this.ws.chat.joined;
    this.ws = { ...this.ws, chat: { ...this.ws.chat, joined: [] } };
    for (const chat of joined) await this.restoreChat(inner, chat);
    this.persist();
    const ms = Math.round(performance.now() - t0);
    this.restoreState = { done: true, ms, sessions: this.restoreState.sessions };
    const launch = this.launchStates();
    this.emit({ engine: 'workspace', type: 'restored', session: 'workspace', at: Date.now(), ms, launch });
    return { ms, launch };
  }

  private async restoreEntry(inner: Dispatcher, entry: LaunchEntry): Promise<void> {
    const r = await inner.call(entry.start.channel, entry.start.input);
    if (!r.ok) {
      this.states.set(entry.id, {
        id: entry.id,
        kind: entry.kind,
        label: entry.label,
        state: 'failed',
        code: r.error.code,
        message: r.error.message,
      });
      return;
    }
    const session = (r.value as { session?: unknown }).session;
    if (typeof session !== 'string') return;
    const live: RecordedCall[] = [];
    let problem: Result<unknown> | undefined;
    for (const call of entry.live) {
      const lr = await inner.call(call.channel, { ...call.input, session });
      if (lr.ok) live.push(call);
      else problem ??= lr;
    }
    this.tracked.set(session, {
      kind: entry.kind,
      start: entry.start,
      live,
      label: entry.label,
      entryId: entry.id,
    });
    this.states.set(entry.id, {
      id: entry.id,
      kind: entry.kind,
      label: entry.label,
      session,
      state: 'running',
      ...(problem && !problem.ok
        ? { code: problem.error.code, message: `a saved change was refused: ${problem.error.message}` }
        : {}),
    });
  }

  private async restoreChat(inner: Dispatcher, chat: JoinedChat): Promise<void> {
    const [first, ...rest] = chat.rooms;
    const input: Json = {
      host: chat.host,
      port: chat.port,
      nick: chat.nick,
      tls: chat.tls,
      keepTrying: true,
      ...(first ? { room: first } : {}),
      ...(chat.password ? { password: chat.password } : {}),
      ...(chat.fingerprint ? { fingerprint: chat.fingerprint } : {}),
    };
    // Through track's bookkeeping, so the restored chat is saved again under its new session.
    const r = await inner.call('chat.connect', input);
    if (!r.ok) return;
    const session = (r.value as { session: string }).session;
    this.observe('chat.connect', input, r.value);
    for (const room of rest) {
      const jr = await inner.call('chat.join', { session, room });
      if (jr.ok) this.observe('chat.join', { session, room }, jr.value);
    }
  }

  // ---- bookkeeping ---------------------------------------------------------------------------------

  private observe(channel: string, input: Json, output: unknown): void {
    const startKind = kindOfStart(channel);
    if (startKind && isRecord(output) && typeof output.session === 'string') {
      // A server asked for port 0 got one from the OS: restoring it means that port again, so the
      // clients that knew it find it.
      const recorded = { ...input };
      if (recorded.port === 0 && typeof output.port === 'number') recorded.port = output.port;
      const port = typeof output.port === 'number' ? ` :${output.port}` : '';
      const name = typeof output.name === 'string' ? ` "${output.name}"` : '';
      this.tracked.set(output.session, {
        kind: startKind,
        start: { channel, input: recorded },
        live: [],
        label: `${LABEL[startKind]}${name}${port}`,
      });
      return;
    }
    const session = typeof input.session === 'string' ? input.session : undefined;
    const liveKind = LIVE_CHANNELS[channel];
    if (liveKind && session) {
      const t = this.tracked.get(session);
      if (!t || t.kind !== liveKind) return;
      const { session: _omit, ...rest } = input;
      void _omit;
      if (REPLACING.has(channel)) t.live = t.live.filter((c) => c.channel !== channel);
      t.live.push({ channel, input: rest });
      if (t.live.length > WORKSPACE_LIMITS.maxLiveCalls)
        t.live.splice(0, t.live.length - WORKSPACE_LIMITS.maxLiveCalls);
      if (t.entryId) this.saveEntry(t);
      return;
    }
    for (const [kind, stop] of Object.entries(STOP_CHANNEL)) {
      if (stop !== channel || !session) continue;
      const t = this.tracked.get(session);
      if (!t || t.kind !== kind) continue;
      this.tracked.delete(session);
      // Stopped by the user: it no longer starts on launch.
      if (t.entryId) {
        this.states.delete(t.entryId);
        this.removeEntry(t.entryId);
        this.emitLaunch();
      }
      return;
    }
    this.observeChat(channel, input, output, session);
  }

  private observeChat(channel: string, input: Json, output: unknown, session: string | undefined): void {
    if (channel === 'chat.connect' && isRecord(output) && typeof output.session === 'string') {
      const chat: JoinedChat = {
        id: output.session,
        host: String(input.host),
        port: Number(input.port),
        nick: String(input.nick),
        tls: input.tls === true,
        rooms: [typeof input.room === 'string' ? input.room : 'lobby'],
        ...(typeof input.password === 'string' ? { password: input.password } : {}),
        ...(typeof input.fingerprint === 'string' ? { fingerprint: input.fingerprint } : {}),
      };
      this.chats.set(output.session, chat);
      const servers = [
        {
          host: chat.host,
          port: chat.port,
          tls: chat.tls,
          lastUsed: Date.now(),
          ...(typeof output.serverName === 'string' ? { name: output.serverName } : {}),
        },
        ...this.ws.chat.servers.filter((s) => s.host !== chat.host || s.port !== chat.port),
      ].slice(0, WORKSPACE_LIMITS.maxKnownServers);
      this.ws = { ...this.ws, chat: { ...this.ws.chat, nick: chat.nick, servers } };
      this.persistChats();
      return;
    }
    if (!session) return;
    const chat = this.chats.get(session);
    if (!chat) return;
    const room = typeof input.room === 'string' ? input.room : undefined;
    if (channel === 'chat.join' && room && !chat.rooms.includes(room)) {
      if (chat.rooms.length < WORKSPACE_LIMITS.maxRoomsPerChat) chat.rooms.push(room);
    } else if (channel === 'chat.leave' && room) chat.rooms = chat.rooms.filter((r) => r !== room);
    else if (channel === 'chat.disconnect') this.chats.delete(session);
    else return;
    this.persistChats();
  }

  private persistChats(): void {
    const joined = [...this.chats.values()].slice(0, WORKSPACE_LIMITS.maxChats);
    this.ws = { ...this.ws, chat: { ...this.ws.chat, joined: structuredClone(joined) } };
    this.persist();
  }

  private saveEntry(t: Tracked): void {
    const entry: LaunchEntry = {
      id: t.entryId!,
      kind: t.kind,
      label: t.label,
      start: t.start,
      live: [...t.live],
    };
    const launch = this.ws.launch.some((e) => e.id === entry.id)
      ? this.ws.launch.map((e) => (e.id === entry.id ? entry : e))
      : [...this.ws.launch, entry];
    this.ws = { ...this.ws, launch };
    this.persist();
  }

  private removeEntry(id: string): void {
    this.ws = { ...this.ws, launch: this.ws.launch.filter((e) => e.id !== id) };
    this.persist();
  }

  private persist(): void {
    this.ws = { ...this.ws, savedAt: Date.now() };
    saveWorkspace(this.options.file, this.ws);
  }

  private launchStates(): LaunchState[] {
    return [...this.states.values()].map((s) => ({ ...s }));
  }

  private emitLaunch(): void {
    this.emit({
      engine: 'workspace',
      type: 'launch',
      session: 'workspace',
      at: Date.now(),
      launch: this.launchStates(),
    });
  }
}
