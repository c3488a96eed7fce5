// The LAN messenger's data model in the renderer, without the store: a conversation's messages in
// display order (Lamport clock, then sender id — the same order on every member), late arrivals put in
// their place, older pages put in front, acknowledgements applied, and how a person's presence reads.
// Pure functions over plain objects, unit-tested directly.
import { markRaw } from 'vue';
import { z } from 'zod';
import type { MessengerMessage, MessengerPeer } from '../../shared/contract';

/** Messages of a conversation read when it is opened; older ones come a page at a time. */
export const FIRST_PAGE = 200;
/** Messages per older page (the contract allows up to maxHistoryPage). */
export const OLDER_PAGE = 500;
/** Messages a conversation keeps in the renderer; more are trimmed from the top (still on disk). */
export const THREAD_KEEP = 20_000;
export const TYPING_MS = 6000;

export interface Thread {
  id: string;
  /** Display order; a plain array marked raw, `version` is what views watch. */
  messages: MessengerMessage[];
  version: number;
  /** Older messages exist before the first one here. */
  more: boolean;
  loaded: boolean;
  loadingOlder: boolean;
  olderError?: unknown;
  /** Sender id → nickname and until when "is typing" shows. */
  typing: Record<string, { nick: string; until: number }>;
}

export function newThread(id: string): Thread {
  return {
    id,
    messages: markRaw([]),
    version: 0,
    more: false,
    loaded: false,
    loadingOlder: false,
    typing: {},
  };
}

/** Display order of the contract: (lamport, from). */
export function compareMessages(a: MessengerMessage, b: MessengerMessage): number {
  if (a.lamport !== b.lamport) return a.lamport - b.lamport;
  return a.from < b.from ? -1 : a.from > b.from ? 1 : 0;
}

/** Where message `id` is, searched from the end: new messages and acks concern the latest ones. */
function indexOf(list: readonly MessengerMessage[], id: string): number {
  for (let i = list.length - 1; i >= 0; i--) if (list[i]!.id === id) return i;
  return -1;
}

/**
 * Puts a message where it belongs: replaced in place when its id is there (a new status), else inserted
 * in display order (nearly always at the end; a late one goes before later messages). Returns whether it
 * was new.
 */
export function insertMessage(t: Thread, m: MessengerMessage): boolean {
  const list = t.messages;
  const at = indexOf(list, m.id);
  if (at >= 0) {
    list[at] = m;
    t.version++;
    return false;
  }
  let i = list.length;
  while (i > 0 && compareMessages(list[i - 1]!, m) > 0) i--;
  list.splice(i, 0, m);
  if (list.length > THREAD_KEEP) {
    list.splice(0, list.length - THREAD_KEEP);
    t.more = true;
  }
  t.version++;
  return true;
}

/**
 * A page from the engine (oldest first). `older`: it is the page before the first message shown and
 * goes in front; otherwise it replaces what is shown but keeps messages that arrived meanwhile. Returns
 * how many were added.
 */
export function applyPage(t: Thread, page: MessengerMessage[], more: boolean, older: boolean): number {
  const have = new Set(t.messages.map((m) => m.id));
  const fresh = page.filter((m) => !have.has(m.id));
  if (older) {
    const room = Math.max(0, THREAD_KEEP - t.messages.length);
    const put = fresh.slice(Math.max(0, fresh.length - room));
    if (put.length > 0) t.messages.unshift(...put);
    t.more = more && put.length === fresh.length ? more : put.length < fresh.length || more;
    t.version++;
    return put.length;
  }
  const inPage = new Set(page.map((m) => m.id));
  const merged = [...page, ...t.messages.filter((m) => !inPage.has(m.id))].sort(compareMessages);
  t.messages.splice(0, t.messages.length, ...merged.slice(-THREAD_KEEP));
  t.more = more || merged.length > THREAD_KEEP;
  t.loaded = true;
  t.version++;
  return fresh.length;
}

/** A member stored one of our messages: its ackedBy grows, and it is delivered once every member has it. */
export function applyAck(t: Thread, id: string, by: string, delivered: boolean): boolean {
  const at = indexOf(t.messages, id);
  const m = t.messages[at];
  if (!m) return false;
  t.messages[at] = {
    ...m,
    ackedBy: m.ackedBy.includes(by) ? m.ackedBy : [...m.ackedBy, by],
    status: delivered ? 'delivered' : m.status,
  };
  t.version++;
  return true;
}

/** How a person's presence reads in the People list: "online", "away", "offline since 14:02". */
export function presenceText(p: MessengerPeer, now = Date.now()): string {
  if (p.presence !== 'offline') return p.presence;
  if (p.offlineSince === undefined) return 'offline';
  const d = new Date(p.offlineSince);
  const sameDay = new Date(now).toDateString() === d.toDateString();
  const hm = d.toLocaleTimeString(undefined, { hour: '2-digit', minute: '2-digit' });
  return `offline since ${sameDay ? hm : `${d.toLocaleDateString()} ${hm}`}`;
}

/** People online first, then away, then offline; by nickname within each. */
export function sortPeople(peers: readonly MessengerPeer[]): MessengerPeer[] {
  const rank = { online: 0, away: 1, offline: 2 } as const;
  return [...peers].sort(
    (a, b) => rank[a.presence] - rank[b.presence] || a.nick.localeCompare(b.nick) || (a.id < b.id ? -1 : 1),
  );
}

/** The messenger settings kept in the workspace: who I am on the LAN and where I announce. */
export const MessengerSettings = z.object({
  nick: z.string().max(32),
  status: z.enum(['online', 'away']),
  /** LAN chat on: the messenger starts with the app. */
  enabled: z.boolean(),
  /** Interfaces (names or IPv4 addresses) to announce and browse on; empty = every non-loopback one. */
  interfaces: z.array(z.string().min(1).max(64)).max(32),
  /** People added by address (no multicast: routed LANs, static lists), re-added at each start. */
  peers: z
    .array(z.object({ host: z.string().min(1).max(253), port: z.number().int().min(1).max(65535) }))
    .max(64),
});
export type MessengerSettings = z.infer<typeof MessengerSettings>;

export const MESSENGER_SETTINGS_DEFAULTS: MessengerSettings = {
  nick: '',
  status: 'online',
  enabled: true,
  interfaces: [],
  peers: [],
};

/** Splits an "eth0, 192.168.1.20" field into interface names; empty means all. */
export function parseInterfaces(text: string): string[] {
  return [
    ...new Set(
      text
        .split(/[\s,]+/)
        .map((x) => x.trim())
        .filter((x) => x !== ''),
    ),
  ].slice(0, 32);
}

/**
 * What a group's `members` message says, in words: "ann created team with bob, carol", "bob added
 * erin", "carol removed dave", "dave left". `nick` names an instance id; `me` is ours ("you").
 */
export function membersChangeText(
  m: Pick<MessengerMessage, 'from' | 'fromNick' | 'mine' | 'members' | 'add' | 'remove' | 'name'>,
  nick: (id: string) => string,
  me: string | undefined,
): string {
  const who = m.mine ? 'You' : m.fromNick;
  const names = (list: readonly string[]) => list.map((id) => (id === me ? 'you' : nick(id))).join(', ');
  const add = (m.add ?? []).filter((id) => id !== m.from);
  const remove = m.remove ?? [];
  if (m.add?.includes(m.from)) {
    const others = (m.members ?? []).filter((id) => id !== m.from);
    return `${who} created ${m.name ?? 'the group'}${others.length ? ` with ${names(others)}` : ''}`;
  }
  const parts: string[] = [];
  if (add.length) parts.push(`added ${names(add)}`);
  if (remove.length === 1 && remove[0] === m.from) parts.push('left');
  else if (remove.length) parts.push(`removed ${names(remove)}`);
  if (parts.length) return `${who} ${parts.join(' and ')}`;
  // The protocol's first form: the whole member set, no add/remove.
  return `${who} set the members${m.name ? ` of ${m.name}` : ''}: ${names(m.members ?? [])}`;
}

/** Unsent text per conversation, kept in the workspace: at most this many conversations' drafts. */
export const MAX_DRAFTS = 200;
export const Drafts = z.record(z.string().max(80), z.string().max(8 * 1024));
export type Drafts = z.infer<typeof Drafts>;

/** Sets (or, when empty, drops) one draft; the oldest go once there are more than MAX_DRAFTS. */
export function setDraft(drafts: Drafts, conversation: string, text: string): void {
  delete drafts[conversation];
  if (text === '') return;
  drafts[conversation] = text;
  const keys = Object.keys(drafts);
  for (const k of keys.slice(0, Math.max(0, keys.length - MAX_DRAFTS))) delete drafts[k];
}

/**
 * The address of one messenger conversation alone, in a new tab (browser shell, with the tab's token
 * as chat tabs do) or a window of its own (Electron: allowed by chatWindowTarget in electron-policy.ts).
 */
export function conversationWindowUrl(
  loc: { pathname: string; search: string },
  token: string | null,
  conversation: string,
): string {
  const params = new URLSearchParams(loc.search);
  if (token && !params.has('token')) params.set('token', token);
  const q = params.toString();
  return `${loc.pathname}${q ? `?${q}` : ''}#/chat?conversation=${encodeURIComponent(conversation)}`;
}
