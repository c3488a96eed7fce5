// The server and client sessions of one stream engine (TCP, TLS sockets) in one app instance: ids,
// lookup with NOT_FOUND, stop, kick, connect-and-register, list, close-all. Engines own one each;
// nothing here is module-level.
import { EngineError } from './errors';
import { IdSequence } from './ids';

interface ServerLike<I> {
  readonly clientCount: number;
  info(): I;
  send(bytes: Uint8Array, clientId?: string): { sentTo: number; bytes: number };
  kick(clientId: string): void;
  close(): Promise<void>;
}

interface ClientLike<I> {
  info(): I;
  start(): Promise<I>;
  send(bytes: Uint8Array): { bytes: number };
  close(): Promise<void>;
}

export class StreamSessions<SI, CI, S extends ServerLike<SI>, C extends ClientLike<CI>> {
  private readonly servers = new Map<string, S>();
  private readonly clients = new Map<string, C>();
  private readonly serverIds: IdSequence;
  private readonly clientIds: IdSequence;

  /** `label` names the kind in errors ("TCP", "TLS"); prefixes make readable session ids. */
  constructor(
    private readonly label: string,
    prefix: string,
  ) {
    this.serverIds = new IdSequence(`${prefix}srv-`);
    this.clientIds = new IdSequence(`${prefix}cli-`);
  }

  /** Starts a server made by `make(sessionId)` and registers it once it listens. */
  async startServer(make: (session: string) => S, start: (server: S) => Promise<SI>): Promise<SI> {
    const session = this.serverIds.next();
    const server = make(session);
    const info = await start(server);
    this.servers.set(session, server);
    return info;
  }

  async stopServer(session: string): Promise<{ closedClients: number }> {
    const server = this.server(session);
    const n = server.clientCount;
    await server.close();
    this.servers.delete(session);
    return { closedClients: n };
  }

  /** Registers before connecting, so a connection's events can name it, and forgets it on failure. */
  async connect(make: (session: string) => C): Promise<CI> {
    const session = this.clientIds.next();
    const client = make(session);
    this.clients.set(session, client);
    try {
      return await client.start();
    } catch (err) {
      this.clients.delete(session);
      throw err;
    }
  }

  async closeClient(session: string): Promise<Record<string, never>> {
    await this.client(session).close();
    return {};
  }

  async removeClient(session: string): Promise<Record<string, never>> {
    await this.client(session).close();
    this.clients.delete(session);
    return {};
  }

  list(): { servers: SI[]; clients: CI[] } {
    return {
      servers: [...this.servers.values()].map((s) => s.info()),
      clients: [...this.clients.values()].map((c) => c.info()),
    };
  }

  async close(): Promise<void> {
    await Promise.all([...this.servers.values()].map((s) => s.close()));
    await Promise.all([...this.clients.values()].map((c) => c.close()));
    this.servers.clear();
    this.clients.clear();
  }

  server(session: string): S {
    const s = this.servers.get(session);
    if (!s) throw new EngineError('NOT_FOUND', `no ${this.label} server ${session}`);
    return s;
  }

  client(session: string): C {
    const c = this.clients.get(session);
    if (!c) throw new EngineError('NOT_FOUND', `no ${this.label} client ${session}`);
    return c;
  }
}
