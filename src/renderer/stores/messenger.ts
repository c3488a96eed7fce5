// The LAN messenger in the renderer: this instance on the LAN (nickname, status, LAN chat on/off,
// interfaces — kept in the workspace), the people seen, direct and group conversations with unread
// counts, and each conversation's messages in display order. Talks only to the API object
// (`api.messenger.*`, contract/messenger.ts) and its events.
import { defineStore } from 'pinia';
import { markRaw, reactive, ref, shallowReactive } from 'vue';
import { z } from 'zod';
import type {
  MessengerConversation,
  MessengerEvent,
  MessengerInfo,
  MessengerPeer,
  MessengerStatus,
  WirelabEvent,
} from '../../shared/contract';
import { persisted } from '../lib/persisted';
import { desktopNotify } from '../lib/notify';
import { unwrap, useApi, useEventRouter } from '../api';
import { useWorkspaceStore } from './workspace';
import { tabToken, useChatStore } from './chat';
import {
  Drafts,
  FIRST_PAGE,
  MESSENGER_SETTINGS_DEFAULTS,
  MessengerSettings,
  OLDER_PAGE,
  TYPING_MS,
  applyAck,
  applyPage,
  conversationWindowUrl,
  insertMessage,
  membersChangeText,
  newThread,
  setDraft,
  type Thread,
} from './messenger-model';

export * from './messenger-model';

/** What the chat page's right side shows. */
export type ChatPane = 'servers' | 'room' | 'conversation';

export const useMessengerStore = defineStore('messenger', () => {
  const api = useApi();
  const workspace = useWorkspaceStore();
  const settings = persisted('messenger.settings', MessengerSettings, MESSENGER_SETTINGS_DEFAULTS);
  /** The conversation shown, kept in the workspace so a restart opens the same one. */
  const selected = persisted('messenger.selected', z.string().max(80), '');
  const pane = ref<ChatPane>('servers');
  const info = ref<MessengerInfo>();
  const peers = ref<MessengerPeer[]>([]);
  const conversations = ref<MessengerConversation[]>([]);
  /** Conversation id → its messages (created when first opened or when a message arrives). */
  const threads = shallowReactive(new Map<string, Thread>());
  /** Start failed (e.g. a port in use): shown on the page; LAN chat stays switched on. */
  const startError = ref<unknown>();
  const starting = ref(false);
  /** Set by the chat page while the messenger pane is in front of the user (notifications otherwise). */
  const inView = ref(false);
  /** The one conversation a window of its own shows (`#/chat?conversation=…`); '' in the full page. */
  const solo = ref('');
  /** Unsent text per conversation, kept in the workspace: switching conversations or a restart keeps it. */
  const drafts = persisted('messenger.drafts', Drafts, {});
  /** Desktop notifications: one switch for rooms and the messenger (the chat store's). */
  const chat = useChatStore();

  const running = () => info.value?.state === 'running';

  function thread(id: string): Thread {
    let t = threads.get(id);
    if (!t) {
      threads.set(id, reactive(newThread(id)) as Thread);
      t = threads.get(id)!;
    }
    return t;
  }

  function upsertPeer(p: MessengerPeer): void {
    const i = peers.value.findIndex((x) => x.id === p.id);
    if (i >= 0) peers.value[i] = p;
    else peers.value.push(p);
  }
  function upsertConversation(c: MessengerConversation): void {
    const i = conversations.value.findIndex((x) => x.id === c.id);
    // The conversation in front is being read: its unread count stays 0 here (markRead is on its way).
    const shown = showing(c.id);
    const next = shown ? { ...c, unread: 0 } : c;
    if (i >= 0) conversations.value[i] = next;
    else conversations.value.push(next);
    if (shown && c.unread > 0) void markRead(c.id).catch(() => undefined);
  }
  function showing(id: string): boolean {
    const inFront = solo.value ? solo.value === id : pane.value === 'conversation' && selected.value === id;
    return inView.value && inFront && !document.hidden;
  }
  function nickOf(id: string): string {
    return peers.value.find((p) => p.id === id)?.nick ?? id.slice(0, 6);
  }

  function apply(batch: WirelabEvent[]): void {
    for (const ev of batch) {
      if (ev.engine !== 'messenger') continue;
      const e: MessengerEvent = ev;
      switch (e.type) {
        case 'state':
          info.value = e.info;
          break;
        case 'peer.appeared':
        case 'peer.changed':
        case 'peer.gone':
          upsertPeer(e.peer);
          break;
        case 'conversation':
          upsertConversation(e.conversation);
          break;
        case 'message': {
          const m = e.message;
          const t = thread(m.conversation);
          const isNew = insertMessage(t, m);
          if (isNew && !m.mine) {
            delete t.typing[m.from];
            if (!showing(m.conversation) && chat.notificationsWanted) {
              const conv = conversations.value.find((c) => c.id === m.conversation);
              // A group met for the first time has no conversation here yet: its messages carry its name.
              const group = conv?.kind === 'group' ? conv.name : m.name;
              const where = group !== undefined ? ` in ${group}` : '';
              const body =
                m.kind === 'members' ? membersChangeText(m, nickOf, info.value?.instanceId) : m.text;
              desktopNotify(`${m.fromNick}${where}`, body, m.conversation, true);
            }
          }
          break;
        }
        case 'message.acked':
          applyAck(thread(e.conversation), e.id, e.by, e.delivered);
          break;
        case 'typing': {
          const t = thread(e.conversation);
          if (e.on) t.typing = { ...t.typing, [e.from]: { nick: e.nick, until: Date.now() + TYPING_MS } };
          else {
            const next = { ...t.typing };
            delete next[e.from];
            t.typing = next;
          }
          t.version++;
          break;
        }
        case 'cert':
          // The peer's record carries certChanged; read it afresh so the warning shows at once.
          void refreshPeers().catch(() => undefined);
          break;
        case 'error':
          startError.value = markRaw({ code: e.code, message: e.message });
          break;
        default:
          break;
      }
    }
  }
  useEventRouter().on('messenger', apply);

  async function refreshPeers(): Promise<void> {
    peers.value = (await unwrap(api.messenger.peers({}))).peers;
  }

  /** Reads everything afresh: this instance, people, conversations (and the one shown, its messages). */
  async function refresh(): Promise<void> {
    info.value = await unwrap(api.messenger.info({}));
    if (!running()) return;
    await refreshPeers();
    const list = (await unwrap(api.messenger.conversations({}))).conversations;
    conversations.value = [];
    for (const c of list) upsertConversation(c);
    for (const t of threads.values()) if (t.loaded) await loadMessages(t.id);
  }

  /** Goes on the LAN with the saved nickname, status, interfaces and people added by address. */
  async function start(): Promise<void> {
    const s = settings.value;
    startError.value = undefined;
    starting.value = true;
    try {
      info.value = await unwrap(
        api.messenger.start({
          nick: s.nick.trim(),
          status: s.status,
          interfaces: s.interfaces.length > 0 ? s.interfaces : undefined,
          peers: s.peers,
        }),
      );
      await refresh();
    } catch (err) {
      startError.value = typeof err === 'object' && err !== null ? markRaw(err) : err;
      throw err;
    } finally {
      starting.value = false;
    }
  }

  /**
   * What the page calls when it opens: the engine's state is read; with LAN chat on and a nickname the
   * messenger is started (idempotent), so opening the app is all it takes to be on the LAN.
   */
  async function init(): Promise<void> {
    await refresh();
    if (!running() && settings.value.enabled && settings.value.nick.trim() !== '') {
      await start().catch(() => undefined);
    }
  }

  /** LAN chat on or off: off sends a goodbye to everyone and stops listening. */
  async function setEnabled(on: boolean): Promise<void> {
    settings.value = { ...settings.value, enabled: on };
    if (on) {
      if (settings.value.nick.trim() !== '') await start();
    } else {
      await unwrap(api.messenger.stop({}));
      await refresh();
    }
  }

  /** A new nickname or status: saved, and announced at once when running. */
  async function setIdentity(change: { nick?: string; status?: MessengerStatus }): Promise<void> {
    const nick = change.nick?.trim();
    if (running()) {
      info.value = await unwrap(
        api.messenger.setStatus({ ...(nick !== undefined ? { nick } : {}), status: change.status }),
      );
    }
    settings.value = {
      ...settings.value,
      ...(nick !== undefined ? { nick } : {}),
      ...(change.status ? { status: change.status } : {}),
    };
    if (!running() && settings.value.enabled && settings.value.nick !== '') await start();
  }

  async function setInterfaces(list: string[]): Promise<void> {
    settings.value = { ...settings.value, interfaces: list };
    // Interfaces are chosen at start: a running messenger goes off and on again with the new set.
    if (running()) {
      await unwrap(api.messenger.stop({}));
      await start();
    }
  }

  /** Someone reached by address (no multicast needed); remembered and re-added at every start. */
  async function addPeer(host: string, port: number): Promise<void> {
    await unwrap(api.messenger.addPeer({ host, port }));
    const rest = settings.value.peers.filter((p) => !(p.host === host && p.port === port));
    settings.value = { ...settings.value, peers: [...rest, { host, port }].slice(-64) };
    await refreshPeers();
  }

  async function trustPeer(peer: MessengerPeer): Promise<void> {
    if (!peer.certChanged) return;
    await unwrap(api.messenger.trustPeer({ peer: peer.id, fingerprint: peer.certChanged.presented }));
    await refreshPeers();
  }

  /** Shows a conversation: its unread count goes to 0 and its messages are read when first shown. */
  async function select(id: string): Promise<void> {
    selected.value = id;
    pane.value = 'conversation';
    const c = conversations.value.find((x) => x.id === id);
    if (c && c.unread > 0) {
      c.unread = 0;
      void markRead(id).catch(() => undefined);
    }
    if (!thread(id).loaded) await loadMessages(id);
  }

  /** The direct conversation with a person (created by the engine on first use), shown. */
  async function openDirect(peer: string): Promise<MessengerConversation> {
    const c = await unwrap(api.messenger.openDirect({ peer }));
    upsertConversation(c);
    await select(c.id);
    return c;
  }

  async function createGroup(name: string, members: string[]): Promise<MessengerConversation> {
    const c = await unwrap(api.messenger.createGroup({ name: name.trim(), members }));
    upsertConversation(c);
    await select(c.id);
    return c;
  }
  async function addMembers(conversation: string, members: string[]): Promise<void> {
    upsertConversation(await unwrap(api.messenger.addMembers({ conversation, members })));
  }
  async function removeMembers(conversation: string, members: string[]): Promise<void> {
    upsertConversation(await unwrap(api.messenger.removeMembers({ conversation, members })));
  }
  function draftOf(conversation: string): string {
    return drafts.value[conversation] ?? '';
  }
  function saveDraft(conversation: string, text: string): void {
    setDraft(drafts.value, conversation, text);
  }
  async function leaveGroup(conversation: string): Promise<void> {
    await unwrap(api.messenger.leaveGroup({ conversation }));
    const c = conversations.value.find((x) => x.id === conversation);
    if (c) upsertConversation({ ...c, left: true });
  }

  /** A conversation alone in a window of its own: read, shown, marked read, without changing the page's pick. */
  async function openSolo(id: string): Promise<void> {
    solo.value = id;
    await init();
    const c = conversations.value.find((x) => x.id === id);
    if (c && c.unread > 0) {
      c.unread = 0;
      void markRead(id).catch(() => undefined);
    }
    await loadMessages(id);
  }
  /** Opens one conversation in a new tab (Electron: a window of its own). */
  function openWindow(id: string): void {
    window.open(conversationWindowUrl(location, tabToken(), id), '_blank', 'noopener');
  }

  /** The newest page of a conversation, merged with what arrived meanwhile. */
  async function loadMessages(id: string): Promise<void> {
    const r = await unwrap(api.messenger.messages({ conversation: id, limit: FIRST_PAGE }));
    applyPage(thread(id), r.messages, r.more, false);
  }

  /** The page before the first message shown, put in front (the list keeps the reader's place). */
  async function loadOlder(id: string): Promise<void> {
    const t = thread(id);
    const first = t.messages[0];
    if (!first || !t.more || t.loadingOlder) return;
    t.loadingOlder = true;
    t.olderError = undefined;
    t.version++;
    try {
      const r = await unwrap(
        api.messenger.messages({ conversation: id, limit: OLDER_PAGE, before: first.id }),
      );
      applyPage(t, r.messages, r.more, true);
    } catch (err) {
      t.olderError = typeof err === 'object' && err !== null ? markRaw(err) : err;
    } finally {
      t.loadingOlder = false;
      t.version++;
    }
  }

  /** Sends a message; it is stored at once (shown as pending) and delivered when each member is reachable. */
  async function send(id: string, text: string): Promise<void> {
    const r = await unwrap(api.messenger.send({ conversation: id, text }));
    insertMessage(thread(id), r.message);
  }
  async function markRead(id: string): Promise<void> {
    await unwrap(api.messenger.markRead({ conversation: id }));
  }
  async function typing(id: string, on: boolean): Promise<void> {
    await unwrap(api.messenger.typing({ conversation: id, on }));
  }

  // The engines restarted under this page: they start empty, so the messenger is started again (its
  // conversations and history come back from its store on disk) and read afresh.
  workspace.onEnginesRestarted(() => init().catch(() => undefined));

  return {
    settings,
    selected,
    pane,
    info,
    peers,
    conversations,
    threads,
    startError,
    starting,
    inView,
    solo,
    drafts,
    thread,
    nickOf,
    refresh,
    init,
    start,
    setEnabled,
    setIdentity,
    setInterfaces,
    addPeer,
    trustPeer,
    select,
    openDirect,
    createGroup,
    addMembers,
    removeMembers,
    draftOf,
    saveDraft,
    leaveGroup,
    openSolo,
    openWindow,
    loadMessages,
    loadOlder,
    send,
    markRead,
    typing,
  };
});
