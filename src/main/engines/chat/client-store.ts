// What a chat client keeps, in memory and in its append-only log: the outbox of messages not yet
// acknowledged, the last room sequence numbers and inbox sequence it has (its resume points), and the
// conversations shown to the user. Replaying the log rebuilds all of it after a restart or a kill.
// It knows nothing of sockets or of the protocol's ordering rules (client.ts decides what to record).
// A log larger than `compactAboveBytes` at load is rewritten with only what the client still uses: the
// resume points, the outbox and the last `keep` messages of each conversation — the same state, replayed.
import { join } from 'node:path';
import { CHAT_DEFAULTS, type ChatMessage } from '../../../shared/contract/chat';
import { AppendLog, type FsyncPolicy, type LoadReport } from '../common/append-log';
import type { WirePrivateMessage, WireRoomMessage } from './protocol';

export interface Outgoing {
  id: string;
  room?: string;
  to?: string;
  text: string;
  at: number;
  /** Written on the current connection (reset on reconnect so it is resent). */
  sent: boolean;
}

export type ClientRecord =
  | { k: 'out'; id: string; room?: string; to?: string; text: string; at: number }
  | { k: 'ack'; id: string; room?: string; seq?: number; to?: string; pseq?: number; at: number }
  | { k: 'fail'; id: string; code: string }
  | ({ k: 'msg' } & Omit<WireRoomMessage, 't'>)
  | ({ k: 'pm' } & Omit<WirePrivateMessage, 't'>)
  /** After compaction: resume points whose messages may no longer be in the log. */
  | { k: 'seq'; room: string; seq: number }
  | { k: 'inbox'; pseq: number };

function convKey(target: { room?: string; peer?: string }): string {
  return target.room !== undefined ? `#${target.room}` : `@${target.peer ?? ''}`;
}

function safeName(s: string): string {
  return s.replace(/[^A-Za-z0-9_.-]/g, '_').slice(0, 80);
}

export function clientStorePath(baseDir: string, host: string, port: number, nick: string): string {
  return join(baseDir, `${safeName(host)}-${port}`, `${safeName(nick)}.jsonl`);
}

/** The store of a chat client, at its place under `storeDir` (in memory without one). */
export function clientStoreFor(o: {
  storeDir?: string;
  host: string;
  port: number;
  nick: string;
  fsync: FsyncPolicy;
  fsyncIntervalMs: number;
  clientKeep: number;
  compactAboveBytes: number;
}): ClientStore {
  return new ClientStore({
    path: o.storeDir ? clientStorePath(o.storeDir, o.host, o.port, o.nick) : undefined,
    nick: o.nick,
    fsync: o.fsync,
    fsyncIntervalMs: o.fsyncIntervalMs,
    keep: o.clientKeep,
    compactAboveBytes: o.compactAboveBytes,
  });
}

export interface ClientStoreOptions {
  /** Log file; undefined keeps everything in memory. */
  path?: string;
  nick: string;
  fsync: FsyncPolicy;
  fsyncIntervalMs: number;
  /** Messages per conversation kept in memory. */
  keep: number;
  /** A log larger than this at load is compacted (default CHAT_DEFAULTS.compactAboveBytes). */
  compactAboveBytes?: number;
}

export class ClientStore {
  readonly outbox = new Map<string, Outgoing>();
  readonly lastSeq = new Map<string, number>();
  inboxSeq = 0;
  private readonly conversations = new Map<string, ChatMessage[]>();
  private readonly byId = new Map<string, ChatMessage>();
  private readonly log?: AppendLog;

  constructor(private readonly options: ClientStoreOptions) {
    if (options.path)
      this.log = new AppendLog(options.path, {
        fsync: options.fsync,
        fsyncIntervalMs: options.fsyncIntervalMs,
      });
  }

  /** Set when load() compacted the log: its size before and after. */
  compacted?: { before: number; after: number };

  load(): LoadReport | undefined {
    if (!this.log) return undefined;
    const report = this.log.load((r) => this.replay(r as ClientRecord));
    if (this.log.bytes > (this.options.compactAboveBytes ?? CHAT_DEFAULTS.compactAboveBytes)) this.compact();
    return report;
  }

  /**
   * Rewrites the log (atomically, see AppendLog.rewrite) with records that replay to the state now in
   * memory: room sequence numbers and the inbox sequence first, then each conversation's kept messages
   * in order, each as the record that produces its status (an own private message as out + ack).
   */
  private compact(): void {
    const nick = this.options.nick;
    const records: ClientRecord[] = [];
    for (const [room, seq] of this.lastSeq) records.push({ k: 'seq', room, seq });
    if (this.inboxSeq > 0) records.push({ k: 'inbox', pseq: this.inboxSeq });
    for (const list of this.conversations.values()) {
      for (const m of list) {
        const to = m.room === undefined ? m.peer : undefined;
        if (m.status === 'pending' || m.status === 'failed' || (m.from === nick && m.room === undefined)) {
          records.push({ k: 'out', id: m.id, room: m.room, to, text: m.text, at: m.at });
          if (m.status === 'failed') records.push({ k: 'fail', id: m.id, code: m.code ?? 'INTERNAL' });
          else if (m.status === 'sent') records.push({ k: 'ack', id: m.id, to, at: m.at });
        } else if (m.room !== undefined && m.seq !== undefined)
          records.push({
            k: 'msg',
            room: m.room,
            seq: m.seq,
            id: m.id,
            from: m.from,
            text: m.text,
            at: m.at,
          });
        else if (m.room === undefined)
          records.push({ k: 'pm', pseq: 0, id: m.id, from: m.from, to: nick, text: m.text, at: m.at });
      }
    }
    const before = this.log!.bytes;
    this.log!.rewrite(records);
    this.compacted = { before, after: this.log!.bytes };
  }

  record(r: ClientRecord): void {
    this.log?.append(r);
  }

  close(): void {
    this.log?.close();
  }

  has(id: string): boolean {
    return this.byId.has(id);
  }

  add(m: ChatMessage): void {
    const key = convKey(m);
    let list = this.conversations.get(key);
    if (!list) this.conversations.set(key, (list = []));
    list.push(m);
    this.byId.set(m.id, m);
    if (list.length > this.options.keep) {
      for (const old of list.splice(0, list.length - this.options.keep)) this.byId.delete(old.id);
      this.trimmed.add(key);
    }
  }

  /** Conversations whose older messages are only in the log (trimmed from memory). */
  private readonly trimmed = new Set<string>();

  /** The members this client has private conversations with. */
  peers(): string[] {
    const out: string[] = [];
    for (const [key, list] of this.conversations)
      if (key.startsWith('@') && list.length) out.push(key.slice(1));
    return out;
  }

  /** Changes a kept message; returns a copy of the result, or undefined when it is not kept. */
  update(id: string, patch: Partial<ChatMessage>): ChatMessage | undefined {
    const m = this.byId.get(id);
    if (!m) return undefined;
    Object.assign(m, patch);
    return { ...m };
  }

  messages(target: { room?: string; peer?: string }, limit: number): ChatMessage[] {
    return (this.conversations.get(convKey(target)) ?? []).slice(-limit).map((m) => ({ ...m }));
  }

  /**
   * An older page of a conversation: up to `limit` messages right before message `beforeId`, oldest
   * first, from memory and — past what memory keeps — from the log (scanned forward, at most
   * `scanBytes`). `more`: still older ones exist.
   */
  async older(
    target: { room?: string; peer?: string },
    beforeId: string,
    limit: number,
    scanBytes: number,
  ): Promise<{ messages: ChatMessage[]; more: boolean }> {
    const key = convKey(target);
    const list = this.conversations.get(key) ?? [];
    const at = list.findIndex((m) => m.id === beforeId);
    if (at > 0) {
      const from = Math.max(0, at - limit);
      const page = list.slice(from, at).map((m) => ({ ...m }));
      return { messages: page, more: from > 0 || this.trimmed.has(key) };
    }
    if (!this.trimmed.has(key) || !this.log) return { messages: [], more: false };
    return this.olderFromLog(key, beforeId, limit, scanBytes);
  }

  private async olderFromLog(
    key: string,
    beforeId: string,
    limit: number,
    scanBytes: number,
  ): Promise<{ messages: ChatMessage[]; more: boolean }> {
    const nick = this.options.nick;
    // A window of the last limit+1 matches: one more than a page tells whether there are more.
    const found: ChatMessage[] = [];
    const seen = new Set<string>();
    const failed = new Map<string, string>();
    let reached = false;
    const peer = key.slice(1);
    const room = key.startsWith('#') ? peer : undefined;
    await this.log!.readFrom(
      0,
      { maxBytes: scanBytes, chunkBytes: 256 * 1024, contains: Buffer.from(JSON.stringify(peer)) },
      (rec) => {
        const r = rec as ClientRecord;
        if ('id' in r && r.id === beforeId) {
          reached = true;
          return false;
        }
        let m: ChatMessage | undefined;
        if (r.k === 'pm' && room === undefined && r.from === peer)
          m = { id: r.id, peer, from: r.from, text: r.text, at: r.at, status: 'received' };
        else if (r.k === 'out' && room === undefined && r.to === peer)
          m = { id: r.id, peer, from: nick, text: r.text, at: r.at, status: 'sent' };
        else if (r.k === 'msg' && r.room === room)
          m = {
            id: r.id,
            room,
            from: r.from,
            text: r.text,
            at: r.at,
            seq: r.seq,
            status: r.from === nick ? 'sent' : 'received',
          };
        else if (r.k === 'fail') failed.set(r.id, r.code);
        if (m && !seen.has(m.id)) {
          seen.add(m.id);
          found.push(m);
          if (found.length > limit + 1) found.shift();
        }
        return true;
      },
    );
    if (!reached) return { messages: [], more: false };
    for (const m of found) {
      const code = failed.get(m.id);
      if (code) Object.assign(m, { status: 'failed', code });
    }
    return { messages: found.slice(-limit), more: found.length > limit };
  }

  private advance(room: string, seq: number): void {
    this.lastSeq.set(room, Math.max(this.lastSeq.get(room) ?? 0, seq));
  }

  private replay(r: ClientRecord): void {
    const nick = this.options.nick;
    switch (r.k) {
      case 'out':
        this.outbox.set(r.id, { id: r.id, room: r.room, to: r.to, text: r.text, at: r.at, sent: false });
        this.add({
          id: r.id,
          room: r.room,
          peer: r.to,
          from: nick,
          text: r.text,
          at: r.at,
          status: 'pending',
        });
        return;
      case 'ack':
        this.outbox.delete(r.id);
        if (r.room !== undefined && r.seq !== undefined) this.advance(r.room, r.seq);
        this.update(r.id, { status: 'sent', seq: r.seq, at: r.at });
        return;
      case 'fail':
        this.outbox.delete(r.id);
        this.update(r.id, { status: 'failed', code: r.code });
        return;
      case 'msg':
        this.advance(r.room, r.seq);
        if (this.byId.has(r.id)) this.update(r.id, { status: 'sent', seq: r.seq });
        else
          this.add({
            id: r.id,
            room: r.room,
            from: r.from,
            text: r.text,
            at: r.at,
            seq: r.seq,
            status: r.from === nick ? 'sent' : 'received',
          });
        return;
      case 'seq':
        this.advance(r.room, r.seq);
        return;
      case 'inbox':
        this.inboxSeq = Math.max(this.inboxSeq, r.pseq);
        return;
      case 'pm':
        this.inboxSeq = Math.max(this.inboxSeq, r.pseq);
        this.add({ id: r.id, peer: r.from, from: r.from, text: r.text, at: r.at, status: 'received' });
        return;
      default:
        return;
    }
  }
}
