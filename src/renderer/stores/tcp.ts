// TCP workbench state in the renderer: server and client sessions mirrored from the engine, a bounded
// log per session (raw, not deeply reactive — views watch each session's `version`), and the pages'
// forms, kept in the workspace so leaving the page and coming back finds them as they were.
import { defineStore } from 'pinia';
import { z } from 'zod';
import type { TcpClientInfo, TcpServerClient, TcpServerInfo } from '../../shared/contract';
import type { StreamClientEvent, StreamServerEvent } from '../../shared/contract/stream';
import type { PayloadTextEncoding } from '../../shared/payload-text';
import { unwrap, useApi } from '../api';
import type { BoundedLog } from '../lib/bounded-log';
import type { LogEntry } from '../lib/log-entry';
import { persisted } from '../lib/persisted';
import { createSessionStore, listenAddress } from '../lib/session-store';
import { LineEnding, PayloadDraft, TextViewOption, withLineEnding } from '../lib/forms';
import {
  applyClientEvent,
  applyServerEvent,
  newServerView,
  type StreamClientRow,
} from '../lib/stream-sessions';

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

export const TcpServerForm = z.object({
  host: z.string(),
  port: z.string(),
  welcome: z.string(),
  welcomeEnding: LineEnding,
  echo: z.boolean(),
});
export const TcpClientForm = z.object({ host: z.string(), port: z.string(), timeoutMs: z.string() });

export const useTcpStore = defineStore('tcp', () => {
  const api = useApi();
  const servers = createSessionStore<'tcp', ServerSession, TcpServerInfo>({
    engine: 'tcp',
    selectionKey: 'tcp.server.selected',
    accepts: (e) => e.type.startsWith('server.'),
    handle: (s, e, id) => {
      applyServerEvent(s, e as StreamServerEvent<'tcp', TcpServerClient>, id());
      if (e.type === 'server.stopped') s.info = { ...s.info, state: 'stopped' };
    },
    list: async () => (await unwrap(api.tcp.list({}))).servers,
    create: (info, newLog) => newServerView(info.session, info, newLog<LogEntry>()),
    update: (s, info) => {
      s.info = info;
      for (const c of info.clients) {
        const row = s.clients.find((x) => x.clientId === c.clientId);
        if (row) Object.assign(row, { bytesIn: c.bytesIn, bytesOut: c.bytesOut });
      }
    },
    identity: listenAddress,
  });
  const clients = createSessionStore<'tcp', ClientSession, TcpClientInfo>({
    engine: 'tcp',
    selectionKey: 'tcp.client.selected',
    accepts: (e) => e.type.startsWith('client.'),
    handle: (c, e, id) => applyClientEvent(c, e as StreamClientEvent<'tcp', TcpClientInfo>, id()),
    list: async () => (await unwrap(api.tcp.list({}))).clients,
    create: (info, newLog) => ({ session: info.session, info, log: newLog<LogEntry>() }),
  });

  const serverForm = persisted('tcp.serverForm', TcpServerForm, {
    host: '127.0.0.1',
    port: '0',
    welcome: 'Welcome to the server!',
    welcomeEnding: 'crlf',
    echo: false,
  });
  const clientForm = persisted('tcp.clientForm', TcpClientForm, {
    host: '127.0.0.1',
    port: '',
    timeoutMs: '10000',
  });
  const serverDraft = persisted('tcp.serverDraft', PayloadDraft, { data: '', encoding: 'text' });
  const clientDraft = persisted('tcp.clientDraft', PayloadDraft, {
    data: 'Hello, TCP Server!',
    encoding: 'text',
  });
  /** The client a server's "Send" goes to ('' = every open client). */
  const serverTarget = persisted('tcp.serverTarget', z.string(), '');
  const serverTextView = persisted('tcp.serverTextView', TextViewOption, 'utf8');
  const clientTextView = persisted('tcp.clientTextView', TextViewOption, 'utf8');

  async function refresh(): Promise<void> {
    await Promise.all([servers.sync(), clients.sync()]);
  }

  /** Starts a server from the form. */
  async function startServer(): Promise<ServerSession> {
    const f = serverForm.value;
    const welcome = withLineEnding(f.welcome, f.welcomeEnding);
    const info = await unwrap(
      api.tcp.serverStart({
        host: f.host.trim(),
        port: Number(f.port.trim() === '' ? NaN : f.port),
        welcome: welcome || undefined,
        welcomeEncoding: 'escaped',
        echo: f.echo,
      }),
    );
    return servers.adopt(info, { select: true });
  }
  async function stopServer(session: string): Promise<void> {
    await unwrap(api.tcp.serverStop({ session }));
    const s = servers.find(session);
    if (s) s.running = false;
  }
  function removeServer(session: string): void {
    servers.drop((s) => s.session === session && !s.running);
  }
  async function serverSend(session: string, data: string, encoding: PayloadTextEncoding, clientId?: string) {
    return unwrap(api.tcp.serverSend({ session, data, encoding, clientId }));
  }
  async function kick(session: string, clientId: string): Promise<void> {
    await unwrap(api.tcp.serverKick({ session, clientId }));
  }
  /** Changes only the options given; the others stay as the engine has them. */
  async function setOptions(
    session: string,
    patch: { echo?: boolean; welcome?: string | null; welcomeEncoding?: PayloadTextEncoding },
  ): Promise<void> {
    const info = await unwrap(api.tcp.serverSetOptions({ session, ...patch }));
    const s = servers.find(session);
    if (s) s.info = info;
  }
  async function connect(): Promise<ClientSession> {
    const f = clientForm.value;
    const info = await unwrap(
      api.tcp.clientConnect({
        host: f.host.trim(),
        port: Number(f.port.trim() === '' ? NaN : f.port),
        timeoutMs: Number(f.timeoutMs),
      }),
    );
    return clients.adopt(info, { select: true });
  }
  async function clientSend(session: string, data: string, encoding: PayloadTextEncoding) {
    return unwrap(api.tcp.clientSend({ session, data, encoding }));
  }
  async function closeClient(session: string): Promise<void> {
    await unwrap(api.tcp.clientClose({ session }));
  }
  async function removeClient(session: string): Promise<void> {
    await unwrap(api.tcp.clientRemove({ session }));
    clients.drop((c) => c.session === session);
  }

  return {
    servers: servers.sessions,
    clients: clients.sessions,
    currentServer: servers.current,
    currentClient: clients.current,
    selectServer: servers.select,
    selectClient: clients.select,
    serverForm,
    clientForm,
    serverDraft,
    clientDraft,
    serverTarget,
    serverTextView,
    clientTextView,
    refresh,
    startServer,
    stopServer,
    removeServer,
    serverSend,
    kick,
    setOptions,
    connect,
    clientSend,
    closeClient,
    removeClient,
  };
});
