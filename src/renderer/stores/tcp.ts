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
import { unwrap, useApi, useEventRouter } from '../api';
import { EventParking } from '../lib/event-parking';
import { BoundedLog } from '../lib/bounded-log';
import type { LogEntry } from '../lib/log-entry';
import { useAppStore } from './app';

export interface ClientRow extends TcpServerClient {
  open: boolean;
  closedReason?: string;
}

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
    const s = reactive({
      session: info.session,
      info,
      clients: info.clients.map((c) => ({ ...c, open: true })),
      log: newLog(),
      version: 0,
      running: info.state === 'listening',
    }) as ServerSession;
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
      if (e.type.startsWith('server.')) {
        const s = serverOf(e.session);
        if (!s) {
          park(e);
          continue;
        }
        touched.add(s);
        switch (e.type) {
          case 'server.clientConnected':
            s.clients.push({ ...e.client, open: true });
            s.log.push({
              id: ++entryId,
              at: e.at,
              dir: 'info',
              peer: e.client.clientId,
              text: `connected from ${e.client.remoteAddress}:${e.client.remotePort}`,
            });
            break;
          case 'server.data':
          case 'server.sent': {
            const c = s.clients.find((x) => x.clientId === e.clientId);
            if (c) {
              if (e.type === 'server.data') c.bytesIn += e.bytes;
              else c.bytesOut += e.bytes;
            }
            s.log.push({
              id: ++entryId,
              at: e.at,
              dir: e.type === 'server.data' ? 'in' : 'out',
              peer: e.clientId,
              data: e.data,
              bytes: e.bytes,
              truncated: e.truncated,
              reads: e.reads,
            });
            break;
          }
          case 'server.clientClosed': {
            const c = s.clients.find((x) => x.clientId === e.clientId);
            if (c) {
              c.open = false;
              c.closedReason = e.reason;
            }
            s.log.push({
              id: ++entryId,
              at: e.at,
              dir: e.reason === 'error' || e.reason === 'limit' ? 'error' : 'info',
              peer: e.clientId,
              text: `closed (${e.reason})${e.message ? `: ${e.message}` : ''}`,
            });
            break;
          }
          case 'server.stopped':
            s.running = false;
            s.info = { ...s.info, state: 'stopped' };
            s.log.push({ id: ++entryId, at: e.at, dir: 'info', text: 'server stopped' });
            break;
          case 'server.error':
            s.log.push({ id: ++entryId, at: e.at, dir: 'error', text: `${e.code}: ${e.message}` });
            break;
        }
      } else {
        const c = clientOf(e.session);
        if (!c) {
          park(e);
          continue;
        }
        touched.add(c);
        switch (e.type) {
          case 'client.state':
            c.info = e.info;
            if (e.code) c.error = `${e.code}: ${e.message ?? ''}`;
            c.log.push({
              id: ++entryId,
              at: e.at,
              dir: e.code ? 'error' : 'info',
              text: `${e.state}${e.code ? ` — ${e.code}: ${e.message}` : ''}`,
            });
            break;
          case 'client.data':
          case 'client.sent':
            if (e.type === 'client.data') c.info.bytesIn += e.bytes;
            else c.info.bytesOut += e.bytes;
            c.log.push({
              id: ++entryId,
              at: e.at,
              dir: e.type === 'client.data' ? 'in' : 'out',
              data: e.data,
              bytes: e.bytes,
              truncated: e.truncated,
              reads: e.reads,
            });
            break;
        }
      }
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
