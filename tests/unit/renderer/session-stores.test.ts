import { describe, expect, it } from 'vitest';
import type { LbInfo, TcpServerInfo, UdpSocketInfo } from '../../../src/shared/contract';
import { LB_DEFAULTS } from '../../../src/shared/contract';
import { useTcpStore } from '../../../src/renderer/stores/tcp';
import { useLbStore } from '../../../src/renderer/stores/lb';
import { useUdpStore } from '../../../src/renderer/stores/udp';
import { useHttpServerStore } from '../../../src/renderer/stores/http-server';
import { useWorkspaceValues } from '../../../src/renderer/lib/persisted';
import { useAction } from '../../../src/renderer/lib/use-action';
import { fakeApi, settle, storeApp } from './fake-api';

const tcpServer = (session: string, over: Partial<TcpServerInfo> = {}): TcpServerInfo => ({
  session,
  host: '127.0.0.1',
  port: 4000,
  echo: false,
  state: 'listening',
  startedAt: 1,
  clients: [],
  ...over,
});
const client = {
  clientId: 'c1',
  remoteAddress: '127.0.0.1',
  remotePort: 5000,
  connectedAt: 2,
  bytesIn: 0,
  bytesOut: 0,
};

describe('session store factory (through the TCP store)', () => {
  it('parks events that overtake the start reply and replays them in order, one version bump a batch', async () => {
    const fake = fakeApi();
    const { use } = storeApp(fake);
    const tcp = use(() => useTcpStore());
    fake.on('tcp.serverStart', tcpServer('tcp-s1'));
    // The welcome went out before the reply that creates the session arrived.
    fake.emit([
      { engine: 'tcp', type: 'server.clientConnected', session: 'tcp-s1', at: 3, client },
      {
        engine: 'tcp',
        type: 'server.sent',
        session: 'tcp-s1',
        at: 4,
        clientId: 'c1',
        data: new Uint8Array([104, 105]),
        bytes: 2,
        truncated: false,
      },
    ] as never);
    const s = await tcp.startServer();
    expect(s.clients.map((c) => c.clientId)).toEqual(['c1']);
    expect(s.log.entries.map((e) => e.dir)).toEqual(['info', 'out']);
    expect(s.clients[0]!.bytesOut).toBe(2);
    const v = s.version;
    fake.emit([
      {
        engine: 'tcp',
        type: 'server.data',
        session: 'tcp-s1',
        at: 5,
        clientId: 'c1',
        data: new Uint8Array([1]),
        bytes: 1,
        truncated: false,
      },
      {
        engine: 'tcp',
        type: 'server.data',
        session: 'tcp-s1',
        at: 6,
        clientId: 'c1',
        data: new Uint8Array([2]),
        bytes: 1,
        truncated: false,
      },
      { engine: 'bus', type: 'dropped', forEngine: 'tcp', session: 'tcp-s1', at: 7, count: 9 },
    ] as never);
    expect(s.version).toBe(v + 1);
    expect(s.log.dropped).toBe(9);
    // The newly started server is the one shown; the choice is kept in the workspace.
    expect(tcp.currentServer?.session).toBe('tcp-s1');
    await settle();
    expect(use(() => useWorkspaceValues()).get('tcp.server.selected')).toBe('tcp-s1');
  });

  it('routes server and client events of one engine to their own kind, and a client event never lands on a server', async () => {
    const fake = fakeApi();
    const { use } = storeApp(fake);
    const tcp = use(() => useTcpStore());
    fake.on('tcp.list', { servers: [tcpServer('tcp-s1')], clients: [] });
    await tcp.refresh();
    fake.emit([
      {
        engine: 'tcp',
        type: 'client.data',
        session: 'tcp-s1',
        at: 1,
        data: new Uint8Array([1]),
        bytes: 1,
        truncated: false,
      },
    ] as never);
    expect(tcp.servers[0]!.log.entries).toHaveLength(0);
  });

  it('keeps the forms in the workspace: a second store instance (the page reopened, the app restored) sees them', async () => {
    const fake = fakeApi();
    const { use } = storeApp(fake);
    const tcp = use(() => useTcpStore());
    tcp.serverForm.port = '7001';
    tcp.serverForm.welcome = 'HELO';
    tcp.clientDraft.data = 'typed, not sent';
    await settle();
    const saved = JSON.parse(JSON.stringify(use(() => useWorkspaceValues()).values)) as Record<
      string,
      unknown
    >;

    const again = storeApp(fake);
    again.use(() => useWorkspaceValues()).replaceAll(saved);
    const tcp2 = again.use(() => useTcpStore());
    expect(tcp2.serverForm.port).toBe('7001');
    expect(tcp2.serverForm.welcome).toBe('HELO');
    expect(tcp2.clientDraft.data).toBe('typed, not sent');
  });

  it('falls back to the initial form when a restored value no longer fits the schema', () => {
    const fake = fakeApi();
    const { use } = storeApp(fake);
    use(() => useWorkspaceValues()).replaceAll({ 'tcp.serverForm': { host: 42 } });
    expect(use(() => useTcpStore()).serverForm.host).toBe('127.0.0.1');
  });

  it('sends the welcome with the chosen line ending as escaped text, which the engine schema accepts', async () => {
    const fake = fakeApi();
    const { use } = storeApp(fake);
    const tcp = use(() => useTcpStore());
    fake.on('tcp.serverStart', tcpServer('tcp-s1'));
    tcp.serverForm.welcome = '220 ready';
    tcp.serverForm.welcomeEnding = 'crlf';
    await tcp.startServer();
    expect(fake.callsTo('tcp.serverStart')[0]!.input).toMatchObject({
      welcome: '220 ready\\r\\n',
      welcomeEncoding: 'escaped',
    });
  });

  it('changes one live option of a running server and nothing else', async () => {
    const fake = fakeApi();
    const { use } = storeApp(fake);
    const tcp = use(() => useTcpStore());
    fake.on('tcp.list', { servers: [tcpServer('tcp-s1', { welcome: 'hi\r\n' })], clients: [] });
    await tcp.refresh();
    fake.on('tcp.serverSetOptions', tcpServer('tcp-s1', { echo: true, welcome: 'hi\r\n' }));
    await tcp.setOptions('tcp-s1', { echo: true });
    expect(fake.callsTo('tcp.serverSetOptions')[0]!.raw).toEqual({ session: 'tcp-s1', echo: true });
    expect(tcp.servers[0]!.info.echo).toBe(true);
  });
});

const lbInfo = (over: Partial<LbInfo> = {}): LbInfo => ({
  session: 'lb-1',
  host: '127.0.0.1',
  port: 8080,
  state: 'running',
  startedAt: 1,
  strategy: 'wrr',
  health: { ...LB_DEFAULTS.health, type: 'http', path: '/health', intervalMs: 500 },
  limits: {
    maxConn: 10,
    connectTimeoutMs: 300,
    idleTimeoutMs: 5000,
    halfClosedTimeoutMs: 2000,
    queueSize: 4,
    queueTimeoutMs: 100,
    retries: 1,
  },
  proxyProtocol: 'v1',
  backends: [],
  active: 0,
  queued: 0,
  total: 0,
  rejected: 0,
  ...over,
});

describe('load balancer store: live settings come from the engine', () => {
  async function running() {
    const fake = fakeApi();
    const { use } = storeApp(fake);
    const lb = use(() => useLbStore());
    fake.on('lb.list', { balancers: [lbInfo()], demos: [] });
    fake.on('lb.stats', { session: 'lb-1', info: lbInfo(), history: [] });
    await lb.refresh();
    return { fake, lb, use };
  }

  it('shows a running balancer’s own checks, not the form’s defaults', async () => {
    const { lb } = await running();
    expect(lb.live?.session).toBe('lb-1');
    expect(lb.health.type).toBe('http');
    expect(lb.health.intervalMs).toBe(500);
    expect(lb.limits.maxConn).toBe(10);
    // The draft for a new balancer is untouched.
    expect(lb.form.health.type).toBe(LB_DEFAULTS.health.type);
  });

  it('Apply with nothing changed sends nothing; with one field changed, the engine’s config plus that field', async () => {
    const { fake, lb } = await running();
    await lb.applyEdits('lb-1', 'health');
    expect(fake.callsTo('lb.setHealthCheck')).toHaveLength(0);

    lb.health.rise = 5;
    expect(lb.health.rise).toBe(5);
    expect(lb.pending('lb-1', 'health')).toBe(true);
    // Someone else (the CLI, another window) changed the timeout meanwhile: it must survive.
    const now = lbInfo({ health: { ...lbInfo().health, timeoutMs: 777 } });
    fake.on('lb.info', now);
    fake.on('lb.setHealthCheck', (input: { health: LbInfo['health'] }) => lbInfo({ health: input.health }));
    await lb.applyEdits('lb-1', 'health');
    expect(fake.callsTo('lb.setHealthCheck')[0]!.input).toEqual({
      session: 'lb-1',
      health: { ...now.health, rise: 5 },
    });
    expect(lb.pending('lb-1', 'health')).toBe(false);
    expect(lb.health.rise).toBe(5);
  });

  it('keeps unapplied edits per balancer across a new store (page left and reopened)', async () => {
    const { lb, use, fake } = await running();
    lb.limits.retries = 3;
    await settle();
    const saved = JSON.parse(JSON.stringify(use(() => useWorkspaceValues()).values)) as Record<
      string,
      unknown
    >;
    const again = storeApp(fake);
    again.use(() => useWorkspaceValues()).replaceAll(saved);
    const lb2 = again.use(() => useLbStore());
    await lb2.refresh();
    expect(lb2.limits.retries).toBe(3);
    expect(lb2.limits.maxConn).toBe(10);
  });

  it('the strategy select changes only the strategy of a running balancer', async () => {
    const { fake, lb } = await running();
    fake.on('lb.setStrategy', lbInfo({ strategy: 'leastconn' }));
    await lb.setStrategy('leastconn');
    expect(fake.callsTo('lb.setStrategy')[0]!.raw).toEqual({ session: 'lb-1', strategy: 'leastconn' });
    expect(lb.form.strategy).toBe(LB_DEFAULTS.strategy);
    expect(lb.live?.info.strategy).toBe('leastconn');
  });
});

describe('UDP and mock HTTP stores', () => {
  const udpInfo = {
    session: 'udp-1',
    family: 'udp4',
    host: '127.0.0.1',
    port: 9000,
    state: 'bound',
    responder: 'off',
    reply: 'x',
    replyEncoding: 'escaped',
    autoReplyRules: 0,
    autoReplies: [],
    broadcast: false,
    multicastTtl: 1,
    multicastLoopback: true,
    memberships: [],
    datagramsIn: 0,
    datagramsOut: 0,
    bytesIn: 0,
    bytesOut: 0,
    ttl: 64,
  } as unknown as UdpSocketInfo;

  it('a bound socket’s TTL change sends that option alone', async () => {
    const fake = fakeApi();
    const { use } = storeApp(fake);
    const udp = use(() => useUdpStore());
    fake.on('udp.list', { sockets: [udpInfo] });
    await udp.refresh();
    fake.on('udp.setOptions', { ...udpInfo, multicastTtl: 9 });
    await udp.setOptions('udp-1', { multicastTtl: 9 });
    expect(fake.callsTo('udp.setOptions')[0]!.raw).toEqual({ session: 'udp-1', multicastTtl: 9 });
    expect(udp.current?.info.multicastTtl).toBe(9);
  });

  it('the routes editor follows the selected server’s routes once, and keeps edits made after that', async () => {
    const fake = fakeApi();
    const { use } = storeApp(fake);
    const http = use(() => useHttpServerStore());
    const route = {
      id: 'r1',
      method: 'GET',
      path: '/a',
      status: 201,
      headers: { 'x-a': '1' },
      body: 'b',
      delayMs: 0,
    };
    fake.on('httpServer.list', { servers: [{ session: 'http-1', routes: [route] }] });
    await http.refresh();
    http.followRoutes();
    // An HTTP route's fields as typed (WebSocket and SSE routes add fields of their own).
    expect(http.routes.rows).toEqual([
      expect.objectContaining({
        kind: 'http',
        method: 'GET',
        path: '/a',
        status: '201',
        headers: 'x-a: 1',
        body: 'b',
        delayMs: '0',
      }),
    ]);
    http.routes.rows[0]!.path = '/edited';
    http.followRoutes();
    expect(http.routes.rows[0]!.path).toBe('/edited');
  });
});

describe('useAction', () => {
  it('keeps the last error and the busy flag, and clears the error on the next run', async () => {
    let fail = true;
    const a = useAction(async (n: number) => {
      if (fail) throw new Error('no');
      return n * 2;
    });
    const p = a.run(1);
    expect(a.busy).toBe(true);
    expect(await p).toBeUndefined();
    expect(a.busy).toBe(false);
    expect((a.error as Error).message).toBe('no');
    fail = false;
    expect(await a.run(2)).toBe(4);
    expect(a.error).toBeUndefined();
  });
});
