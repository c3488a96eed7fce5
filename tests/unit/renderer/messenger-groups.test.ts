// The messenger store's group side and drafts: a group's member changes read as words, group messages
// notify with the group's name (also before the group's conversation is known here) and count unread,
// member changes go to the engine as the change, and unsent text is kept per conversation in the
// workspace (bounded, empty drafts dropped).
import { beforeEach, describe, expect, it } from 'vitest';
import type { MessengerMessage, WirelabEvent } from '../../../src/shared/contract';
import {
  MAX_DRAFTS,
  conversationWindowUrl,
  membersChangeText,
  setDraft,
  useMessengerStore,
  type Drafts,
} from '../../../src/renderer/stores/messenger';
import { useChatStore } from '../../../src/renderer/stores/chat';
import { useWorkspaceValues } from '../../../src/renderer/lib/persisted';
import { fakeApi, storeApp, type FakeApi } from './fake-api';

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
const DAVE = 'dddddddddddddddd';
const G = 'g:0123456789abcdef';
const nicks: Record<string, string> = { [BOB]: 'bob', [CAROL]: 'carol', [DAVE]: 'dave' };
const nick = (id: string) => nicks[id] ?? id.slice(0, 6);

const gmsg = (from: string, seq: number, over: Partial<MessengerMessage> = {}): MessengerMessage => ({
  id: `${from}:${G}:${seq}`,
  conversation: G,
  from,
  fromNick: nick(from),
  seq,
  lamport: seq,
  at: 1,
  kind: 'text',
  text: `t${seq}`,
  members: [ME, BOB, CAROL],
  name: 'team',
  status: 'received',
  mine: from === ME,
  ackedBy: [],
  late: false,
  storedAt: 1,
  ...over,
});
const ev = (e: Record<string, unknown>): WirelabEvent =>
  ({ engine: 'messenger', session: 'messenger', at: 1, ...e }) as WirelabEvent;

let f: FakeApi;
let stores: ReturnType<typeof storeApp>;
beforeEach(() => {
  f = fakeApi();
  stores = storeApp(f);
  f.on('workspace.saveValues', { bytes: 1, savedAt: 1 });
  doc.hidden = false;
});

describe('membersChangeText', () => {
  const m = (over: Partial<MessengerMessage>) => gmsg(BOB, 1, { kind: 'members', text: '', ...over });
  it('says who created, added, removed or left', () => {
    expect(membersChangeText(m({ add: [BOB, ME, CAROL], members: [BOB, ME, CAROL] }), nick, ME)).toBe(
      'bob created team with you, carol',
    );
    expect(membersChangeText(m({ add: [DAVE] }), nick, ME)).toBe('bob added dave');
    expect(membersChangeText(m({ remove: [CAROL, ME] }), nick, ME)).toBe('bob removed carol, you');
    expect(membersChangeText(m({ remove: [BOB] }), nick, ME)).toBe('bob left');
    expect(membersChangeText(m({ add: [DAVE], remove: [CAROL] }), nick, ME)).toBe(
      'bob added dave and removed carol',
    );
    expect(membersChangeText(m({ mine: true, from: ME, add: [DAVE] }), nick, ME)).toBe('You added dave');
    // The first form of the protocol: the whole set.
    expect(membersChangeText(m({ members: [BOB, ME] }), nick, ME)).toBe(
      'bob set the members of team: bob, you',
    );
  });
});

describe('conversationWindowUrl', () => {
  it('is the chat route naming the conversation, with the tab token when there is one', () => {
    const loc = { pathname: '/', search: '' };
    expect(conversationWindowUrl(loc, 'tok', G)).toBe(
      `/?token=tok#/chat?conversation=${encodeURIComponent(G)}`,
    );
    expect(conversationWindowUrl({ pathname: '/index.html', search: '' }, null, G)).toBe(
      `/index.html#/chat?conversation=${encodeURIComponent(G)}`,
    );
  });
});

describe('drafts', () => {
  it('keeps non-empty drafts only, and at most MAX_DRAFTS (the oldest go)', () => {
    const d: Drafts = {};
    setDraft(d, 'a', 'hello');
    setDraft(d, 'b', '');
    expect(d).toEqual({ a: 'hello' });
    setDraft(d, 'a', '');
    expect(d).toEqual({});
    for (let i = 0; i <= MAX_DRAFTS; i++) setDraft(d, `c${i}`, `x${i}`);
    expect(Object.keys(d)).toHaveLength(MAX_DRAFTS);
    expect(d.c0).toBeUndefined();
    expect(d[`c${MAX_DRAFTS}`]).toBe(`x${MAX_DRAFTS}`);
  });

  it('are kept in the workspace per conversation, and come back from a restored workspace', () => {
    const m = stores.use(() => useMessengerStore());
    m.saveDraft(G, 'half a thought');
    m.saveDraft('dm:x', '');
    expect(m.draftOf(G)).toBe('half a thought');
    const ws = stores.use(() => useWorkspaceValues());
    return Promise.resolve().then(() => {
      expect(ws.get('messenger.drafts')).toEqual({ [G]: 'half a thought' });
      ws.replaceAll({ 'messenger.drafts': { [G]: 'from the saved workspace' } });
      return Promise.resolve().then(() => expect(m.draftOf(G)).toBe('from the saved workspace'));
    });
  });
});

describe('groups in the store', () => {
  it('notifies with the group name, also before the conversation is known; member changes in words', () => {
    const notes: { title: string; body: string }[] = [];
    const g = globalThis as { Notification?: unknown };
    g.Notification = class {
      static permission = 'granted';
      constructor(title: string, o: { body: string }) {
        notes.push({ title, body: o.body });
      }
    };
    try {
      const m = stores.use(() => useMessengerStore());
      stores.use(() => useChatStore()).notificationsWanted = true;
      m.info = { instanceId: ME, state: 'running' } as typeof m.info;
      m.peers = [CAROL, BOB].map((id) => ({
        id,
        nick: nick(id),
        presence: 'online' as const,
        connected: true,
        source: 'address' as const,
        outbox: 0,
      }));
      f.emit([
        ev({
          type: 'message',
          message: gmsg(BOB, 1, {
            kind: 'members',
            text: '',
            add: [BOB, ME, CAROL],
            members: [BOB, ME, CAROL],
          }),
        }),
      ]);
      f.emit([ev({ type: 'message', message: gmsg(CAROL, 1, { text: 'hello team' }) })]);
      expect(notes).toEqual([
        { title: 'bob in team', body: 'bob created team with you, carol' },
        { title: 'carol in team', body: 'hello team' },
      ]);
    } finally {
      delete g.Notification;
    }
  });

  it('adds and removes members through the engine and shows the answered conversation', async () => {
    const after = {
      id: G,
      kind: 'group' as const,
      name: 'team',
      members: [ME, BOB, DAVE],
      left: false,
      messages: 3,
      unread: 0,
      pending: 1,
    };
    f.on('messenger.addMembers', after);
    f.on('messenger.removeMembers', { ...after, members: [ME, DAVE] });
    const m = stores.use(() => useMessengerStore());
    await m.addMembers(G, [DAVE]);
    expect(m.conversations.find((c) => c.id === G)?.members).toEqual([ME, BOB, DAVE]);
    await m.removeMembers(G, [BOB]);
    expect(m.conversations.find((c) => c.id === G)?.members).toEqual([ME, DAVE]);
    expect(f.callsTo('messenger.removeMembers').map((c) => c.input)).toEqual([
      { conversation: G, members: [BOB] },
    ]);
  });
});
