// TLS sockets in the renderer: server and client sessions mirrored from the engine, each with a bounded
// log (not deeply reactive; views watch `version`). Same shape as the TCP workbench store, plus what TLS
// reports: certificate, version, cipher, SNI, ALPN and the verification result.
import { defineStore } from 'pinia';
import { markRaw, reactive, shallowRef } from 'vue';
import type {
  TlsClientInfo,
  TlsServerClient,
  TlsServerInfo,
  TlsSockEvent,
  WirelabEvent,
} from '../../shared/contract';
import type { z } from 'zod';
import type { TlsServerStartInput, tlssockContract } from '../../shared/contract/tlssock';
import type { PayloadTextEncoding } from '../../shared/payload-text';
import { unwrap, useApi, useEventRouter } from '../api';
import { EventParking } from '../lib/event-parking';
import { BoundedLog } from '../lib/bounded-log';
import type { LogEntry } from '../lib/log-entry';
import { useAppStore } from './app';

export interface TlsClientRow extends TlsServerClient {
  open: boolean;
}
export interface TlsServerSession {
  session: string;
  info: TlsServerInfo;
  clients: TlsClientRow[];
  log: BoundedLog<LogEntry>;
  version: number;
  running: boolean;
}
export interface TlsClientSession {
  session: string;
  info: TlsClientInfo;
  log: BoundedLog<LogEntry>;
  version: number;
}
type ConnectInput = z.input<(typeof tlssockContract)['clientConnect']['input']>;

export const useTlsSockStore = defineStore('tlssock', () => {
  const api = useApi();
  const app = useAppStore();
  const servers = shallowRef<TlsServerSession[]>([]);
  const clients = shallowRef<TlsClientSession[]>([]);
  let entryId = 0;
  const parking = new EventParking<WirelabEvent>();
  const newLog = () => markRaw(new BoundedLog<LogEntry>(app.settings.logLimit));
  const serverOf = (s: string) => servers.value.find((x) => x.session === s);
  const clientOf = (s: string) => clients.value.find((x) => x.session === s);

  function replay(session: string): void {
    const list = parking.take(session);
    if (list.length) apply(list);
  }
  function addServer(info: TlsServerInfo): TlsServerSession {
    const s = reactive({
      session: info.session,
      info,
      clients: info.clients.map((c) => ({ ...c, open: true })),
      log: newLog(),
      version: 0,
      running: info.state === 'listening',
    }) as TlsServerSession;
    servers.value = [...servers.value, s];
    replay(info.session);
    return serverOf(info.session)!;
  }
  function addClient(info: TlsClientInfo): TlsClientSession {
    const c = reactive({ session: info.session, info, log: newLog(), version: 0 }) as TlsClientSession;
    clients.value = [...clients.value, c];
    replay(info.session);
    return clientOf(info.session)!;
  }

  function apply(batch: WirelabEvent[]): void {
    const touched = new Set<{ version: number }>();
    for (const ev of batch) {
      const target = serverOf(ev.session) ?? clientOf(ev.session);
      if (!target) {
        parking.park(ev);
        continue;
      }
      touched.add(target);
      if (ev.engine === 'bus') {
        target.log.addDropped(ev.count);
        continue;
      }
      if (ev.engine !== 'tlssock') continue;
      const e: TlsSockEvent = ev;
      const id = ++entryId;
      switch (e.type) {
        case 'server.clientConnected': {
          const s = target as TlsServerSession;
          s.clients.push({ ...e.client, open: true });
          const t = e.client.tls;
          s.log.push({
            id,
            at: e.at,
            dir: 'info',
            peer: e.client.clientId,
            text: `connected from ${e.client.remoteAddress}:${e.client.remotePort} — ${t.protocol ?? '?'} ${t.cipher?.name ?? ''}${t.servername ? `, SNI ${t.servername}` : ''}${t.alpn ? `, ALPN ${t.alpn}` : ''}`,
          });
          break;
        }
        case 'server.data':
        case 'server.sent': {
          const s = target as TlsServerSession;
          const c = s.clients.find((x) => x.clientId === e.clientId);
          if (c) {
            if (e.type === 'server.data') c.bytesIn += e.bytes;
            else c.bytesOut += e.bytes;
          }
          s.log.push({
            id,
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
          const s = target as TlsServerSession;
          const c = s.clients.find((x) => x.clientId === e.clientId);
          if (c) c.open = false;
          s.log.push({
            id,
            at: e.at,
            dir: e.reason === 'error' || e.reason === 'limit' ? 'error' : 'info',
            peer: e.clientId,
            text: `closed (${e.reason})${e.message ? `: ${e.message}` : ''}`,
          });
          break;
        }
        case 'server.handshakeFailed':
          target.log.push({
            id,
            at: e.at,
            dir: 'error',
            peer: e.remote,
            text: `handshake failed — ${e.code}: ${e.message}`,
          });
          break;
        case 'server.stopped':
          (target as TlsServerSession).running = false;
          target.log.push({ id, at: e.at, dir: 'info', text: 'server stopped' });
          break;
        case 'server.error':
          target.log.push({ id, at: e.at, dir: 'error', text: `${e.code}: ${e.message}` });
          break;
        case 'client.state':
          (target as TlsClientSession).info = e.info;
          target.log.push({
            id,
            at: e.at,
            dir: e.code ? 'error' : 'info',
            text: `${e.state}${e.state === 'open' && e.info.tls ? ` — ${e.info.tls.protocol} ${e.info.tls.cipher?.name ?? ''}` : ''}${e.code ? ` — ${e.code}: ${e.message}` : ''}`,
          });
          break;
        case 'client.data':
        case 'client.sent': {
          const c = target as TlsClientSession;
          if (e.type === 'client.data') c.info.bytesIn += e.bytes;
          else c.info.bytesOut += e.bytes;
          c.log.push({
            id,
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
  useEventRouter().on('tlssock', apply);

  async function refresh(): Promise<void> {
    const list = await unwrap(api.tlssock.list({}));
    for (const info of list.servers) if (!serverOf(info.session)) addServer(info);
    for (const info of list.clients) if (!clientOf(info.session)) addClient(info);
  }
  async function startServer(input: z.input<typeof TlsServerStartInput>): Promise<TlsServerSession> {
    return addServer(await unwrap(api.tlssock.serverStart(input)));
  }
  async function stopServer(session: string): Promise<void> {
    await unwrap(api.tlssock.serverStop({ session }));
    const s = serverOf(session);
    if (s) s.running = false;
  }
  async function serverSend(session: string, data: string, encoding: PayloadTextEncoding, clientId?: string) {
    return unwrap(api.tlssock.serverSend({ session, data, encoding, clientId }));
  }
  async function connect(input: ConnectInput): Promise<TlsClientSession> {
    const info = await unwrap(api.tlssock.clientConnect(input));
    return clientOf(info.session) ?? addClient(info);
  }
  async function clientSend(session: string, data: string, encoding: PayloadTextEncoding) {
    return unwrap(api.tlssock.clientSend({ session, data, encoding }));
  }
  async function closeClient(session: string): Promise<void> {
    await unwrap(api.tlssock.clientClose({ session }));
  }
  async function appCertificate(): Promise<{ certPem: string; fingerprint256: string }> {
    return unwrap(api.tlssock.appCertificate({}));
  }

  return {
    servers,
    clients,
    refresh,
    startServer,
    stopServer,
    serverSend,
    connect,
    clientSend,
    closeClient,
    appCertificate,
  };
});
