// The messenger store against the fake API built from the contract (inputs validated by the channels'
// own schemas): going on the LAN from the saved settings, people and their presence, messages in the
// contract's display order with late arrivals in place, acknowledgements, unread counts and reading,
// older pages in front, settings kept in the workspace, coded errors, notifications.
import { beforeEach, describe, expect, it } from 'vitest';
import type {
  MessengerConversation,
  MessengerInfo,
  MessengerMessage,
  MessengerPeer,
  WirelabEvent,
} from '../../../src/shared/contract';
import { presenceText, sortPeople, useMessengerStore } from '../../../src/renderer/stores/messenger';
import { useChatStore } from '../../../src/renderer/stores/chat';
import { useWorkspaceValues } from '../../../src/renderer/lib/persisted';
import { fakeApi, settle, storeApp, type FakeApi } from './fake-api';

const doc = {
  hidden: false,
  hasFocus: () => true,
  title: '',
  documentElement: { setAttribute: () => undefined, removeAttribute: () => undefined },
};
(globalThis as { document?: unknown }).document = doc;

const ME = 'aaaaaaaaaaaaaaaa';
const BOB = 'bbbbbbbbbbbbbbbb';
const CAROL = 'cccccccccccccccc';
const DM = `dm:${ME}:${BOB}`;

const info = (state: MessengerInfo['state'], over: Partial<MessengerInfo> = {}): MessengerInfo => ({
  state,
  instanceId: ME,
  nick: 'ann',
  status: 'online',
  host: '0.0.0.0',
  port: 41000,
  fingerprint: 'AA:BB',
  discovery: false,
  interfaces: [],
  protocolVersion: 1,
  ...over,
});
const peer = (id: string, nick: string, over: Partial<MessengerPeer> = {}): MessengerPeer => ({
  id,
  nick,
  host: '127.0.0.1',
  port: 41001,
  presence: 'online',
  connected: true,
  source: 'address',
  outbox: 0,
  ...over,
});
const conv = (id: string, over: Partial<MessengerConversation> = {}): MessengerConversation => ({
  id,
  kind: 'direct',
  name: 'bob',
  members: [ME, BOB],
  left: false,
  messages: 0,
  unread: 0,
  pending: 0,
  ...over,
});
const msg = (
  from: string,
  seq: number,
  lamport: number,
  over: Partial<MessengerMessage> = {},
): MessengerMessage => ({
  id: `${from}:${DM}:${seq}`,
  conversation: DM,
  from,
  fromNick: from === ME ? 'ann' : 'bob',
  seq,
  lamport,
  at: 1000 + lamport,
  kind: 'text',
  text: `${from === ME ? 'a' : 'b'}${seq}`,
  status: from === ME ? 'pending' : 'received',
  mine: from === ME,
  ackedBy: [],
  late: false,
  storedAt: 1000 + lamport,
  ...over,
});
const ev = (e: Record<string, unknown>): WirelabEvent =>
  ({ engine: 'messenger', session: 'messenger', at: 1, ...e }) as WirelabEvent;

let f: FakeApi;
let stores: ReturnType<typeof storeApp>;
function store() {
  return stores.use(() => useMessengerStore());
}
const texts = (m: ReturnType<typeof store>, id = DM) => m.thread(id).messages.map((x) => x.text);

beforeEach(() => {
  f = fakeApi();
  stores = storeApp(f);
  f.on('workspace.get', {
    instance: 'one',
    values: {},
    chat: { servers: [], joined: [] },
    launch: [],
    restore: { done: true, ms: 1, sessions: 0 },
  });
  f.on('workspace.saveValues', { bytes: 1, savedAt: 1 });
  f.on('messenger.peers', { peers: [peer(BOB, 'bob')] });
  f.on('messenger.conversations', { conversations: [conv(DM)] });
  f.on('messenger.markRead', {});
  doc.hidden = false;
});

describe('messenger store', () => {
  it('goes on the LAN at init with the saved nickname, status, interfaces and people by address', async () => {
    let running = false;
    f.on('messenger.info', () => info(running ? 'running' : 'stopped'));
    f.on('messenger.start', () => {
      running = true;
      return info('running');
    });
    const m = store();
    m.settings = {
      nick: 'ann',
      status: 'away',
      enabled: true,
      interfaces: ['eth1'],
      peers: [{ host: '127.0.0.1', port: 41001 }],
    };
    await m.init();
    expect(f.callsTo('messenger.start').map((c) => c.input)).toEqual([
      {
        nick: 'ann',
        status: 'away',
        host: '0.0.0.0',
        port: 0,
        interfaces: ['eth1'],
        peers: [{ host: '127.0.0.1', port: 41001 }],
      },
    ]);
    expect(m.peers.map((p) => p.nick)).toEqual(['bob']);
    expect(m.conversations.map((c) => c.id)).toEqual([DM]);
    // Kept in the workspace, where the saved file comes from.
    await settle();
    expect(stores.use(() => useWorkspaceValues()).get('messenger.settings')).toMatchObject({
      nick: 'ann',
      status: 'away',
    });
  });

  it('does not start with LAN chat off or without a nickname; a refused start keeps its code', async () => {
    f.on('messenger.info', info('stopped'));
    f.on('messenger.start', info('running'));
    const m = store();
    m.settings = { ...m.settings, nick: 'ann', enabled: false };
    await m.init();
    m.settings = { ...m.settings, nick: '', enabled: true };
    await m.init();
    expect(f.callsTo('messenger.start')).toHaveLength(0);
    // A nickname the contract refuses: the schema's code, and the store keeps working.
    m.settings = { ...m.settings, nick: 'no spaces' };
    await expect(m.start()).rejects.toMatchObject({ code: 'CHAT_NICK_INVALID' });
    expect(m.startError).toMatchObject({ code: 'CHAT_NICK_INVALID' });
    expect(m.starting).toBe(false);
  });

  it('keeps people current from events: appeared, away, gone offline since …', () => {
    const m = store();
    f.emit([
      ev({ type: 'peer.appeared', peer: peer(BOB, 'bob') }),
      ev({ type: 'peer.appeared', peer: peer(CAROL, 'carol', { presence: 'away' }) }),
    ]);
    f.emit([
      ev({
        type: 'peer.gone',
        peer: peer(BOB, 'bob', {
          presence: 'offline',
          offlineSince: new Date(2026, 0, 1, 14, 2).getTime(),
          connected: false,
        }),
      }),
    ]);
    expect(m.peers).toHaveLength(2);
    const sorted = sortPeople(m.peers);
    expect(sorted.map((p) => p.nick)).toEqual(['carol', 'bob']);
    expect(presenceText(sorted[0]!)).toBe('away');
    expect(presenceText(sorted[1]!, new Date(2026, 0, 1, 18).getTime())).toMatch(
      /^offline since 0?2:02|^offline since 14:02/,
    );
    expect(presenceText(sorted[1]!, new Date(2026, 0, 3).getTime())).toContain('offline since ');
    expect(m.nickOf(CAROL)).toBe('carol');
  });

  it('shows messages in (lamport, sender) order on every member; a late one goes in its place; acks deliver', () => {
    const m = store();
    f.emit([
      ev({ type: 'message', message: msg(BOB, 1, 1) }),
      ev({ type: 'message', message: msg(ME, 1, 2) }),
    ]);
    f.emit([ev({ type: 'message', message: msg(BOB, 3, 4) })]);
    // bob's 2nd arrives after his 3rd (gap filled later): it sorts before, marked late by the engine.
    f.emit([ev({ type: 'message', message: msg(BOB, 2, 3, { late: true, storedAt: 9000, at: 900 }) })]);
    // Same Lamport time from two senders: the sender id breaks the tie.
    f.emit([ev({ type: 'message', message: msg(ME, 2, 4) })]);
    expect(texts(m)).toEqual(['b1', 'a1', 'b2', 'a2', 'b3']);
    expect(m.thread(DM).messages[2]!.late).toBe(true);
    // A duplicate replaces, never repeats.
    f.emit([ev({ type: 'message', message: msg(BOB, 1, 1) })]);
    expect(texts(m)).toHaveLength(5);
    f.emit([ev({ type: 'message.acked', conversation: DM, id: msg(ME, 1, 2).id, by: BOB, delivered: true })]);
    const a1 = m.thread(DM).messages[1]!;
    expect(a1.status).toBe('delivered');
    expect(a1.ackedBy).toEqual([BOB]);
  });

  it('counts unread where the user is not looking, and reads the conversation in front', async () => {
    f.on('messenger.messages', { messages: [msg(BOB, 1, 1)], more: false });
    const m = store();
    m.inView = true;
    f.emit([ev({ type: 'conversation', conversation: conv(DM, { unread: 2 }) })]);
    expect(m.conversations[0]!.unread).toBe(2);
    expect(f.callsTo('messenger.markRead')).toHaveLength(0);
    await m.select(DM);
    expect(m.conversations[0]!.unread).toBe(0);
    expect(f.callsTo('messenger.markRead').map((c) => c.input)).toEqual([{ conversation: DM }]);
    expect(texts(m)).toEqual(['b1']);
    // While it is shown, a new message does not count as unread.
    f.emit([ev({ type: 'conversation', conversation: conv(DM, { unread: 1 }) })]);
    expect(m.conversations[0]!.unread).toBe(0);
    expect(f.callsTo('messenger.markRead')).toHaveLength(2);
    // In the background it does.
    doc.hidden = true;
    f.emit([ev({ type: 'conversation', conversation: conv(DM, { unread: 1 }) })]);
    expect(m.conversations[0]!.unread).toBe(1);
  });

  it('pages back: older pages go in front, in order, until there are no more; errors are kept', async () => {
    const all = Array.from({ length: 12 }, (_, i) => msg(BOB, i + 1, i + 1));
    f.on('messenger.messages', (i: unknown) => {
      const { before, limit } = i as { before?: string; limit: number };
      const end = before === undefined ? all.length : all.findIndex((x) => x.id === before);
      const from = Math.max(0, end - Math.min(limit, 5));
      return { messages: all.slice(from, end), more: from > 0 };
    });
    const m = store();
    await m.select(DM);
    expect(texts(m)).toEqual(['b8', 'b9', 'b10', 'b11', 'b12']);
    await m.loadOlder(DM);
    expect(f.callsTo('messenger.messages').at(-1)!.input).toMatchObject({ before: all[7]!.id });
    expect(texts(m)).toEqual(all.slice(2).map((x) => x.text));
    expect(m.thread(DM).more).toBe(true);
    await m.loadOlder(DM);
    expect(texts(m)).toEqual(all.map((x) => x.text));
    expect(m.thread(DM).more).toBe(false);
    const calls = f.callsTo('messenger.messages').length;
    await m.loadOlder(DM);
    expect(f.callsTo('messenger.messages')).toHaveLength(calls);

    f.on('messenger.messages', new Error('NOT_CONNECTED: engine host down'));
    m.thread(DM).more = true;
    await m.loadOlder(DM);
    expect(m.thread(DM).olderError).toMatchObject({ code: 'NOT_CONNECTED' });
    expect(m.thread(DM).loadingOlder).toBe(false);
  });

  it('sends: the stored message shows at once; nickname and status changes are announced and kept', async () => {
    f.on('messenger.info', info('running'));
    f.on('messenger.send', (i: unknown) => ({
      message: msg(ME, 1, 1, { text: (i as { text: string }).text }),
    }));
    f.on('messenger.setStatus', (i: unknown) => info('running', i as Partial<MessengerInfo>));
    const m = store();
    await m.refresh();
    await m.send(DM, 'hello <b>bob</b>');
    expect(texts(m)).toEqual(['hello <b>bob</b>']);
    await expect(m.send(DM, '')).rejects.toMatchObject({ code: 'INVALID_INPUT' });
    await m.setIdentity({ status: 'away' });
    await m.setIdentity({ nick: ' annie ' });
    expect(f.callsTo('messenger.setStatus').map((c) => c.input)).toEqual([
      { status: 'away' },
      { nick: 'annie' },
    ]);
    expect(m.settings).toMatchObject({ nick: 'annie', status: 'away' });
    expect(m.info?.nick).toBe('annie');
  });

  it('notifies of a message in a conversation not in view, as plain text', () => {
    const notes: { title: string; body: string }[] = [];
    const g = globalThis as { Notification?: unknown };
    g.Notification = class {
      static permission = 'granted';
      constructor(title: string, o: { body: string }) {
        notes.push({ title, body: o.body });
      }
    };
    try {
      const m = store();
      stores.use(() => useChatStore()).notificationsWanted = true;
      m.inView = true;
      m.pane = 'conversation';
      m.selected = DM;
      f.emit([ev({ type: 'message', message: msg(BOB, 1, 1, { text: 'in view' }) })]);
      m.selected = '';
      f.emit([ev({ type: 'message', message: msg(BOB, 2, 2, { text: '<i>hi</i>' }) })]);
      f.emit([ev({ type: 'message', message: msg(ME, 1, 3) })]);
      expect(notes).toEqual([{ title: 'bob', body: '<i>hi</i>' }]);
    } finally {
      delete g.Notification;
    }
  });
});
