// The chat engine through the dispatcher, as the UI and CLI call it: schema validation with stable codes,
// data-dir layout (identity kept, fingerprints pinned), discovery off under tests.
import { describe, expect, it, onTestFinished } from 'vitest';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { chatContract, type ChatEvent } from '../../../src/shared/contract/chat';
import { createDispatcher } from '../../../src/main/dispatcher/dispatcher';
import { ChatService } from '../../../src/main/engines/chat/service';
import { waitFor } from '../../helpers/net';
import { tempDir } from './helpers';

function setup(dataDir = tempDir()) {
  const chat = new ChatService({ dataDir, discovery: false });
  onTestFinished(() => chat.close());
  const events: ChatEvent[] = [];
  chat.on((e) => events.push(e));
  const d = createDispatcher({ chat: chatContract }, { chat });
  return { chat, events, call: (m: string, input: unknown) => d.call(`chat.${m}`, input), dataDir };
}

describe('chat service via the dispatcher', () => {
  it('hosts, connects, sends and lists; history lives under the data dir', async () => {
    const s = setup();
    const host = await s.call('hostStart', { name: 'Team room', host: '127.0.0.1', port: 0 });
    expect(host).toMatchObject({
      ok: true,
      value: { name: 'Team room', discovery: false, state: 'listening' },
    });
    const port = (host as { value: { port: number; session: string } }).value.port;
    const a = await s.call('connect', { host: '127.0.0.1', port, nick: 'alice' });
    expect(a).toMatchObject({ ok: true, value: { state: 'open', nick: 'alice', rooms: ['lobby'] } });
    const session = (a as { value: { session: string } }).value.session;
    expect(
      await s.call('send', { session, room: 'lobby', text: '<img src=x onerror=alert(1)>' }),
    ).toMatchObject({ ok: true });
    await waitFor(() => s.events.some((e) => e.type === 'client.ack'));
    const msgs = await s.call('messages', { session, room: 'lobby' });
    expect(msgs).toMatchObject({
      ok: true,
      value: { messages: [{ text: '<img src=x onerror=alert(1)>', status: 'sent', seq: 1 }] },
    });
    const list = await s.call('list', {});
    expect(list).toMatchObject({
      ok: true,
      value: { hosts: [{ name: 'Team room', historyMessages: 1 }], clients: [{ nick: 'alice' }] },
    });
    expect(existsSync(join(s.dataDir, 'chat', 'servers', 'Team_room', 'history.jsonl'))).toBe(true);
    expect(existsSync(join(s.dataDir, 'chat', 'clients', `127.0.0.1-${port}`, 'alice.jsonl'))).toBe(true);
    expect(await s.call('discover', {})).toEqual({
      ok: true,
      value: { enabled: false, servers: [], off: 'instance' },
    });
    const stop = await s.call('hostStop', {
      session: (host as { value: { session: string } }).value.session,
    });
    expect(stop).toMatchObject({ ok: true, value: { closedClients: 1 } });
  });

  it('bad input gets stable codes', async () => {
    const s = setup();
    expect(await s.call('connect', { host: '127.0.0.1', port: 0, nick: 'a' })).toMatchObject({
      ok: false,
      error: { code: 'PORT_OUT_OF_RANGE' },
    });
    expect(await s.call('connect', { host: '127.0.0.1', port: 1, nick: 'bad nick!' })).toMatchObject({
      ok: false,
      error: { code: 'CHAT_NICK_INVALID' },
    });
    expect(await s.call('connect', { host: '127.0.0.1', port: 1, nick: 'ok', room: 'a b' })).toMatchObject({
      ok: false,
      error: { code: 'CHAT_ROOM_INVALID' },
    });
    expect(await s.call('send', { session: 'chat-99', room: 'lobby', text: 'x'.repeat(9000) })).toMatchObject(
      { ok: false, error: { code: 'LIMIT_EXCEEDED' } },
    );
    expect(await s.call('send', { session: 'chat-99', room: 'lobby', text: 'hi' })).toMatchObject({
      ok: false,
      error: { code: 'NOT_FOUND' },
    });
    expect(await s.call('hostStart', { port: 70000 })).toMatchObject({
      ok: false,
      error: { code: 'PORT_OUT_OF_RANGE' },
    });
    const host = await s.call('hostStart', { name: 'x', host: '127.0.0.1', port: 0 });
    const port = (host as { value: { port: number } }).value.port;
    expect(await s.call('hostStart', { name: 'y', host: '127.0.0.1', port })).toMatchObject({
      ok: false,
      error: { code: 'ADDRESS_IN_USE' },
    });
    expect(await s.call('hostStart', { name: 'x', host: '127.0.0.1', port: 0 })).toMatchObject({
      ok: false,
      error: { code: 'INVALID_INPUT' },
    });
  });

  it('keeps one identity per data dir and pins TLS fingerprints in known-servers.json', async () => {
    const dir = tempDir();
    const s = setup(dir);
    const host = await s.call('hostStart', { name: 'secure', host: '127.0.0.1', port: 0, tls: true });
    const { port, fingerprint } = (host as { value: { port: number; fingerprint: string } }).value;
    expect(fingerprint).toMatch(/^[0-9A-F:]+$/);
    expect(await s.call('connect', { host: '127.0.0.1', port, nick: 'me', tls: true })).toMatchObject({
      ok: true,
      value: { fingerprint },
    });
    const pins = JSON.parse(readFileSync(join(dir, 'chat', 'known-servers.json'), 'utf8')) as {
      pins: Record<string, string>;
    };
    expect(pins.pins[`127.0.0.1:${port}`]).toBe(fingerprint);
    const id1 = readFileSync(join(dir, 'chat', 'identity.json'), 'utf8');
    await s.chat.close();
    const again = new ChatService({ dataDir: dir, discovery: false });
    onTestFinished(() => again.close());
    expect(readFileSync(join(dir, 'chat', 'identity.json'), 'utf8')).toBe(id1);
  });
});

describe('LAN discovery setting', () => {
  it('the instance switch wins: discovery stays off and says why', async () => {
    const { call } = setup();
    expect(await call('discover', {})).toEqual({
      ok: true,
      value: { enabled: false, servers: [], off: 'instance' },
    });
  });

  it('the app setting turns it off at run time: nothing announced, nothing browsed (no mDNS sent)', async () => {
    const dataDir = tempDir();
    // Instance allows discovery, the user's setting does not — applied before anything could start mDNS.
    const chat = new ChatService({ dataDir, discovery: true });
    onTestFinished(() => chat.close());
    await chat.setDiscoveryAllowed(false);
    expect(chat.discoveryEnabled).toBe(false);
    expect(chat.discover()).toEqual({ enabled: false, servers: [], off: 'setting' });
    const host = await chat.hostStart(
      chatContract.hostStart.input.parse({ port: 0, name: 'quiet', discovery: true }),
    );
    expect(host.discovery).toBe(false);
  });
});
