// The WebSocket/SSE engine as the dispatcher sees it: owns the client, SSE and server sessions of one
// app instance. Failed connects leave no session behind; closed sessions stay listed (with their close
// code) until removed, so the log can still be read.
import type { z } from 'zod';
import {
  WS_DEFAULTS,
  type SseClientInfo,
  type WsClientInfo,
  type WsEvent,
  type WsServerInfo,
  type wsContract,
} from '../../../shared/contract/ws';
import { TypedEmitter } from '../common/emitter';
import { EngineError } from '../common/errors';
import { IdSequence } from '../common/ids';
import { WsClientSession } from './client';
import { WsEchoServer } from './server';
import { SseClientSession } from './sse';

type In<K extends keyof typeof wsContract> = z.output<(typeof wsContract)[K]['input']>;

export interface WsServiceOptions {
  maxSessions: number;
  maxPreviewBytes: number;
  sseRetryMs: number;
  sseMaxRetryMs: number;
}

export class WsService extends TypedEmitter<WsEvent> {
  private readonly clients = new Map<string, WsClientSession>();
  private readonly sse = new Map<string, SseClientSession>();
  private readonly servers = new Map<string, WsEchoServer>();
  private readonly ids = new IdSequence('ws-');
  private readonly options: WsServiceOptions;

  constructor(options: Partial<WsServiceOptions> = {}) {
    super();
    this.options = {
      maxSessions: WS_DEFAULTS.maxSessions,
      maxPreviewBytes: WS_DEFAULTS.maxPreviewBytes,
      sseRetryMs: WS_DEFAULTS.sseRetryMs,
      sseMaxRetryMs: WS_DEFAULTS.sseMaxRetryMs,
      ...options,
    };
  }

  async connect(input: In<'connect'>): Promise<WsClientInfo> {
    this.checkRoom();
    const session = this.ids.next();
    const client = new WsClientSession(session, { ...input, maxPreviewBytes: this.options.maxPreviewBytes });
    const off = client.on((e) => this.emit(e));
    this.clients.set(session, client);
    try {
      return await client.connect();
    } catch (err) {
      off();
      this.clients.delete(session);
      throw err;
    }
  }

  send(input: In<'send'>): Promise<{ bytes: number }> {
    return this.client(input.session).send(input.data, input.kind);
  }

  ping(input: In<'ping'>): { bytes: number } {
    return this.client(input.session).ping(input.data);
  }

  async close(input: In<'close'>): Promise<Record<string, never>> {
    await this.client(input.session).close(input.code, input.reason);
    return {};
  }

  async remove(input: In<'remove'>): Promise<Record<string, never>> {
    const client = this.client(input.session);
    await client.close();
    this.clients.delete(input.session);
    return {};
  }

  messages(input: In<'messages'>): ReturnType<WsClientSession['messages']> {
    return this.client(input.session).messages();
  }

  async sseConnect(input: In<'sseConnect'>): Promise<SseClientInfo> {
    this.checkRoom();
    const session = this.ids.next();
    const client = new SseClientSession(session, {
      ...input,
      maxPreviewBytes: this.options.maxPreviewBytes,
      retryMs: this.options.sseRetryMs,
      maxRetryMs: this.options.sseMaxRetryMs,
    });
    const off = client.on((e) => this.emit(e));
    this.sse.set(session, client);
    try {
      return await client.connect();
    } catch (err) {
      off();
      client.close();
      this.sse.delete(session);
      throw err;
    }
  }

  sseClose(input: In<'sseClose'>): Record<string, never> {
    const s = this.sse.get(input.session);
    if (!s) throw new EngineError('NOT_FOUND', `no SSE session ${input.session}`);
    s.close();
    this.sse.delete(input.session);
    return {};
  }

  sseEvents(input: In<'sseEvents'>): ReturnType<SseClientSession['events']> {
    const s = this.sse.get(input.session);
    if (!s) throw new EngineError('NOT_FOUND', `no SSE session ${input.session}`);
    return s.events();
  }

  async serverStart(input: In<'serverStart'>): Promise<WsServerInfo> {
    this.checkRoom();
    const session = this.ids.next();
    const server = new WsEchoServer(session, input);
    server.on((e) => this.emit(e));
    const info = await server.start();
    this.servers.set(session, server);
    return info;
  }

  async serverStop(input: In<'serverStop'>): Promise<{ closedClients: number }> {
    const server = this.servers.get(input.session);
    if (!server) throw new EngineError('NOT_FOUND', `no WebSocket server ${input.session}`);
    this.servers.delete(input.session);
    return { closedClients: await server.stop() };
  }

  list(): { clients: WsClientInfo[]; sse: SseClientInfo[]; servers: WsServerInfo[] } {
    return {
      clients: [...this.clients.values()].map((c) => c.info()),
      sse: [...this.sse.values()].map((s) => s.info()),
      servers: [...this.servers.values()].map((s) => s.info()),
    };
  }

  /** Shuts every session down (app exit). */
  async closeAll(): Promise<void> {
    for (const s of this.sse.values()) s.close();
    this.sse.clear();
    await Promise.all([...this.clients.values()].map((c) => c.close().catch(() => undefined)));
    this.clients.clear();
    await Promise.all([...this.servers.values()].map((s) => s.stop()));
    this.servers.clear();
  }

  private checkRoom(): void {
    if (this.clients.size + this.sse.size + this.servers.size >= this.options.maxSessions)
      throw new EngineError('LIMIT_EXCEEDED', `maxSessions (${this.options.maxSessions}) reached`);
  }

  private client(session: string): WsClientSession {
    const c = this.clients.get(session);
    if (!c) throw new EngineError('NOT_FOUND', `no WebSocket session ${session}`);
    return c;
  }
}
