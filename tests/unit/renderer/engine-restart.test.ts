// After the engine host restarts under an open page, every store re-reads what it shows from the new
// engines: sessions of the old engines are dropped, flagged servers restored under new ids come back and
// keep the selection, and work that died with the engines (runs, WebSocket sessions) says so.
import { beforeEach, describe, expect, it } from 'vitest';
import type { WorkspaceSnapshot } from '../../../src/shared/contract';
import { useHttpServerStore } from '../../../src/renderer/stores/http-server';
import { useHttpClientStore } from '../../../src/renderer/stores/http-client';
import { useLbStore } from '../../../src/renderer/stores/lb';
import { useTcpStore } from '../../../src/renderer/stores/tcp';
import { useTlsSockStore } from '../../../src/renderer/stores/tlssock';
import { useUdpStore } from '../../../src/renderer/stores/udp';
import { useWorkspaceStore } from '../../../src/renderer/stores/workspace';
import { useWsStore } from '../../../src/renderer/stores/ws';
import { fakeApi, settle, storeApp, type FakeApi } from './fake-api';

const snapshot = (instance: string): WorkspaceSnapshot => ({
  instance,
  values: {},
  chat: { servers: [], joined: [] },
  launch: [],
  restore: { done: true, ms: 1, sessions: 0 },
});

// Only what the stores read; the fake answers are not checked against the output schemas.
const server = (session: string, port: number, state = 'listening') =>
  ({ session, host: '127.0.0.1', port, state, echo: false, startedAt: 1, clients: [] }) as never;
const client = (session: string, port: number) =>
  ({ session, host: '127.0.0.1', port, state: 'open', bytesIn: 0, bytesOut: 0 }) as never;
const socket = (session: string, port: number) =>
  ({ session, host: '127.0.0.1', port, state: 'bound', memberships: [] }) as never;
const balancer = (session: string, port: number) =>
  ({ session, host: '127.0.0.1', port, state: 'running', backends: [] }) as never;

let fake: FakeApi;
let use: <T>(fn: () => T) => T;

beforeEach(() => {
  fake = fakeApi();
  ({ use } = storeApp(fake));
  fake.on('workspace.get', () => snapshot('one'));
  fake.on('workspace.saveValues', { bytes: 1, savedAt: 1 });
});

/** The engines as they were before the restart: two servers and a client per tool. */
function before(): void {
  fake.on('tcp.list', {
    servers: [server('tcp-s1', 4001), server('tcp-s2', 4002)],
    clients: [client('tcp-c1', 4001)],
  });
  fake.on('tlssock.list', {
    servers: [server('tls-s1', 5001), server('tls-s2', 5002)],
    clients: [client('tls-c1', 5001)],
  });
  fake.on('udp.list', { sockets: [socket('udp-1', 6001), socket('udp-2', 6002)] });
  fake.on('httpServer.list', { servers: [server('http-1', 7001), server('http-2', 7002)] });
  fake.on('lb.list', { balancers: [balancer('lb-1', 8001), balancer('lb-2', 8002)], demos: [] });
  fake.on('lb.stats', (i: { session: string }) => ({
    session: i.session,
    info: balancer(i.session, i.session === 'lb-1' ? 8001 : 8002),
    history: [],
  }));
}

/**
 * The new engines: only the flagged servers came back (the second of each, on the same port, under a new
 * id — and the first one's old id reused by another session, so a store that kept views by id would show
 * the old session's state under it); clients are gone.
 */
function after(): void {
  fake.on('workspace.get', () => snapshot('two'));
  fake.on('tcp.list', { servers: [server('tcp-s1', 4999), server('tcp-s9', 4002)], clients: [] });
  fake.on('tlssock.list', { servers: [server('tls-s9', 5002)], clients: [] });
  fake.on('udp.list', { sockets: [socket('udp-9', 6002)] });
  fake.on('httpServer.list', { servers: [server('http-9', 7002)] });
  fake.on('lb.list', { balancers: [balancer('lb-9', 8002)], demos: [] });
  fake.on('lb.stats', (i: { session: string }) => ({
    session: i.session,
    info: balancer(i.session, 8002),
    history: [],
  }));
}

describe('engine restart: every session store re-reads its sessions', () => {
  it('drops the old engines’ sessions, shows the restored ones, and the selection follows its server', async () => {
    before();
    const ws = use(() => useWorkspaceStore());
    const tcp = use(() => useTcpStore());
    const tls = use(() => useTlsSockStore());
    const udp = use(() => useUdpStore());
    const http = use(() => useHttpServerStore());
    const lb = use(() => useLbStore());
    await ws.load();
    await Promise.all([tcp.refresh(), tls.refresh(), udp.refresh(), http.refresh(), lb.refresh()]);
    tcp.selectServer('tcp-s2');
    tcp.selectClient('tcp-c1');
    tls.selectServer('tls-s2');
    udp.select('udp-2');
    http.select('http-2');
    lb.select('lb-2');
    const oldLog = tcp.currentServer!.log;
    oldLog.push({ id: 1, at: 1, dir: 'info', text: 'from the old engines' });

    after();
    await ws.recheck();

    expect(tcp.servers.map((s) => s.session)).toEqual(['tcp-s1', 'tcp-s9']);
    expect(tcp.servers[0]!.info.port).toBe(4999);
    expect(tcp.clients).toEqual([]);
    expect(tls.servers.map((s) => s.session)).toEqual(['tls-s9']);
    expect(tls.clients).toEqual([]);
    expect(udp.sockets.map((s) => s.session)).toEqual(['udp-9']);
    expect(http.servers.map((s) => s.session)).toEqual(['http-9']);
    expect(lb.balancers.map((s) => s.session)).toEqual(['lb-9']);
    // The selected servers were the flagged ones: the page shows them again under their new ids.
    expect(tcp.currentServer?.session).toBe('tcp-s9');
    expect(tcp.currentServer?.log).not.toBe(oldLog);
    expect(tls.currentServer?.session).toBe('tls-s9');
    expect(udp.current?.session).toBe('udp-9');
    expect(http.current?.session).toBe('http-9');
    expect(lb.current?.session).toBe('lb-9');
    expect(lb.live?.session).toBe('lb-9');
    expect(tcp.currentClient).toBeUndefined();
    // The same instance answering again (a reconnect, not a restart) re-reads nothing.
    const lists = fake.callsTo('tcp.list').length;
    await ws.recheck();
    expect(fake.callsTo('tcp.list')).toHaveLength(lists);
  });

  it('events of the new engines that arrive while the list is read land on the restored session', async () => {
    before();
    const ws = use(() => useWorkspaceStore());
    const tcp = use(() => useTcpStore());
    await ws.load();
    await tcp.refresh();
    after();
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    fake.on('tcp.list', async () => {
      await gate;
      return { servers: [server('tcp-s9', 4002)], clients: [] };
    });
    const p = ws.recheck();
    await settle();
    fake.emit([
      {
        engine: 'tcp',
        type: 'server.clientConnected',
        session: 'tcp-s9',
        at: 3,
        client: {
          clientId: 'c1',
          remoteAddress: '127.0.0.1',
          remotePort: 1,
          connectedAt: 3,
          bytesIn: 0,
          bytesOut: 0,
        },
      },
    ] as never);
    release();
    await p;
    expect(tcp.servers.map((s) => s.session)).toEqual(['tcp-s9']);
    expect(tcp.servers[0]!.clients.map((c) => c.clientId)).toEqual(['c1']);
  });

  it('one store whose re-read fails leaves the others re-read', async () => {
    before();
    const ws = use(() => useWorkspaceStore());
    const tcp = use(() => useTcpStore());
    const udp = use(() => useUdpStore());
    await ws.load();
    await Promise.all([tcp.refresh(), udp.refresh()]);
    after();
    fake.on('tcp.list', new Error('ENGINE_HOST_DOWN: restarting again'));
    await ws.recheck();
    // Nothing stale is shown for TCP (its sessions belonged to the old engines); UDP is up to date.
    expect(tcp.servers).toEqual([]);
    expect(udp.sockets.map((s) => s.session)).toEqual(['udp-9']);
  });
});

describe('engine restart: work that died with the engines says so', () => {
  it('a WebSocket session is shown closed (its messages stay), the test server stopped', async () => {
    const ws = use(() => useWorkspaceStore());
    const store = use(() => useWsStore());
    await ws.load();
    fake.on('ws.connect', { session: 'ws-1', url: 'ws://127.0.0.1:9/', state: 'open', protocol: '' });
    fake.on('ws.serverStart', { session: 'wss-1', port: 9, mode: 'echo', clients: 0, messages: 0 });
    await store.connect();
    await store.startServer();
    fake.emit([
      {
        engine: 'ws',
        type: 'message',
        session: 'ws-1',
        at: 1,
        message: { seq: 1, at: 1, dir: 'in', kind: 'text', data: 'hi', bytes: 2 },
      },
    ] as never);
    fake.on('workspace.get', () => snapshot('two'));
    fake.on('ws.list', { clients: [], sse: [], servers: [] });
    await ws.recheck();
    expect(store.client?.state).toBe('closed');
    expect(store.client?.closeReason).toBe('the engines restarted');
    expect(store.messages).toHaveLength(1);
    expect(store.server).toBeUndefined();
  });

  it('a collection run in progress is shown stopped with the reason, not running forever', async () => {
    const ws = use(() => useWorkspaceStore());
    const http = use(() => useHttpClientStore());
    await ws.load();
    http.runForm.collection = 'demo';
    fake.on('httpClient.runStart', { session: 'run-1' });
    await http.startRun();
    fake.emit([
      {
        engine: 'httpClient',
        type: 'run.result',
        session: 'run-1',
        at: 1,
        counts: { state: 'running', iterations: 1, requests: 1, passed: 1, failed: 0, errors: 0 },
        result: {},
      },
    ] as never);
    expect(http.runCounts?.state).toBe('running');
    fake.on('workspace.get', () => snapshot('two'));
    await ws.recheck();
    expect(http.runCounts?.state).toBe('stopped');
    expect((http.runError as { code: string }).code).toBe('ENGINE_HOST_DOWN');
  });
});
