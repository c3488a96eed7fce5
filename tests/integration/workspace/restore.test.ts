// The workspace through the composed app: server sessions flagged "start again on launch" and joined
// chats come back when the services start again on the same data dir; a taken port fails only its own
// session with a coded error; private-message history pages come from the client's own log.
import { afterEach, describe, expect, it } from 'vitest';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServices, type Services } from '../../../src/main/services';
import type { Result } from '../../../src/shared/errors';
import type { ChatClientInfo, ChatMessage, WorkspaceSnapshot } from '../../../src/shared/contract';

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

function dataDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'wirelab-ws-'));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

async function open(dir: string): Promise<Services> {
  const s = createServices({ dataDir: dir, shell: 'browser', version: 'test', chatDiscovery: false });
  cleanups.push(() => s.close());
  await s.restored;
  return s;
}

async function call<T>(s: Services, channel: string, input: unknown): Promise<T> {
  const r = (await s.dispatcher.call(channel, input)) as Result<T>;
  if (!r.ok) throw new Error(`${channel}: ${r.error.code} ${r.error.message}`);
  return r.value;
}

/** Polls an async condition (every 20 ms, at most 5 s). */
async function until(fn: () => Promise<boolean>, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await fn())) {
    if (Date.now() > end) throw new Error('timeout waiting for a condition');
    await new Promise((r) => setTimeout(r, 20));
  }
}

async function freePort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const port = (srv.address() as { port: number }).port;
  await new Promise((r) => srv.close(r));
  return port;
}

describe('workspace restore', () => {
  it('flagged servers start again with their live changes; unflagged ones do not; a taken port fails alone', async () => {
    const dir = dataDir();
    const a = await open(dir);
    const tcp1 = await call<{ session: string; port: number }>(a, 'tcp.serverStart', {
      host: '127.0.0.1',
      port: 0,
    });
    await call(a, 'tcp.serverSetOptions', { session: tcp1.session, echo: true });
    const tcp2 = await call<{ session: string; port: number }>(a, 'tcp.serverStart', {
      host: '127.0.0.1',
      port: 0,
    });
    const udp = await call<{ session: string; port: number }>(a, 'udp.bind', { host: '127.0.0.1', port: 0 });
    const notFlagged = await call<{ session: string; port: number }>(a, 'tcp.serverStart', {
      host: '127.0.0.1',
      port: 0,
    });
    for (const [kind, session] of [
      ['tcp', tcp1.session],
      ['tcp', tcp2.session],
      ['udp', udp.session],
    ] as const)
      await call(a, 'workspace.setLaunch', { kind, session, on: true });
    const bad = (await a.dispatcher.call('workspace.setLaunch', {
      kind: 'tcp',
      session: 'tcp-srv-999',
      on: true,
    })) as Result<unknown>;
    expect(bad.ok ? '' : bad.error.code).toBe('NOT_FOUND');
    const saved = JSON.parse(readFileSync(join(dir, 'workspace.json'), 'utf8')) as { launch: unknown[] };
    expect(saved.launch).toHaveLength(3);
    await a.close();

    // Someone else takes tcp2's port while the app is down.
    const squatter: Server = createServer();
    await new Promise<void>((r) => squatter.listen(tcp2.port, '127.0.0.1', r));
    cleanups.push(() => new Promise((r) => squatter.close(r)));

    const b = await open(dir);
    const ws = await call<WorkspaceSnapshot>(b, 'workspace.get', {});
    expect(ws.restore.done).toBe(true);
    const byLabel = (port: number) => ws.launch.find((l) => l.label.endsWith(`:${port}`));
    expect(byLabel(tcp1.port)?.state).toBe('running');
    expect(byLabel(udp.port)?.state).toBe('running');
    expect(byLabel(tcp2.port)).toMatchObject({ state: 'failed', code: 'ADDRESS_IN_USE' });
    const list = await call<{ servers: { port: number; echo?: boolean }[] }>(b, 'tcp.list', {});
    const ports = list.servers.map((x) => x.port);
    expect(ports).toContain(tcp1.port);
    expect(ports).not.toContain(notFlagged.port);
    expect(list.servers.find((x) => x.port === tcp1.port)?.echo).toBe(true);
    const sockets = await call<{ sockets: { port: number }[] }>(b, 'udp.list', {});
    expect(sockets.sockets.map((x) => x.port)).toContain(udp.port);
    // The failed one stays flagged for the next launch; stopping a restored one unflags it.
    const restored = byLabel(tcp1.port)!.session!;
    await call(b, 'tcp.serverStop', { session: restored });
    const after = JSON.parse(readFileSync(join(dir, 'workspace.json'), 'utf8')) as {
      launch: { label: string }[];
    };
    expect(after.launch.map((l) => l.label).sort()).toEqual(
      [byLabel(tcp2.port)!.label, byLabel(udp.port)!.label].sort(),
    );
  });

  it('a hosted chat and a joined chat come back; private history pages come from the log, oldest first', async () => {
    const dir = dataDir();
    const port = await freePort();
    const a = await open(dir);
    const host = await call<{ session: string }>(a, 'chat.hostStart', {
      name: 'ws-test',
      host: '127.0.0.1',
      port,
      discovery: false,
    });
    await call(a, 'workspace.setLaunch', { kind: 'chatHost', session: host.session, on: true });
    const ann = await call<ChatClientInfo>(a, 'chat.connect', { host: '127.0.0.1', port, nick: 'ann' });
    await call(a, 'chat.join', { session: ann.session, room: 'ops' });
    const bob = await call<ChatClientInfo>(a, 'chat.connect', { host: '127.0.0.1', port, nick: 'bob' });
    for (let i = 1; i <= 6; i++) {
      await call(a, 'chat.send', { session: bob.session, to: 'ann', text: `b${i}` });
      await call(a, 'chat.send', { session: ann.session, to: 'bob', text: `a${i}` });
    }
    let shown: ChatMessage[] = [];
    await until(async () => {
      shown = (
        await call<{ messages: ChatMessage[] }>(a, 'chat.messages', { session: ann.session, peer: 'bob' })
      ).messages;
      return shown.filter((x) => x.status !== 'pending').length === 12;
    });
    await call(a, 'chat.disconnect', { session: bob.session });
    await a.close();

    const b = await open(dir);
    const ws = await call<WorkspaceSnapshot>(b, 'workspace.get', {});
    expect(ws.chat.nick).toBeDefined();
    expect(ws.chat.joined.map((j) => [j.nick, j.rooms])).toEqual([['ann', ['lobby', 'ops']]]);
    let clients: ChatClientInfo[] = [];
    await until(async () => {
      clients = (await call<{ clients: ChatClientInfo[] }>(b, 'chat.list', {})).clients;
      return clients.length === 1 && clients[0]!.state === 'open';
    });
    const c = clients[0]!;
    expect(c.nick).toBe('ann');
    expect([...c.rooms].sort()).toEqual(['lobby', 'ops']);
    expect(c.peers).toEqual(['bob']);
    const texts = (ms: ChatMessage[]) => ms.map((m) => m.text);
    const last = await call<{ messages: ChatMessage[] }>(b, 'chat.messages', {
      session: c.session,
      peer: 'bob',
      limit: 4,
    });
    // The same conversation, in the same order as before the restart, own messages included.
    expect(texts(last.messages)).toEqual(texts(shown.slice(-4)));
    const all = await call<{ messages: ChatMessage[] }>(b, 'chat.messages', {
      session: c.session,
      peer: 'bob',
    });
    expect(texts(all.messages)).toEqual(texts(shown));
    expect(all.messages.filter((m) => m.from === 'ann')).toHaveLength(6);
    const older = await call<{ messages: ChatMessage[]; more: boolean }>(b, 'chat.messages', {
      session: c.session,
      peer: 'bob',
      limit: 4,
      beforeId: last.messages[0]!.id,
    });
    expect(texts(older.messages)).toEqual(texts(shown.slice(-8, -4)));
    expect(older.more).toBe(true);
  });

  it('ten flagged sessions of five kinds come back; the restore time is reported', async () => {
    const dir = dataDir();
    const a = await open(dir);
    const flag = async (kind: string, channel: string, input: Record<string, unknown>) => {
      const r = await call<{ session: string }>(a, channel, input);
      await call(a, 'workspace.setLaunch', { kind, session: r.session, on: true });
    };
    for (let i = 0; i < 4; i++) await flag('tcp', 'tcp.serverStart', { host: '127.0.0.1', port: 0 });
    for (let i = 0; i < 3; i++) await flag('udp', 'udp.bind', { host: '127.0.0.1', port: 0 });
    await flag('httpServer', 'httpServer.start', { host: '127.0.0.1', port: 0 });
    await flag('chatHost', 'chat.hostStart', { name: 'ten', host: '127.0.0.1', port: 0, discovery: false });
    const backend = await call<{ port: number }>(a, 'tcp.serverStart', { host: '127.0.0.1', port: 0 });
    await flag('lb', 'lb.start', {
      host: '127.0.0.1',
      port: 0,
      backends: [{ host: '127.0.0.1', port: backend.port }],
    });
    await a.close();
    const b = await open(dir);
    const ws = await call<WorkspaceSnapshot>(b, 'workspace.get', {});
    expect(ws.launch.map((l) => l.state)).toEqual(Array(10).fill('running'));
    expect(ws.restore.ms).toBeTypeOf('number');
    // The figure for the docs (docs/workspace.md); no timing is asserted here.
    console.log(`workspace restore of 10 sessions: ${ws.restore.ms} ms`);
  });

  it('a damaged or newer workspace.json is set aside and reported; the app starts with defaults', async () => {
    for (const [text, kind] of [
      ['{"version":1,"values":', 'corrupt'],
      ['{"version":99,"values":{}}', 'newer'],
    ] as const) {
      const dir = dataDir();
      writeFileSync(join(dir, 'workspace.json'), text);
      const s = await open(dir);
      const ws = await call<WorkspaceSnapshot>(s, 'workspace.get', {});
      expect(ws.notice?.kind).toBe(kind);
      expect(existsSync(ws.notice!.movedTo)).toBe(true);
      expect(readFileSync(ws.notice!.movedTo, 'utf8')).toBe(text);
      expect(ws.values).toEqual({});
      const info = await call<{ storageProblems: { movedTo: string }[] }>(s, 'app.info', {});
      expect(info.storageProblems.map((p) => p.movedTo)).toContain(ws.notice!.movedTo);
      await s.close();
      expect(readdirSync(dir).filter((f) => f.startsWith('workspace.json.'))).toHaveLength(1);
    }
  });

  it('values are saved atomically and limited; an over-limit value is refused with LIMIT_EXCEEDED', async () => {
    const dir = dataDir();
    const s = await open(dir);
    await call(s, 'workspace.saveValues', { values: { 'tcp.form': { port: 7000 } } });
    const big = (await s.dispatcher.call('workspace.saveValues', {
      values: { huge: 'x'.repeat(600 * 1024) },
    })) as Result<unknown>;
    expect(big.ok ? '' : big.error.code).toBe('LIMIT_EXCEEDED');
    await s.close();
    const t = await open(dir);
    expect((await call<WorkspaceSnapshot>(t, 'workspace.get', {})).values).toEqual({
      'tcp.form': { port: 7000 },
    });
  });
});
