// The chat engine as the dispatcher sees it: the hosted servers and joined chats of one app instance,
// plus LAN discovery. It owns where things live under the data dir (docs/chat.md "Files"):
//   chat/identity.json        this instance's secret identity (owns its nicknames on servers)
//   chat/known-servers.json   pinned certificate fingerprints, "host:port" → SHA-256
//   chat/servers/<name>/      history.jsonl of a hosted server
//   chat/clients/<host>-<port>/<nick>.jsonl   a joined chat's history and unacknowledged messages
// The TLS certificate is the app's own (common/app-cert), shared with the other engines of the instance.
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { z } from 'zod';
import type {
  ChatClientInfo,
  ChatEvent,
  DiscoveredServer,
  FileTransferInfo,
  HostInfo,
  RoomSummary,
  chatContract,
} from '../../../shared/contract/chat';
import { CHAT_DEFAULTS } from '../../../shared/contract/chat';
import { loadOrCreateAppCertificate } from '../common/app-cert';
import { TypedEmitter } from '../common/emitter';
import { EngineError } from '../common/errors';
import { IdSequence } from '../common/ids';
import { JsonFile } from '../common/json-file';
import { ChatClient, type OlderPage, type PinStore } from './client';
import { ChatDiscovery } from './discovery';
import { ChatServer } from './server';

type In<K extends keyof typeof chatContract> = z.output<(typeof chatContract)[K]['input']>;

export interface ChatServiceOptions {
  /** The instance's data directory (DataDir.path). */
  dataDir: string;
  /** Announce and browse on the LAN. Off in tests and benchmarks (see services.ts). */
  discovery: boolean;
  /** Interface name or IPv4 address for mDNS; undefined = all. */
  discoveryInterface?: string;
}

const IdentityFile = z.object({
  identity: z
    .string()
    .min(16)
    .default(() => randomBytes(24).toString('hex')),
});
const PinsFile = z.object({ pins: z.record(z.string(), z.string()).default({}) });

function slug(name: string): string {
  return name.replace(/[^A-Za-z0-9_.-]/g, '_').slice(0, 60) || 'server';
}

interface Hosted {
  server: ChatServer;
  dir: string;
  /** What the host asked for, kept so the LAN setting can withdraw and later restore it. */
  announce?: { name: string; interface?: string; tls?: { fingerprint256: string } };
  announcement?: { discovery: ChatDiscovery; key: string; own: boolean };
}

export class ChatService extends TypedEmitter<ChatEvent> {
  private readonly hosts = new Map<string, Hosted>();
  private readonly clients = new Map<string, ChatClient>();
  private readonly hostIds = new IdSequence('chat-host-');
  private readonly clientIds = new IdSequence('chat-');
  private readonly identity: string;
  private readonly pinsFile: JsonFile<typeof PinsFile>;
  private pins: Record<string, string>;
  private discovery?: ChatDiscovery;

  constructor(private readonly options: ChatServiceOptions) {
    super();
    const onProblem = (p: { file: string; movedTo: string; message: string }) =>
      this.emit({
        engine: 'chat',
        type: 'host.error',
        session: 'chat',
        at: Date.now(),
        code: 'STORAGE_CORRUPT',
        message: `${p.file}: ${p.message} (moved to ${p.movedTo})`,
      });
    const idFile = new JsonFile(join(options.dataDir, 'chat', 'identity.json'), IdentityFile, onProblem);
    const id = idFile.load();
    this.identity = id.identity;
    idFile.save(id);
    this.pinsFile = new JsonFile(join(options.dataDir, 'chat', 'known-servers.json'), PinsFile, onProblem);
    this.pins = this.pinsFile.load().pins;
  }

  /** The user's LAN setting; the instance switch (`options.discovery`) can only narrow it. */
  private userAllowsDiscovery = true;

  get discoveryEnabled(): boolean {
    return this.options.discovery && this.userAllowsDiscovery;
  }

  /**
   * Applies the app's "LAN discovery" setting at run time: off withdraws every announcement and stops
   * browsing; on restores the announcements hosts asked for. Never turns on what --no-discovery forbids.
   */
  async setDiscoveryAllowed(allowed: boolean): Promise<void> {
    if (allowed === this.userAllowsDiscovery) return;
    this.userAllowsDiscovery = allowed;
    if (!allowed) {
      await Promise.all([...this.hosts.values()].map((h) => this.withdraw(h)));
      await this.discovery?.close();
      this.discovery = undefined;
    } else if (this.discoveryEnabled) {
      for (const h of this.hosts.values()) if (h.announce) this.announce(h);
    }
  }

  private pinStore(): PinStore {
    return {
      get: (key) => this.pins[key],
      set: (key, fp) => {
        this.pins = { ...this.pins, [key]: fp };
        this.pinsFile.save({ pins: this.pins });
      },
    };
  }

  private disco(): ChatDiscovery {
    if (!this.discovery) {
      this.discovery = new ChatDiscovery('discovery', {
        interface: this.options.discoveryInterface,
        refreshMs: 5000,
      });
      this.discovery.on((e) => this.emit(e));
    }
    return this.discovery;
  }

  async hostStart(input: In<'hostStart'>): Promise<HostInfo> {
    const name = input.name ?? `Wirelab chat ${randomBytes(2).toString('hex')}`;
    const dir = join(this.options.dataDir, 'chat', 'servers', slug(name));
    if ([...this.hosts.values()].some((h) => h.dir === dir))
      throw new EngineError('INVALID_INPUT', `a chat server named "${name}" is already running here`);
    // The instance switch (--no-discovery, tests) and the LAN setting win over a per-server request:
    // they are a promise that no multicast leaves this instance.
    const wanted = input.discovery ?? true;
    const tls = input.tls ? await loadOrCreateAppCertificate(this.options.dataDir) : undefined;
    const session = this.hostIds.next();
    const server = new ChatServer(session, {
      name,
      host: input.host,
      port: input.port,
      tls,
      password: input.password,
      dataDir: dir,
      maxClients: input.maxClients,
      historyOnJoin: input.historyOnJoin,
      rateLimitPerSec: input.rateLimitPerSec,
      rateLimitBurst: Math.max(CHAT_DEFAULTS.rateLimitBurst, input.rateLimitPerSec * 3),
      maxFileBytes: input.maxFileBytes,
    });
    server.on((e) => this.emit(e));
    await server.start();
    const hosted: Hosted = {
      server,
      dir,
      ...(wanted ? { announce: { name, interface: input.interface, ...(tls ? { tls } : {}) } } : {}),
    };
    this.hosts.set(session, hosted);
    if (wanted && this.discoveryEnabled) {
      try {
        this.announce(hosted);
      } catch (err) {
        await server.close();
        this.hosts.delete(session);
        throw err;
      }
    }
    const discovery = Boolean(hosted.announcement);
    return server.info(discovery);
  }

  async hostStop(input: In<'hostStop'>): Promise<{ closedClients: number }> {
    const h = this.host(input.session);
    const n = h.server.clientCount;
    await this.withdraw(h);
    await h.server.close();
    this.hosts.delete(input.session);
    return { closedClients: n };
  }

  hostKick(input: In<'hostKick'>): Record<string, never> {
    this.host(input.session).server.kick(input.nick);
    return {};
  }

  async connect(input: In<'connect'>): Promise<ChatClientInfo> {
    const session = this.clientIds.next();
    const client = new ChatClient(session, {
      host: input.host,
      port: input.port,
      nick: input.nick,
      identity: this.identity,
      rooms: [input.room],
      password: input.password,
      tls: input.tls,
      expectedFingerprint: input.fingerprint,
      keepTrying: input.keepTrying === true,
      pins: this.pinStore(),
      storeDir: join(this.options.dataDir, 'chat', 'clients'),
    });
    client.on((e) => this.emit(e));
    this.clients.set(session, client);
    try {
      return await client.start();
    } catch (err) {
      this.clients.delete(session);
      await client.close();
      throw err;
    }
  }

  async disconnect(input: In<'disconnect'>): Promise<Record<string, never>> {
    await this.client(input.session).close();
    this.clients.delete(input.session);
    return {};
  }

  send(input: In<'send'>): { id: string } {
    return { id: this.client(input.session).send({ room: input.room, to: input.to }, input.text) };
  }

  join(input: In<'join'>): Record<string, never> {
    this.client(input.session).join(input.room);
    return {};
  }

  leave(input: In<'leave'>): Record<string, never> {
    this.client(input.session).leave(input.room);
    return {};
  }

  async rooms(input: In<'rooms'>): Promise<{ rooms: RoomSummary[] }> {
    return { rooms: await this.client(input.session).listRooms() };
  }

  typing(input: In<'typing'>): Record<string, never> {
    this.client(input.session).typing({ room: input.room, to: input.to }, input.on);
    return {};
  }

  async messages(input: In<'messages'>): Promise<OlderPage> {
    if ((input.room === undefined) === (input.peer === undefined))
      throw new EngineError('INVALID_INPUT', 'give exactly one of room or peer');
    const client = this.client(input.session);
    const target = { room: input.room, peer: input.peer };
    // An older page comes from the client's own memory and log, oldest first.
    if (input.beforeId !== undefined) return client.olderLocal(target, input.beforeId, input.limit);
    const messages = client.messages(target, input.limit);
    return { messages, more: messages.length >= input.limit };
  }

  olderMessages(input: In<'olderMessages'>): Promise<OlderPage> {
    return this.client(input.session).older(input.room, input.before, input.limit);
  }

  list(): { hosts: HostInfo[]; clients: ChatClientInfo[] } {
    return {
      hosts: [...this.hosts.values()].map((h) => h.server.info(Boolean(h.announcement))),
      clients: [...this.clients.values()].map((c) => c.info()),
    };
  }

  discover(): { enabled: boolean; servers: DiscoveredServer[]; off?: 'instance' | 'setting' } {
    if (!this.options.discovery) return { enabled: false, servers: [], off: 'instance' };
    if (!this.userAllowsDiscovery) return { enabled: false, servers: [], off: 'setting' };
    return { enabled: true, servers: this.disco().browse() };
  }

  private announce(h: Hosted): void {
    const a = h.announce;
    if (!a || h.announcement) return;
    // A server bound to another interface than the instance's gets its own mDNS socket there.
    const own = a.interface !== undefined && a.interface !== this.options.discoveryInterface;
    const d = own
      ? new ChatDiscovery(h.server.session, { interface: a.interface, refreshMs: 5000 })
      : this.disco();
    if (own) d.on((e) => this.emit(e));
    h.announcement = {
      discovery: d,
      own,
      key: d.announce({
        name: a.name,
        port: h.server.port,
        tls: Boolean(a.tls),
        fingerprint: a.tls?.fingerprint256,
      }),
    };
  }

  trustFingerprint(input: In<'trustFingerprint'>): Record<string, never> {
    this.pinStore().set(`${input.host}:${input.port}`, input.fingerprint);
    return {};
  }

  fileOffer(input: In<'fileOffer'>): Promise<FileTransferInfo> {
    return this.client(input.session).files.offer(input.to, input.path);
  }

  fileAccept(input: In<'fileAccept'>): Promise<FileTransferInfo> {
    return this.client(input.session).files.accept(input.fileId, input.saveAs);
  }

  fileCancel(input: In<'fileCancel'>): Record<string, never> {
    this.client(input.session).files.cancel(input.fileId);
    return {};
  }

  files(input: In<'files'>): { transfers: FileTransferInfo[] } {
    return { transfers: this.client(input.session).files.list() };
  }

  async close(): Promise<void> {
    await Promise.all([...this.clients.values()].map((c) => c.close()));
    this.clients.clear();
    await Promise.all(
      [...this.hosts.values()].map(async (h) => {
        await this.withdraw(h);
        await h.server.close();
      }),
    );
    this.hosts.clear();
    await this.discovery?.close();
    this.discovery = undefined;
  }

  private async withdraw(h: Hosted): Promise<void> {
    const a = h.announcement;
    h.announcement = undefined;
    if (!a) return;
    await a.discovery.withdraw(a.key);
    if (a.own) await a.discovery.close();
  }

  private host(session: string): Hosted {
    const h = this.hosts.get(session);
    if (!h) throw new EngineError('NOT_FOUND', `no chat server ${session}`);
    return h;
  }

  private client(session: string): ChatClient {
    const c = this.clients.get(session);
    if (!c) throw new EngineError('NOT_FOUND', `no chat ${session}`);
    return c;
  }
}
