// TLS sockets in the renderer: server and client sessions mirrored from the engine, each with a bounded
// log (raw; views watch `version`), and the page's forms. Same shape as the TCP workbench store, plus
// what TLS reports: certificate, version, cipher, SNI, ALPN and the verification result.
import { defineStore } from 'pinia';
import { ref } from 'vue';
import { z } from 'zod';
import type { TlsClientInfo, TlsServerClient, TlsServerInfo } from '../../shared/contract';
import type { StreamClientEvent, StreamServerEvent } from '../../shared/contract/stream';
import type { PayloadTextEncoding } from '../../shared/payload-text';
import { unwrap, useApi } from '../api';
import type { BoundedLog } from '../lib/bounded-log';
import type { LogEntry } from '../lib/log-entry';
import { LineEnding, numberField, PayloadDraft, TextViewOption, withLineEnding } from '../lib/forms';
import { persisted } from '../lib/persisted';
import { createSessionStore, listenAddress } from '../lib/session-store';
import {
  applyClientEvent,
  applyServerEvent,
  newServerView,
  type StreamClientRow,
} from '../lib/stream-sessions';

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

// The private key of a PEM pair is never written to the workspace file: it stays in memory only.
export const TlsServerForm = z.object({
  host: z.string(),
  port: z.string(),
  certSource: z.enum(['app', 'pem']),
  certPem: z.string(),
  welcome: z.string(),
  welcomeEnding: LineEnding,
  echo: z.boolean(),
  minVersion: z.enum(['TLSv1.2', 'TLSv1.3']),
});
export const TlsClientForm = z.object({
  host: z.string(),
  port: z.string(),
  verify: z.boolean(),
  ca: z.string(),
  servername: z.string(),
});

export const useTlsSockStore = defineStore('tlssock', () => {
  const api = useApi();
  const servers = createSessionStore<'tlssock', TlsServerSession, TlsServerInfo>({
    engine: 'tlssock',
    selectionKey: 'tlssock.server.selected',
    accepts: (e) => e.type.startsWith('server.'),
    handle: (s, e, id) => {
      if (e.type === 'server.handshakeFailed')
        s.log.push({
          id: id(),
          at: e.at,
          dir: 'error',
          peer: e.remote,
          text: `handshake failed — ${e.code}: ${e.message}`,
        });
      else
        applyServerEvent(s, e as StreamServerEvent<'tlssock', TlsServerClient>, id(), {
          connected: describeConnected,
        });
    },
    list: async () => (await unwrap(api.tlssock.list({}))).servers,
    create: (info, newLog) => newServerView(info.session, info, newLog<LogEntry>()),
    identity: listenAddress,
  });
  const clients = createSessionStore<'tlssock', TlsClientSession, TlsClientInfo>({
    engine: 'tlssock',
    selectionKey: 'tlssock.client.selected',
    accepts: (e) => e.type.startsWith('client.'),
    handle: (c, e, id) =>
      applyClientEvent(c, e as StreamClientEvent<'tlssock', TlsClientInfo>, id(), { state: describeState }),
    list: async () => (await unwrap(api.tlssock.list({}))).clients,
    create: (info, newLog) => ({ session: info.session, info, log: newLog<LogEntry>() }),
  });

  const serverForm = persisted('tlssock.serverForm', TlsServerForm, {
    host: '127.0.0.1',
    port: '0',
    certSource: 'app',
    certPem: '',
    welcome: 'Welcome to the TLS server!',
    welcomeEnding: 'crlf',
    echo: false,
    minVersion: 'TLSv1.2',
  });
  const keyPem = ref('');
  const clientForm = persisted('tlssock.clientForm', TlsClientForm, {
    host: '127.0.0.1',
    port: '',
    verify: false,
    ca: '',
    servername: '',
  });
  const serverDraft = persisted('tlssock.serverDraft', PayloadDraft, { data: '', encoding: 'text' });
  const clientDraft = persisted('tlssock.clientDraft', PayloadDraft, {
    data: 'Hello, TLS Server!',
    encoding: 'text',
  });
  const serverTextView = persisted('tlssock.serverTextView', TextViewOption, 'utf8');
  const clientTextView = persisted('tlssock.clientTextView', TextViewOption, 'utf8');

  async function refresh(): Promise<void> {
    await Promise.all([servers.sync(), clients.sync()]);
  }
  /** Starts a server from the form; an empty client port is then pointed at it. */
  async function startServer(): Promise<TlsServerSession> {
    const f = serverForm.value;
    const welcome = withLineEnding(f.welcome, f.welcomeEnding);
    const info = await unwrap(
      api.tlssock.serverStart({
        host: f.host.trim(),
        port: numberField(f.port),
        certificate:
          f.certSource === 'app'
            ? { source: 'app' }
            : { source: 'pem', certPem: f.certPem, keyPem: keyPem.value },
        welcome: welcome || undefined,
        welcomeEncoding: 'escaped',
        echo: f.echo,
        minVersion: f.minVersion,
      }),
    );
    if (!clientForm.value.port) clientForm.value.port = String(info.port);
    return servers.adopt(info, { select: true });
  }
  async function stopServer(session: string): Promise<void> {
    await unwrap(api.tlssock.serverStop({ session }));
    const s = servers.find(session);
    if (s) s.running = false;
  }
  async function serverSend(session: string, data: string, encoding: PayloadTextEncoding, clientId?: string) {
    return unwrap(api.tlssock.serverSend({ session, data, encoding, clientId }));
  }
  /** Connects a client from the form. */
  async function connect(): Promise<TlsClientSession> {
    const f = clientForm.value;
    const info = await unwrap(
      api.tlssock.clientConnect({
        host: f.host.trim(),
        port: numberField(f.port),
        verify: f.verify,
        ca: f.ca.trim() || undefined,
        servername: f.servername.trim() || undefined,
      }),
    );
    return clients.adopt(info, { select: true });
  }
  async function clientSend(session: string, data: string, encoding: PayloadTextEncoding) {
    return unwrap(api.tlssock.clientSend({ session, data, encoding }));
  }
  async function closeClient(session: string): Promise<void> {
    await unwrap(api.tlssock.clientClose({ session }));
  }
  /** Trusts this app's own certificate in the client form (verification on). */
  async function useAppCa(): Promise<void> {
    const r = await unwrap(api.tlssock.appCertificate({}));
    clientForm.value.ca = r.certPem;
    clientForm.value.verify = true;
  }

  return {
    servers: servers.sessions,
    clients: clients.sessions,
    currentServer: servers.current,
    currentClient: clients.current,
    selectServer: servers.select,
    selectClient: clients.select,
    serverForm,
    keyPem,
    clientForm,
    serverDraft,
    clientDraft,
    serverTextView,
    clientTextView,
    refresh,
    startServer,
    stopServer,
    serverSend,
    connect,
    clientSend,
    closeClient,
    useAppCa,
  };
});
