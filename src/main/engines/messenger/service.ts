// The LAN messenger as the UI and CLI call it (contract/messenger.ts; engine name `messenger`): start
// with a nickname (listen, announce, browse, dial the peers we know), people, direct and group
// conversations, sending (stored first, delivered when each member is reachable), history pages.
// Everything lives under `<dataDir>/messenger/`: identity, certificate, peer directory, history log.
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import {
  MESSENGER_DEFAULTS,
  type MessengerConversation,
  type MessengerEvent,
  type MessengerFileTransfer,
  type MessengerInfo,
  type MessengerMessage,
  type MessengerPeer,
  type MessengerStatus,
} from '../../../shared/contract/messenger';
import type { AppCertificate } from '../common/app-cert';
import { TypedEmitter } from '../common/emitter';
import { EngineError } from '../common/errors';
import { lanInterfaces } from '../common/lan-interfaces';
import type { Conversation, StoredMessage } from './conversation';
import type { MeshEvent } from './events';
import { Identity } from './identity';
import { addChange, leaveChange, ownGroup, removeChange, targetsOf } from './membership-commands';
import { MessengerFiles } from './files';
import { Mesh } from './mesh';
import { MESSENGER_SERVICE_DEFAULTS, type MessengerOptions } from './options';
import { Presence } from './presence';
import { MessengerStore } from './store';

export { MESSENGER_SERVICE_DEFAULTS, type MessengerOptions } from './options';

interface StartInput {
  nick: string;
  status: MessengerStatus;
  host: string;
  port: number;
  discovery?: boolean;
  interfaces?: string[];
  peers: { host: string; port: number }[];
}

interface Running {
  mesh: Mesh;
  presence?: Presence;
  /** start() did not turn discovery off; the instance switch and the app's LAN setting decide too. */
  wantsDiscovery: boolean;
  interfaces?: string[];
  cert: AppCertificate;
  host: string;
  nick: string;
  status: MessengerStatus;
}

export class MessengerService extends TypedEmitter<MessengerEvent> {
  private readonly options: MessengerOptions;
  private identity?: Identity;
  private store?: MessengerStore;
  private transfers?: MessengerFiles;
  private running?: Running;
  private starting?: Promise<MessengerInfo>;
  private readonly convSoon = new Set<string>();
  private lanAllowed = true;

  constructor(options: Partial<MessengerOptions> & { dataDir: string; discovery: boolean }) {
    super();
    this.options = { ...MESSENGER_SERVICE_DEFAULTS, ...options };
  }

  private publish(e: MeshEvent): void {
    this.emit({ ...e, engine: 'messenger', session: 'messenger', at: Date.now() } as MessengerEvent);
  }

  /** Identity and history are opened on first use, so history can be read with LAN chat off. */
  private open(): { identity: Identity; store: MessengerStore; files: MessengerFiles } {
    if (!this.identity || !this.store) {
      const dir = join(this.options.dataDir, 'messenger');
      const identity = new Identity(dir, (p) => this.options.onStorageProblem?.(p));
      const store = new MessengerStore(identity.id, {
        path: join(dir, 'history.jsonl'),
        fsync: this.options.fsync,
        fsyncIntervalMs: this.options.fsyncIntervalMs,
        maxConversations: this.options.maxConversations,
      });
      store.load();
      this.identity = identity;
      this.store = store;
      this.transfers = new MessengerFiles(
        join(dir, 'files.json'),
        this.options,
        {
          self: identity.id,
          link: (peer) => this.running?.mesh.peers.get(peer)?.link,
          nick: (peer) => this.nickOf(peer) ?? peer,
          changed: (transfer) => this.publish({ type: 'file', transfer }),
          offered: (peer) => this.conversationChanged(store.direct(peer, this.nickOf(peer) ?? peer).id),
        },
        (p) => this.options.onStorageProblem?.(p),
      );
      this.transfers.load();
    }
    return { identity: this.identity, store: this.store, files: this.transfers! };
  }

  private need(): Running & { store: MessengerStore; identity: Identity } {
    if (!this.running) throw new EngineError('MESSENGER_NOT_RUNNING', 'start LAN chat first');
    return { ...this.running, ...this.open() };
  }

  async start(input: StartInput): Promise<MessengerInfo> {
    if (this.running) return this.info();
    this.starting ??= this.doStart(input).finally(() => (this.starting = undefined));
    return this.starting;
  }

  private async doStart(input: StartInput): Promise<MessengerInfo> {
    const { identity, store } = this.open();
    const cert = await identity.certificate();
    store.signer = identity.signer;
    identity.rememberNick(input.nick);
    const r = {
      cert,
      host: input.host,
      nick: input.nick,
      status: input.status,
      wantsDiscovery: false,
    } as Running;
    const o = this.options;
    r.mesh = new Mesh(
      { ...o, host: input.host, port: input.port },
      {
        store,
        identity,
        cert,
        me: () => ({ nick: r.nick, status: r.status }),
        emit: (e) => this.publish(e),
        stored: (m) => this.onStored(m),
        acked: (ms, by) => this.onAcked(ms, by),
        files: this.open().files,
      },
    );
    this.running = r;
    try {
      await r.mesh.start();
      r.wantsDiscovery = input.discovery !== false;
      r.interfaces = input.interfaces;
      if (this.discoveryOn(r)) this.openPresence(r);
      for (const a of input.peers) r.mesh.addAddress(a.host, a.port);
    } catch (err) {
      this.running = undefined;
      await r.presence?.close();
      await r.mesh.close();
      throw err;
    }
    const info = this.info();
    this.publish({ type: 'state', info });
    return info;
  }

  private discoveryOn(r: Running): boolean {
    return this.options.discovery && this.lanAllowed && r.wantsDiscovery;
  }

  private openPresence(r: Running): void {
    const names = r.interfaces ?? this.options.interfaces ?? lanInterfaces().map((i) => i.name);
    const presence = new Presence(names, this.options.browseRefreshMs, {
      up: (p) => r.mesh.announced(p),
      down: (id, via) => r.mesh.announcementGone(id, via),
      error: (message) => this.publish({ type: 'error', code: 'CHAT_DISCOVERY_FAILED', message }),
    });
    r.presence = presence;
    presence.announce(this.announcement(r));
    presence.browse();
  }

  /**
   * The app's LAN setting (settings.lanDiscovery): off withdraws our announcement (goodbye) and closes
   * every mDNS socket at once; on opens them again. Connections to peers stay as they are.
   */
  async setDiscoveryAllowed(allowed: boolean): Promise<void> {
    if (allowed === this.lanAllowed) return;
    this.lanAllowed = allowed;
    const r = this.running;
    if (!r) return;
    if (!allowed && r.presence) {
      const p = r.presence;
      r.presence = undefined;
      await p.close();
    } else if (allowed && !r.presence && this.discoveryOn(r)) this.openPresence(r);
    this.publish({ type: 'state', info: this.info() });
  }

  private announcement(r: Running) {
    return {
      id: this.open().identity.id,
      nick: r.nick,
      status: r.status,
      port: r.mesh.port,
      fingerprint: r.cert.fingerprint256,
    };
  }

  async stop(): Promise<Record<string, never>> {
    await this.starting?.catch(() => undefined);
    const r = this.running;
    if (!r) return {};
    this.running = undefined;
    await r.presence?.close();
    await r.mesh.close();
    this.identity?.flush();
    this.publish({ type: 'state', info: this.info() });
    return {};
  }

  async close(): Promise<void> {
    await this.stop();
    await this.transfers?.close();
    this.store?.close();
    this.store = undefined;
    this.identity = undefined;
    this.removeAllListeners();
  }

  info(): MessengerInfo {
    const r = this.running;
    const { identity } = this.open();
    return {
      state: r ? 'running' : 'stopped',
      instanceId: identity.id,
      nick: r?.nick ?? identity.lastNick ?? '',
      status: r?.status ?? 'online',
      host: r?.host ?? '',
      port: r?.mesh.port ?? 0,
      fingerprint: r?.cert.fingerprint256 ?? '',
      discovery: !!r?.presence,
      interfaces: r?.presence?.addresses ?? [],
      protocolVersion: MESSENGER_DEFAULTS.protocolVersion,
    };
  }

  async setStatus(input: { status?: MessengerStatus; nick?: string }): Promise<MessengerInfo> {
    const r = this.need();
    if (input.status) r.status = input.status;
    if (input.nick) {
      r.nick = input.nick;
      r.identity.rememberNick(input.nick);
    }
    const current = this.running!;
    current.status = r.status;
    current.nick = r.nick;
    current.mesh.broadcast({ t: 'status', status: r.status, nick: r.nick });
    await current.presence?.reannounce(this.announcement(current));
    const info = this.info();
    this.publish({ type: 'state', info });
    return info;
  }

  peers(): { peers: MessengerPeer[] } {
    const r = this.running;
    if (r) return { peers: [...r.mesh.peers.values()].map((p) => r.mesh.info(p)) };
    const { identity, store } = this.open();
    return {
      peers: [...identity.known].map(([id, k]) => ({
        id,
        nick: k.nick,
        host: k.host,
        port: k.port,
        presence: 'offline' as const,
        offlineSince: k.lastSeen,
        lastSeen: k.lastSeen,
        fingerprint: k.fingerprint,
        connected: false,
        source: 'history' as const,
        outbox: store.outboxSize(id),
      })),
    };
  }

  addPeer(input: { host: string; port: number }): Record<string, never> {
    this.need().mesh.addAddress(input.host, input.port);
    return {};
  }

  trustPeer(input: { peer: string; fingerprint: string }): Record<string, never> {
    const r = this.running;
    if (r) r.mesh.trust(input.peer, input.fingerprint);
    else this.open().identity.pin(input.peer, input.fingerprint, input.peer);
    return {};
  }

  // ---- conversations -------------------------------------------------------------------------

  private nickOf(id: string): string | undefined {
    return this.running?.mesh.peers.get(id)?.nick ?? this.identity?.known.get(id)?.nick;
  }

  private toMessage(m: StoredMessage): MessengerMessage {
    const { store } = this.open();
    return {
      id: m.id,
      conversation: m.conv,
      from: m.from,
      fromNick: m.nick,
      seq: m.seq,
      lamport: m.lamport,
      at: m.at,
      kind: m.kind,
      text: m.text,
      ...(m.members ? { members: m.members } : {}),
      ...(m.name !== undefined ? { name: m.name } : {}),
      ...(m.add ? { add: m.add } : {}),
      ...(m.remove ? { remove: m.remove } : {}),
      status: m.mine ? (store.delivered(m) ? 'delivered' : 'pending') : 'received',
      mine: m.mine,
      ackedBy: m.mine ? store.ackedBy(m) : [],
      late: m.late,
      storedAt: m.storedAt,
    };
  }

  private toConversation(c: Conversation): MessengerConversation {
    const { store, identity } = this.open();
    const other = c.kind === 'direct' ? c.members.find((m) => m !== identity.id) : undefined;
    const last = c.messages[c.messages.length - 1];
    return {
      id: c.id,
      kind: c.kind,
      name: (other && this.nickOf(other)) || c.name || other || c.id,
      members: [...c.members],
      left: !c.members.includes(identity.id),
      messages: c.messages.length,
      unread: c.unread,
      pending: store.pending(c),
      ...(last ? { last: this.toMessage(last) } : {}),
    };
  }

  /** One conversation event per conversation per turn, however many messages changed it. */
  private conversationChanged(id: string): void {
    if (this.convSoon.has(id)) return;
    this.convSoon.add(id);
    setImmediate(() => {
      this.convSoon.delete(id);
      const c = this.store?.conversations.get(id);
      if (c) this.publish({ type: 'conversation', conversation: this.toConversation(c) });
    });
  }

  private onStored(m: StoredMessage): void {
    this.publish({ type: 'message', message: this.toMessage(m) });
    this.conversationChanged(m.conv);
  }

  private onAcked(ms: StoredMessage[], by: string): void {
    const { store } = this.open();
    for (const m of ms)
      this.publish({
        type: 'message.acked',
        conversation: m.conv,
        id: m.id,
        by,
        delivered: store.delivered(m),
      });
    if (ms.length > 0) this.conversationChanged(ms[0]!.conv);
  }

  conversations(): { conversations: MessengerConversation[] } {
    const { store } = this.open();
    const list = [...store.conversations.values()].map((c) => this.toConversation(c));
    list.sort((a, b) => (b.last?.storedAt ?? 0) - (a.last?.storedAt ?? 0));
    return { conversations: list };
  }

  private knownPeer(id: string): string {
    const nick = this.nickOf(id);
    if (nick === undefined) throw new EngineError('MESSENGER_PEER_UNKNOWN', `no peer ${id}`);
    return nick;
  }

  openDirect(input: { peer: string }): MessengerConversation {
    const { store, identity } = this.open();
    if (input.peer === identity.id)
      throw new EngineError('INVALID_INPUT', 'a direct conversation needs someone else');
    const c = store.direct(input.peer, this.knownPeer(input.peer));
    this.conversationChanged(c.id);
    return this.toConversation(c);
  }

  private composeAndPush(c: Conversation, body: Parameters<MessengerStore['compose']>[2]): StoredMessage {
    const r = this.need();
    const targets = targetsOf(c, body, r.identity.id);
    for (const t of targets)
      if (r.store.outboxSize(t) >= this.options.maxOutbox)
        throw new EngineError(
          'MESSENGER_OUTBOX_FULL',
          `${this.nickOf(t) ?? t} has ${this.options.maxOutbox} messages waiting (maxOutbox)`,
        );
    const m = r.store.compose(c.id, r.nick, body, () => r.mesh.pushNew(targets));
    this.publish({ type: 'message', message: this.toMessage(m) });
    this.conversationChanged(c.id);
    return m;
  }

  createGroup(input: { name: string; members: string[] }): MessengerConversation {
    const r = this.need();
    for (const m of input.members) this.knownPeer(m);
    const id = `g:${randomBytes(8).toString('hex')}`;
    const first = r.store.createGroup(id, input.name, input.members, r.nick, () =>
      r.mesh.pushNew(input.members),
    );
    this.publish({ type: 'message', message: this.toMessage(first) });
    const c = r.store.get(id);
    this.conversationChanged(id);
    return this.toConversation(c);
  }

  private group(id: string): Conversation {
    const { store, identity } = this.open();
    return ownGroup(store.get(id), identity.id);
  }

  addMembers(input: { conversation: string; members: string[] }): MessengerConversation {
    const c = this.group(input.conversation);
    for (const m of input.members) this.knownPeer(m);
    this.composeAndPush(c, addChange(c, input.members, MESSENGER_DEFAULTS.maxGroupMembers));
    return this.toConversation(c);
  }

  removeMembers(input: { conversation: string; members: string[] }): MessengerConversation {
    const c = this.group(input.conversation);
    this.composeAndPush(c, removeChange(c, input.members, this.open().identity.id));
    return this.toConversation(c);
  }

  leaveGroup(input: { conversation: string }): Record<string, never> {
    const c = this.group(input.conversation);
    this.composeAndPush(c, leaveChange(c, this.open().identity.id));
    return {};
  }

  send(input: { conversation: string; text: string }): { message: MessengerMessage } {
    const { store, identity } = this.open();
    const c = store.get(input.conversation);
    if (!c.members.includes(identity.id))
      throw new EngineError('MESSENGER_NOT_MEMBER', `not a member of ${input.conversation}`);
    const m = this.composeAndPush(c, { kind: 'text', text: input.text });
    return { message: this.toMessage(m) };
  }

  messages(input: { conversation: string; limit: number; before?: string }): {
    messages: MessengerMessage[];
    more: boolean;
  } {
    const page = this.open().store.get(input.conversation).page(input.limit, input.before);
    return { messages: page.messages.map((m) => this.toMessage(m)), more: page.more };
  }

  markRead(input: { conversation: string }): Record<string, never> {
    this.open().store.markRead(input.conversation);
    this.conversationChanged(input.conversation);
    return {};
  }

  typing(input: { conversation: string; on: boolean }): Record<string, never> {
    const r = this.need();
    const c = r.store.get(input.conversation);
    r.mesh.toMembers(
      c.members.filter((m) => m !== r.identity.id),
      { t: 'typing', conv: c.id, on: input.on },
    );
    return {};
  }

  // ---- files in direct conversations (files.ts) ----------------------------------------------

  async fileOffer(input: { conversation: string; path: string }): Promise<MessengerFileTransfer> {
    this.need();
    return this.open().files.offer(input.conversation, input.path);
  }

  async fileAccept(input: { fileId: string; saveAs: string }): Promise<MessengerFileTransfer> {
    this.need();
    return this.open().files.accept(input.fileId, input.saveAs);
  }

  fileDecline(input: { fileId: string }): MessengerFileTransfer {
    return this.open().files.decline(input.fileId);
  }

  fileCancel(input: { fileId: string }): Promise<MessengerFileTransfer> {
    return this.open().files.cancel(input.fileId);
  }

  files(input: { conversation?: string }): { transfers: MessengerFileTransfer[] } {
    return { transfers: this.open().files.list(input.conversation) };
  }
}
