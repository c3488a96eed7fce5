// The chat store against a fake API: events parked until their session exists, history merged in time
// order (never appended at the bottom), older pages put in front (rooms from the server, private
// conversations from the client's log), gaps and duplicates in pages, and sessions read afresh when the
// engines restarted under the page.
import { beforeEach, describe, expect, it } from 'vitest';
import type { ChatMessage, WirelabEvent, WorkspaceSnapshot } from '../../../src/shared/contract';
import { chatTabUrl, historyEdge, useChatStore, type ChatSession } from '../../../src/renderer/stores/chat';
import { useWorkspaceStore } from '../../../src/renderer/stores/workspace';
import { useWorkspaceValues } from '../../../src/renderer/lib/persisted';
import { chatInfo, fakeApi, type FakeApi } from './chat-fake-api';

const info = chatInfo;
const roomMsg = (seq: number, from = 'bob'): ChatMessage => ({
  id: `r${seq}`,
  room: 'lobby',
  from,
  text: `m${seq}`,
  at: 1000 + seq,
  seq,
  status: from === 'ann' ? 'sent' : 'received',
});
const pm = (n: number, from = 'bob'): ChatMessage => ({
  id: `p${n}`,
  peer: 'bob',
  from,
  text: `p${n}`,
  at: 2000 + n,
  status: from === 'ann' ? 'sent' : 'received',
});
const msgEvent = (session: string, message: ChatMessage): WirelabEvent => ({
  engine: 'chat',
  type: 'client.message',
  session,
  at: message.at,
  message,
});
const texts = (s: ChatSession, key: string) =>
  s.conversations.find((c) => c.key === key)!.messages.map((m) => m.text);

function snapshot(instance: string): WorkspaceSnapshot {
  return {
    instance,
    values: {},
    chat: { servers: [], joined: [] },
    launch: [],
    restore: { done: true, ms: 1, sessions: 0 },
  };
}

let f: FakeApi;
beforeEach(() => {
  f = fakeApi();
  f.handle('workspace.get', () => snapshot('one'));
  f.handle('workspace.saveValues', () => ({ bytes: 1, savedAt: 1 }));
});

describe('chat store', () => {
  it('parks events that overtake connect and applies them once the session exists', async () => {
    const chat = f.run(() => useChatStore());
    let release!: () => void;
    f.handle('chat.connect', () => new Promise((r) => (release = () => r(info('chat-1')))));
    f.handle('chat.messages', () => ({ messages: [], more: false }));
    const joined = chat.connect({ host: '127.0.0.1', port: 7000, nick: 'ann', room: 'lobby', tls: false });
    await Promise.resolve();
    f.emit([msgEvent('chat-1', roomMsg(1)), msgEvent('chat-1', roomMsg(2))]);
    expect(chat.sessions).toHaveLength(0);
    release();
    const s = await joined;
    expect(texts(s, '#lobby')).toEqual(['m1', 'm2']);
  });

  it('history read after live messages arrived is merged in time order, never appended at the bottom', async () => {
    const chat = f.run(() => useChatStore());
    f.handle('chat.connect', () => info('chat-1'));
    f.handle('chat.messages', (i) => {
      if (i.peer === 'bob') {
        // Meanwhile p4 arrived live; the log read answers p1..p4 in order, then p5 arrives.
        f.emit([msgEvent('chat-1', pm(4))]);
        return { messages: [pm(1), pm(2, 'ann'), pm(3), pm(4)], more: false };
      }
      return { messages: [], more: false };
    });
    const s = await chat.connect({ host: '127.0.0.1', port: 7000, nick: 'ann', room: 'lobby', tls: false });
    chat.openPrivate(s, 'bob');
    await new Promise((r) => setTimeout(r, 0));
    f.emit([msgEvent('chat-1', pm(5))]);
    const live = chat.sessions[0]!;
    expect(texts(live, '@bob')).toEqual(['p1', 'p2', 'p3', 'p4', 'p5']);
    expect(live.current).toBe('@bob');
  });

  it('a private conversation pages back through the log: older pages go in front, in order', async () => {
    const chat = f.run(() => useChatStore());
    f.handle('chat.connect', () => info('chat-1', { peers: ['bob'] }));
    const all = Array.from({ length: 9 }, (_, i) => pm(i + 1, i % 2 ? 'ann' : 'bob'));
    f.handle('chat.messages', (i) => {
      if (i.peer !== 'bob') return { messages: [], more: false };
      const limit = Number(i.limit);
      const end = i.beforeId ? all.findIndex((m) => m.id === i.beforeId) : all.length;
      const from = Math.max(0, end - Math.min(limit, 3));
      return { messages: all.slice(from, end), more: from > 0 };
    });
    const s0 = await chat.connect({ host: '127.0.0.1', port: 7000, nick: 'ann', room: 'lobby', tls: false });
    chat.openPrivate(s0, 'bob');
    await new Promise((r) => setTimeout(r, 0));
    const s = chat.sessions[0]!;
    const c = s.conversations.find((x) => x.key === '@bob')!;
    expect(texts(s, '@bob')).toEqual(['p7', 'p8', 'p9']);
    expect(historyEdge(c)).toBe('more');
    await chat.loadOlder(s, c);
    expect(texts(s, '@bob')).toEqual(['p4', 'p5', 'p6', 'p7', 'p8', 'p9']);
    await chat.loadOlder(s, c);
    expect(texts(s, '@bob')).toEqual(all.map((m) => m.text));
    expect(historyEdge(c)).toBeUndefined();
    const asked = f.calls.filter((x) => x.channel === 'chat.messages' && x.input.beforeId);
    expect(asked.map((x) => x.input.beforeId)).toEqual(['p7', 'p4']);
  });

  it('room pages: duplicates by id and seq are left out, the start of the room is learnt from more=false', async () => {
    const chat = f.run(() => useChatStore());
    f.handle('chat.connect', () => info('chat-1'));
    f.handle('chat.messages', () => ({ messages: [roomMsg(5), roomMsg(6), roomMsg(8)], more: false }));
    const s0 = await chat.connect({ host: '127.0.0.1', port: 7000, nick: 'ann', room: 'lobby', tls: false });
    const s = chat.sessions.find((x) => x.session === s0.session)!;
    const c = s.conversations.find((x) => x.key === '#lobby')!;
    expect(historyEdge(c)).toBe('more');
    // The server answers with an overlap (5) and a gap it cannot fill (2 is missing): shown as they are.
    f.handle('chat.olderMessages', (i) => {
      expect(i.before).toBe(5);
      return {
        messages: [roomMsg(1), roomMsg(3), roomMsg(4), { ...roomMsg(5), id: 'dup-of-5' }],
        more: false,
      };
    });
    let scrolled = 0;
    await chat.loadOlder(s, c, () => scrolled++);
    expect(texts(s, '#lobby')).toEqual(['m1', 'm3', 'm4', 'm5', 'm6', 'm8']);
    expect(scrolled).toBe(1);
    expect(historyEdge(c)).toBe('start');
    // An error is kept on the conversation, not thrown.
    f.handle('chat.olderMessages', () => {
      throw Object.assign(new Error('gone'), { code: 'NOT_CONNECTED' });
    });
    c.historyStart = undefined;
    c.messages.shift();
    c.index.delete('r1');
    await chat.loadOlder(s, c);
    expect(c.olderError).toBeDefined();
    expect(c.loadingOlder).toBe(false);
  });

  it('after the engines restarted, chats are read afresh under their new ids and the selection follows', async () => {
    const ws = f.run(() => useWorkspaceStore());
    const chat = f.run(() => useChatStore());
    await ws.load();
    f.handle('chat.connect', () => info('chat-7'));
    f.handle('chat.messages', (i) =>
      i.peer === 'bob' ? { messages: [pm(1), pm(2)], more: false } : { messages: [roomMsg(1)], more: false },
    );
    const s = await chat.connect({ host: '127.0.0.1', port: 7000, nick: 'ann', room: 'lobby', tls: false });
    chat.openPrivate(s, 'bob');
    await new Promise((r) => setTimeout(r, 0));
    chat.setDraft(chat.sessions[0]!, chat.sessions[0]!.conversations[1]!, 'half-typed');
    // The engine host restarted: a new instance with the chat rejoined as chat-1.
    f.handle('workspace.get', () => snapshot('two'));
    f.handle('chat.list', () => ({ hosts: [], clients: [info('chat-1', { peers: ['bob'] })] }));
    await ws.recheck();
    expect(chat.sessions.map((x) => x.session)).toEqual(['chat-1']);
    expect(chat.selected).toBe('chat-1');
    const again = chat.sessions[0]!;
    expect(again.current).toBe('@bob');
    expect(texts(again, '@bob')).toEqual(['p1', 'p2']);
    expect(
      chat.draftOf(
        again,
        again.conversations.find((c) => c.key === '@bob')!,
      ),
    ).toBe('half-typed');
    // The page's values were written back at once (they are newer than what the engines restored).
    expect(f.calls.some((x) => x.channel === 'workspace.saveValues')).toBe(true);
    expect(JSON.stringify(f.run(() => useWorkspaceValues()).values['chat.drafts'])).toContain('half-typed');
  });
});

describe('chatTabUrl', () => {
  it('a new tab gets the tab token in its URL (sessionStorage is not shared with it), once', () => {
    expect(chatTabUrl({ pathname: '/', search: '' }, 'tok', 'chat-2')).toBe('/?token=tok#/chat?chat=chat-2');
    expect(chatTabUrl({ pathname: '/', search: '?token=old' }, 'tok', 'a b')).toBe(
      '/?token=old#/chat?chat=a%20b',
    );
    expect(chatTabUrl({ pathname: '/index.html', search: '' }, null, 'c')).toBe('/index.html#/chat?chat=c');
  });
});
