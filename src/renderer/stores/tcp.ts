// TCP workbench state in the renderer: server and client sessions mirrored from the engine, and a
// bounded log per session. Logs are plain objects marked raw (not deeply reactive) — a `version`
// counter per session is what the views watch, so 100,000 events do not create 100,000 proxies.
import { defineStore } from 'pinia';
import { markRaw, reactive, shallowRef } from 'vue';
import type {
  TcpClientInfo,
  TcpEvent,
  TcpServerClient,
  TcpServerInfo,
  WirelabEvent,
} from '../../shared/contract';
import type { PayloadEncoding } from '../../shared/encoding';
import type { StreamClientEvent, StreamServerEvent } from '../../shared/contract/stream';
import { unwrap, useApi, useEventRouter } from '../api';
import { EventParking } from '../lib/event-parking';
import { BoundedLog } from '../lib/bounded-log';
import type { LogEntry } from '../lib/log-entry';
import {
  applyClientEvent,
  applyServerEvent,
  newServerView,
  type StreamClientRow,
} from '../lib/stream-sessions';
import { useAppStore } from './app';

export type ClientRow = StreamClientRow<TcpServerClient>;

export interface ServerSession {
  session: string;
  info: TcpServerInfo;
  clients: ClientRow[];
  log: BoundedLog<LogEntry>;
  version: number;
  running: boolean;
}

export interface ClientSession {
  session: string;
  info: TcpClientInfo;
  log: BoundedLog<LogEntry>;
  version: number;
  error?: string;
}

export const useTcpStore = defineStore('tcp', () => {
  const api = useApi();
  const app = useAppStore();
  const servers = shallowRef<ServerSession[]>([]);
  const clients = shallowRef<ClientSession[]>([]);
  let entryId = 0;
  // Events can overtake the reply that creates their session (a welcome message arrives in the same
  // instant the connect call resolves). They wait here, bounded, and are replayed when it appears.
  const parking = new EventParking<WirelabEvent>();
  const park = (e: WirelabEvent) => parking.park(e);
  function replay(session: string): void {
    const list = parking.take(session);
    if (list.length) apply(list);
  }

  const newLog = () => markRaw(new BoundedLog<LogEntry>(app.settings.logLimit));

  function serverOf(session: string): ServerSession | undefined {
    return servers.value.find((s) => s.session === session);
  }
  function clientOf(session: string): ClientSession | undefined {
    return clients.value.find((c) => c.session === session);
  }

  function addServer(info: TcpServerInfo): ServerSession {
    const s = reactive(newServerView(info.session, info, newLog())) as ServerSession;
    servers.value = [...servers.value, s];
    replay(info.session);
    return serverOf(info.session)!;
  }

  function addClient(info: TcpClientInfo): ClientSession {
    const c = reactive({ session: info.session, info, log: newLog(), version: 0 }) as ClientSession;
    clients.value = [...clients.value, c];
    replay(info.session);
    return clientOf(info.session)!;
  }

  function apply(batch: WirelabEvent[]): void {
    const touched = new Set<{ version: number }>();
    for (const ev of batch) {
      if (ev.engine === 'bus') {
        const target = serverOf(ev.session) ?? clientOf(ev.session);
        if (!target) park(ev);
        else {
          target.log.addDropped(ev.count);
          touched.add(target);
        }
        continue;
      }
      if (ev.engine !== 'tcp') continue;
      const e: TcpEvent = ev;
      const target = e.type.startsWith('server.') ? serverOf(e.session) : clientOf(e.session);
      if (!target) {
        park(e);
        continue;
      }
      touched.add(target);
      if (e.type.startsWith('server.')) {
        const s = target as ServerSession;
        applyServerEvent(s, e as StreamServerEvent<'tcp', TcpServerClient>, ++entryId);
        if (e.type === 'server.stopped') s.info = { ...s.info, state: 'stopped' };
      } else
        applyClientEvent(target as ClientSession, e as StreamClientEvent<'tcp', TcpClientInfo>, ++entryId);
    }
    for (const t of touched) t.version++;
  }

  useEventRouter().on('tcp', apply);

  async function refresh(): Promise<void> {
    const list = await unwrap(api.tcp.list({}));
    for (const info of list.servers) {
      const s = serverOf(info.session);
      if (!s) addServer(info);
      else {
        s.info = info;
        for (const c of info.clients) {
          const row = s.clients.find((x) => x.clientId === c.clientId);
          if (row) Object.assign(row, { bytesIn: c.bytesIn, bytesOut: c.bytesOut });
        }
      }
    }
    for (const info of list.clients) if (!clientOf(info.session)) addClient(info);
  }

  async function startServer(input: {
    host: string;
    port: number;
    welcome?: string;
    echo: boolean;
  }): Promise<ServerSession> {
    const info = await unwrap(api.tcp.serverStart({ ...input, welcome: input.welcome || undefined }));
    return addServer(info);
  }
  async function stopServer(session: string): Promise<void> {
    await unwrap(api.tcp.serverStop({ session }));
    const s = serverOf(session);
    if (s) s.running = false;
  }
  function removeServer(session: string): void {
    servers.value = servers.value.filter((s) => s.session !== session || s.running);
  }
  async function serverSend(session: string, data: string, encoding: PayloadEncoding, clientId?: string) {
    return unwrap(api.tcp.serverSend({ session, data, encoding, clientId }));
  }
  async function kick(session: string, clientId: string): Promise<void> {
    await unwrap(api.tcp.serverKick({ session, clientId }));
  }
  async function setEcho(session: string, echo: boolean): Promise<void> {
    const info = await unwrap(api.tcp.serverSetOptions({ session, echo }));
    const s = serverOf(session);
    if (s) s.info = info;
  }
  async function connect(input: { host: string; port: number; timeoutMs: number }): Promise<ClientSession> {
    const info = await unwrap(api.tcp.clientConnect(input));
    return clientOf(info.session) ?? addClient(info);
  }
  async function clientSend(session: string, data: string, encoding: PayloadEncoding) {
    return unwrap(api.tcp.clientSend({ session, data, encoding }));
  }
  async function closeClient(session: string): Promise<void> {
    await unwrap(api.tcp.clientClose({ session }));
  }
  async function removeClient(session: string): Promise<void> {
    await unwrap(api.tcp.clientRemove({ session }));
    clients.value = clients.value.filter((c) => c.session !== session);
  }

  return {
    servers,
    clients,
    refresh,
    startServer,
    stopServer,
    removeServer,
    serverSend,
    kick,
    setEcho,
    connect,
    clientSend,
    closeClient,
    removeClient,
  };
});
