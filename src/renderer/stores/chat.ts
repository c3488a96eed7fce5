// LAN chat state in the renderer: hosted servers (server panel), joined chats with their conversations
// (rooms and private), unread counts, typing indicators, file transfers, and servers found on the LAN.
// Messages live in plain arrays marked raw; a `version` per conversation is what views watch.
import { defineStore } from 'pinia';
import { markRaw, reactive, ref, shallowRef } from 'vue';
import type {
  ChatClientInfo,
  ChatEvent,
  ChatMessage,
  DiscoveredServer,
  HostInfo,
  WirelabEvent,
} from '../../shared/contract';
import { EventParking } from '../lib/event-parking';
import { persisted } from '../lib/persisted';
import { desktopNotify } from '../lib/notify';
import { unwrap, useApi, useEventRouter } from '../api';
import { useAppStore } from './app';
import { useWorkspaceStore } from './workspace';
import {
  ChatHostForm,
  ChatJoinForm,
  Drafts,
  HISTORY_PAGE,
  MAX_DRAFTS,
  olderPageSize,
  TYPING_MS,
  chatIdentityKey,
  convKey,
  conversation,
  mergeHistory,
  oldestSeq,
  prepend,
  upsert,
  type ChatSession,
  type Conversation,
} from './chat-model';

export * from './chat-model';

export const useChatStore = defineStore('chat', () => {
  const api = useApi();
  const app = useAppStore();
  const workspace = useWorkspaceStore();
  const joinForm = persisted('chat.joinForm', ChatJoinForm, {
    host: '127.0.0.1',
    port: '',
    nick: '',
    room: 'lobby',
    tls: false,
  });
  const hostForm = persisted('chat.hostForm', ChatHostForm, {
    name: '',
    port: '0',
    bind: '0.0.0.0',
    tls: false,
    announce: true,
  });
  const drafts = persisted('chat.drafts', Drafts, {});
  const hosts = ref<HostInfo[]>([]);
  const sessions = shallowRef<ChatSession[]>([]);
  const discovered = ref<DiscoveredServer[]>([]);
  const discoveryEnabled = ref<boolean | undefined>(undefined);
  /** Why discovery is off: the instance switch (--no-discovery) or the app's LAN setting. */
  const discoveryOff = ref<'instance' | 'setting' | undefined>(undefined);
  const selected = ref<string>();
  const notificationsWanted = ref(false);
  /** A server picked in a list outside the join form (the chat page's left column): the form takes it. */
  const picked = ref<DiscoveredServer>();
  const parking = new EventParking<ChatEvent>(500, 20);
  let hostRefresh: ReturnType<typeof setTimeout> | undefined;

  function sessionOf(id: string): ChatSession | undefined {
    return sessions.value.find((s) => s.session === id);
  }

  function notify(s: ChatSession, m: ChatMessage): void {
    if (!notificationsWanted.value) return;
    desktopNotify(
      `${m.from}${m.room !== undefined ? ` in #${m.room}` : ' (private)'} — ${s.info.serverName ?? s.info.host}`,
      m.text,
      s.session,
    );
  }

  function addSession(info: ChatClientInfo, room: string): ChatSession {
    const s = reactive({
      session: info.session,
      info,
      conversations: [],
      current: convKey({ room }),
      members: { ...(info.members ?? {}) },
      rooms: [],
      transfers: [],
    }) as ChatSession;
    conversation(s, { room });
    sessions.value = [...sessions.value, s];
    selected.value = info.session;
    const parked = parking.take(info.session);
    if (parked.length) apply(parked);
    return sessionOf(info.session)!;
  }

  function scheduleHostRefresh(): void {
    if (hostRefresh) return;
    hostRefresh = setTimeout(() => {
      hostRefresh = undefined;
      void refresh().catch(() => undefined);
    }, 250);
  }

  function apply(batch: WirelabEvent[]): void {
    for (const ev of batch) {
      if (ev.engine !== 'chat') continue;
      const e: ChatEvent = ev;
      if (e.type.startsWith('host.')) {
        if (e.type === 'host.error') app.toast('error', `Chat server: ${e.code}`, e.message);
        scheduleHostRefresh();
        continue;
      }
      if (e.type === 'discovery.up') {
        discovered.value = [...discovered.value.filter((d) => d.key !== e.server.key), e.server];
        continue;
      }
      if (e.type === 'discovery.down') {
        discovered.value = discovered.value.filter((d) => d.key !== e.server.key);
        continue;
      }
      const s = sessionOf(e.session);
      if (!s) {
        parking.park(e);
        continue;
      }
      switch (e.type) {
        case 'client.state':
          s.info = e.info;
          if (e.code) s.lastError = `${e.code}: ${e.message ?? ''}`;
          else if (e.state === 'open') s.lastError = undefined;
          break;
        case 'client.message': {
          const m = e.message;
          const c = conversation(s, { room: m.room, peer: m.peer });
          const isNew = upsert(c, m);
          if (isNew && m.status === 'received') {
            delete c.typing[m.from];
            const visible = selected.value === s.session && s.current === c.key && !document.hidden;
            if (!visible) c.unread++;
            notify(s, m);
          }
          break;
        }
        case 'client.presence':
          s.members = { ...s.members, [e.room]: e.members };
          break;
        case 'client.typing': {
          const c = conversation(s, e.room !== undefined ? { room: e.room } : { peer: e.from });
          if (e.on) c.typing[e.from] = Date.now() + TYPING_MS;
          else delete c.typing[e.from];
          break;
        }
        case 'client.rooms':
          s.rooms = e.rooms;
          break;
        case 'client.cert':
          if (e.event === 'changed') s.certWarning = { fingerprint: e.fingerprint, previous: e.previous };
          break;
        case 'client.file': {
          const i = s.transfers.findIndex((t) => t.fileId === e.transfer.fileId);
          if (i >= 0) s.transfers[i] = e.transfer;
          else {
            s.transfers.push(e.transfer);
            if (e.transfer.direction === 'receive')
              app.toast(
                'info',
                `${e.transfer.peer} offers a file: ${e.transfer.name}`,
                'Open "Files" in the chat to accept it.',
              );
          }
          break;
        }
        case 'client.error':
          s.lastError = `${e.code}: ${e.message}`;
          break;
        default:
          break;
      }
    }
  }

  useEventRouter().on('chat', apply);

  // The engines restarted under this page: session ids are new, so the chats are read afresh (the
  // engine host rejoined them, history included); the selection follows the same server and nickname.
  workspace.onEnginesRestarted(async () => {
    const was = sessionOf(selected.value ?? '');
    const key = was ? chatIdentityKey(was.info) : undefined;
    const conv = was?.current;
    sessions.value = [];
    await refresh();
    const again = sessions.value.find((x) => chatIdentityKey(x.info) === key);
    if (again) {
      selected.value = again.session;
      if (conv && again.conversations.some((c) => c.key === conv)) again.current = conv;
    }
  });

  function draftKey(s: ChatSession, c: Conversation): string {
    return `${chatIdentityKey(s.info)}|${c.key}`;
  }
  function draftOf(s: ChatSession, c: Conversation): string {
    return drafts.value[draftKey(s, c)] ?? '';
  }
  /** Keeps unsent text per conversation, so switching conversations, pages or restarting keeps it. */
  function setDraft(s: ChatSession, c: Conversation, text: string): void {
    const key = draftKey(s, c);
    const next = { ...drafts.value };
    delete next[key];
    if (text !== '') next[key] = text.slice(0, 8 * 1024);
    const keys = Object.keys(next);
    for (const k of keys.slice(0, Math.max(0, keys.length - MAX_DRAFTS))) delete next[k];
    drafts.value = next;
  }

  async function refresh(): Promise<void> {
    const list = await unwrap(api.chat.list({}));
    hosts.value = list.hosts;
    for (const info of list.clients) {
      const s = sessionOf(info.session);
      if (s) s.info = info;
      else {
        // Members come with the list: presence events sent before this page listened are not replayed.
        const added = addSession(info, info.rooms[0] ?? 'lobby');
        for (const room of info.rooms) await loadHistory(added, { room });
        // Private conversations kept by the client (e.g. after a restart) are listed, history included.
        for (const peer of info.peers ?? []) await loadHistory(added, { peer });
      }
    }
  }

  async function discover(): Promise<void> {
    const r = await unwrap(api.chat.discover({}));
    discoveryEnabled.value = r.enabled;
    discoveryOff.value = r.off;
    discovered.value = r.servers;
  }

  /**
   * "Load earlier messages" of a room: the page before its oldest message, from the server (memory or
   * log), put in front. `beforePrepend` runs right before the list changes (the view keeps its scroll
   * position). Errors are kept on the conversation for the view to show.
   */
  async function loadOlder(s: ChatSession, c: Conversation, beforePrepend?: () => void): Promise<void> {
    if (c.peer !== undefined) return loadOlderPrivate(s, c, beforePrepend);
    const first = oldestSeq(c);
    if (c.room === undefined || c.loadingOlder || first === undefined || first <= 1) return;
    c.loadingOlder = true;
    c.olderError = undefined;
    try {
      const r = await unwrap(
        api.chat.olderMessages({
          session: s.session,
          room: c.room,
          before: first,
          limit: olderPageSize(c.messages.length),
        }),
      );
      prepend(c, r.messages, beforePrepend);
      if (!r.more) c.historyStart = r.messages[0]?.seq ?? first;
    } catch (err) {
      c.olderError = typeof err === 'object' && err !== null ? markRaw(err) : err;
    } finally {
      c.loadingOlder = false;
    }
  }

  /**
   * An older page of a private conversation, from this client's own log (the server keeps no private
   * history for us), put in front in time order.
   */
  async function loadOlderPrivate(
    s: ChatSession,
    c: Conversation,
    beforePrepend?: () => void,
  ): Promise<void> {
    const first = c.messages[0];
    if (c.peer === undefined || c.loadingOlder || !first) return;
    c.loadingOlder = true;
    c.olderError = undefined;
    try {
      const r = await unwrap(
        api.chat.messages({
          session: s.session,
          peer: c.peer,
          beforeId: first.id,
          limit: olderPageSize(c.messages.length),
        }),
      );
      prepend(c, r.messages, beforePrepend);
      c.olderInLog = r.more;
    } catch (err) {
      c.olderError = typeof err === 'object' && err !== null ? markRaw(err) : err;
    } finally {
      c.loadingOlder = false;
    }
  }

  /** What the engine keeps of a conversation, merged in time order with what is shown (see mergeHistory). */
  async function loadHistory(s: ChatSession, target: { room?: string; peer?: string }): Promise<void> {
    const r = await unwrap(api.chat.messages({ session: s.session, ...target, limit: HISTORY_PAGE }));
    const c = conversation(s, target);
    mergeHistory(c, r.messages);
    if (c.peer !== undefined) c.olderInLog = r.more;
  }

  async function host(input: {
    name?: string;
    port: number;
    tls: boolean;
    password?: string;
    host: string;
    discovery: boolean;
  }): Promise<HostInfo> {
    const info = await unwrap(
      api.chat.hostStart({ ...input, name: input.name || undefined, password: input.password || undefined }),
    );
    hosts.value = [...hosts.value, info];
    return info;
  }
  async function stopHost(session: string): Promise<void> {
    await unwrap(api.chat.hostStop({ session }));
    hosts.value = hosts.value.filter((h) => h.session !== session);
  }
  async function kick(session: string, nick: string): Promise<void> {
    await unwrap(api.chat.hostKick({ session, nick }));
    scheduleHostRefresh();
  }

  async function connect(input: {
    host: string;
    port: number;
    nick: string;
    room: string;
    tls: boolean;
    password?: string;
    fingerprint?: string;
  }): Promise<ChatSession> {
    const info = await unwrap(api.chat.connect({ ...input, password: input.password || undefined }));
    const s = sessionOf(info.session) ?? addSession(info, input.room);
    await loadHistory(s, { room: input.room });
    // The nickname and server are now part of the saved chat identity: show them in the join form.
    void workspace.recheck().catch(() => undefined);
    return s;
  }
  async function disconnect(session: string): Promise<void> {
    await unwrap(api.chat.disconnect({ session }));
    sessions.value = sessions.value.filter((s) => s.session !== session);
    if (selected.value === session) selected.value = sessions.value.at(-1)?.session;
  }
  async function send(s: ChatSession, c: Conversation, text: string): Promise<void> {
    await unwrap(
      api.chat.send({
        session: s.session,
        ...(c.room !== undefined ? { room: c.room } : { to: c.peer }),
        text,
      }),
    );
  }
  async function typing(s: ChatSession, c: Conversation, on: boolean): Promise<void> {
    await unwrap(
      api.chat.typing({
        session: s.session,
        ...(c.room !== undefined ? { room: c.room } : { to: c.peer }),
        on,
      }),
    );
  }
  async function join(s: ChatSession, room: string): Promise<void> {
    await unwrap(api.chat.join({ session: s.session, room }));
    conversation(s, { room });
    s.current = convKey({ room });
  }
  async function leave(s: ChatSession, room: string): Promise<void> {
    await unwrap(api.chat.leave({ session: s.session, room }));
    s.conversations = s.conversations.filter((c) => c.room !== room);
    if (s.current === convKey({ room })) s.current = s.conversations[0]?.key ?? '';
  }
  async function listRooms(s: ChatSession): Promise<void> {
    s.rooms = (await unwrap(api.chat.rooms({ session: s.session }))).rooms;
  }
  function openPrivate(s: ChatSession, peer: string): void {
    conversation(s, { peer });
    select(s, convKey({ peer }));
    void loadHistory(s, { peer }).catch(() => undefined);
  }
  function select(s: ChatSession, key: string): void {
    s.current = key;
    const c = s.conversations.find((x) => x.key === key);
    if (c) c.unread = 0;
  }
  async function offerFile(s: ChatSession, to: string, path: string): Promise<void> {
    await unwrap(api.chat.fileOffer({ session: s.session, to, path }));
  }
  async function acceptFile(s: ChatSession, fileId: string, saveAs: string): Promise<void> {
    await unwrap(api.chat.fileAccept({ session: s.session, fileId, saveAs }));
  }
  async function cancelFile(s: ChatSession, fileId: string): Promise<void> {
    await unwrap(api.chat.fileCancel({ session: s.session, fileId }));
  }
  async function trust(s: ChatSession): Promise<void> {
    if (!s.certWarning) return;
    await unwrap(
      api.chat.trustFingerprint({
        host: s.info.host,
        port: s.info.port,
        fingerprint: s.certWarning.fingerprint,
      }),
    );
    s.certWarning = undefined;
  }
  async function enableNotifications(): Promise<void> {
    notificationsWanted.value = true;
    if (typeof Notification !== 'undefined' && Notification.permission === 'default')
      await Notification.requestPermission();
  }

  return {
    joinForm,
    hostForm,
    draftOf,
    setDraft,
    hosts,
    sessions,
    discovered,
    discoveryEnabled,
    discoveryOff,
    selected,
    notificationsWanted,
    picked,
    refresh,
    discover,
    host,
    stopHost,
    kick,
    connect,
    disconnect,
    send,
    typing,
    join,
    leave,
    listRooms,
    openPrivate,
    select,
    offerFile,
    acceptFile,
    cancelFile,
    trust,
    enableNotifications,
    loadHistory,
    loadOlder,
  };
});
