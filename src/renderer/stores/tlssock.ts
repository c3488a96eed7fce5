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
import type { StreamClientEvent, StreamServerEvent } from '../../shared/contract/stream';
import type { TlsServerStartInput, tlssockContract } from '../../shared/contract/tlssock';
import type { PayloadTextEncoding } from '../../shared/payload-text';
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

export type TlsClientRow = StreamClientRow<TlsServerClient>;

/** What TLS adds to the plain wording: the negotiated version, cipher, SNI and ALPN. */
function describeConnected(c: TlsServerClient): string {
  const t = c.tls;
  return `connected from ${c.remoteAddress}:${c.remotePort} — ${t.protocol ?? '?'} ${t.cipher?.name ?? ''}${t.servername ? `, SNI ${t.servername}` : ''}${t.alpn ? `, ALPN ${t.alpn}` : ''}`;
}
function describeState(state: string, info: TlsClientInfo): string {
  return `${state}${state === 'open' && info.tls ? ` — ${info.tls.protocol} ${info.tls.cipher?.name ?? ''}` : ''}`;
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
  error?: string;
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
    const s = reactive(newServerView(info.session, info, newLog())) as TlsServerSession;
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
      if (e.type === 'server.handshakeFailed') {
        target.log.push({
          id,
          at: e.at,
          dir: 'error',
          peer: e.remote,
          text: `handshake failed — ${e.code}: ${e.message}`,
        });
      } else if (e.type.startsWith('server.')) {
        applyServerEvent(target as TlsServerSession, e as StreamServerEvent<'tlssock', TlsServerClient>, id, {
          connected: describeConnected,
        });
      } else {
        applyClientEvent(target as TlsClientSession, e as StreamClientEvent<'tlssock', TlsClientInfo>, id, {
          state: describeState,
        });
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
