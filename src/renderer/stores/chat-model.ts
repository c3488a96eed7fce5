// The chat store's data model, without the store: conversations (plain arrays marked raw, a `version`
// the views watch), how messages are upserted, older pages put in front and engine history merged in time
// order, and the forms kept in the workspace. Pure functions over plain objects, unit-tested directly.
import { markRaw } from 'vue';
import { z } from 'zod';
import type { ChatClientInfo, ChatMessage, FileTransferInfo, RoomSummary } from '../../shared/contract';
import { TOKEN_STORAGE_KEY } from '../api/token';

/** Messages a conversation keeps in the renderer; older ones stay in the engine's history. */
export const KEEP = 2000;
/**
 * "Load earlier messages" raises a conversation's cap by what the user loaded (so new messages do not
 * trim it away at once), up to this; at this many messages no older ones are loaded.
 */
export const KEEP_MAX = 20_000;
/** Messages per "Load earlier messages" page, at first. */
export const OLDER_PAGE = 100;
/** The most one older page asks for (the server's maxBatch). */
export const OLDER_PAGE_MAX = 500;

/**
 * The next older page's size: someone who keeps scrolling back through a long conversation gets larger
 * pages (a quarter of what is loaded, OLDER_PAGE to OLDER_PAGE_MAX), so reaching the start of a
 * 20,000-message room takes tens of requests, not hundreds. The list is virtualised, so size is no cost.
 */
export function olderPageSize(loaded: number): number {
  return Math.min(OLDER_PAGE_MAX, Math.max(OLDER_PAGE, Math.floor(loaded / 4)));
}
/** Messages of a conversation read from the engine when it is opened or restored. */
export const HISTORY_PAGE = 500;
export const TYPING_MS = 6000;

export interface Conversation {
  key: string;
  room?: string;
  peer?: string;
  messages: ChatMessage[];
  index: Map<string, number>;
  version: number;
  unread: number;
  typing: Record<string, number>;
  /** Messages kept before the oldest are trimmed: KEEP, raised by older pages loaded (up to KEEP_MAX). */
  keep: number;
  /** A "Load earlier messages" request is running. */
  loadingOlder: boolean;
  olderError?: unknown;
  /** The server has nothing older than this sequence number (learnt from an answer with more=false). */
  historyStart?: number;
  /** A private conversation: this client's own log holds older messages than shown. */
  olderInLog?: boolean;
}

export interface ChatSession {
  session: string;
  info: ChatClientInfo;
  conversations: Conversation[];
  current: string;
  members: Record<string, string[]>;
  rooms: RoomSummary[];
  transfers: FileTransferInfo[];
  certWarning?: { fingerprint: string; previous?: string };
  lastError?: string;
}

export function convKey(target: { room?: string; peer?: string }): string {
  return target.room !== undefined ? `#${target.room}` : `@${target.peer ?? ''}`;
}

/** Lowest sequence number a conversation shows (own messages still pending have none). */
export function oldestSeq(c: Conversation): number | undefined {
  let min: number | undefined;
  for (const m of c.messages) if (m.seq !== undefined && (min === undefined || m.seq < min)) min = m.seq;
  return min;
}

/**
 * What the top of a room conversation shows: a "Load earlier messages" button, the beginning of the room,
 * the renderer's cap reached, or nothing (a private conversation, or nothing numbered yet).
 */
export function historyEdge(c: Conversation): 'more' | 'start' | 'cap' | undefined {
  if (c.room === undefined) {
    if (c.messages.length >= KEEP_MAX) return c.olderInLog ? 'cap' : undefined;
    return c.olderInLog ? 'more' : undefined;
  }
  const first = oldestSeq(c);
  if (first === undefined) return undefined;
  if (first <= 1 || (c.historyStart !== undefined && first <= c.historyStart)) return 'start';
  return c.messages.length >= KEEP_MAX ? 'cap' : 'more';
}

/**
 * Merges what the engine keeps for a conversation (oldest first, the newest `limit`) with what the view
 * already shows: the engine's order wins for what it returned, messages the view has that the page does
 * not (older pages loaded before, or ones that arrived after the page was read) keep their place before
 * or after it. Never appends history at the bottom out of time order. Returns how many were new.
 */
export function mergeHistory(c: Conversation, page: ChatMessage[]): number {
  if (page.length === 0) return 0;
  const inPage = new Set(page.map((m) => m.id));
  const anyShown = c.messages.some((m) => inPage.has(m.id));
  const lastAt = page.at(-1)!.at;
  const before: ChatMessage[] = [];
  const after: ChatMessage[] = [];
  let pastPage = false;
  for (const m of c.messages) {
    if (inPage.has(m.id)) {
      pastPage = true;
      continue;
    }
    // Placed by where the view shows it relative to the page's messages; with none of them shown, by time.
    const later = anyShown ? pastPage : m.at >= lastAt;
    (later ? after : before).push(m);
  }
  const added = page.filter((m) => !c.index.has(m.id)).length;
  let next = [...before, ...page, ...after];
  if (next.length > c.keep) next = next.slice(-c.keep);
  c.messages.splice(0, c.messages.length, ...next);
  reindexConversation(c);
  c.version++;
  return added;
}

export function reindexConversation(c: Conversation): void {
  c.index.clear();
  c.messages.forEach((x, i) => c.index.set(x.id, i));
}

/** The "Join a chat" form, kept in the workspace (the password never is). */
export const ChatJoinForm = z.object({
  host: z.string().max(253),
  port: z.string().max(5),
  nick: z.string().max(64),
  room: z.string().max(64),
  tls: z.boolean(),
});
export type ChatJoinForm = z.infer<typeof ChatJoinForm>;
/** The "Host a chat server" form (no password either). */
export const ChatHostForm = z.object({
  name: z.string().max(63),
  port: z.string().max(5),
  bind: z.string().max(253),
  tls: z.boolean(),
  announce: z.boolean(),
});
export type ChatHostForm = z.infer<typeof ChatHostForm>;
/** Unsent composer text per conversation ("host:port/nick|#room"), at most this many kept. */
export const MAX_DRAFTS = 100;
export const Drafts = z.record(z.string().max(400), z.string().max(8 * 1024));

/** Identifies a joined chat across engine restarts (session ids are per run). */
export function chatIdentityKey(info: ChatClientInfo): string {
  return `${info.host}:${info.port}/${info.nick}`;
}

export function conversation(s: ChatSession, target: { room?: string; peer?: string }): Conversation {
  const key = convKey(target);
  let c = s.conversations.find((x) => x.key === key);
  if (!c) {
    s.conversations.push({
      key,
      room: target.room,
      peer: target.peer,
      messages: markRaw([]),
      index: markRaw(new Map()),
      version: 0,
      unread: 0,
      typing: {},
      keep: KEEP,
      loadingOlder: false,
    });
    c = s.conversations.at(-1)!;
  }
  return c;
}

export function upsert(c: Conversation, m: ChatMessage): boolean {
  const at = c.index.get(m.id);
  if (at !== undefined && c.messages[at]?.id === m.id) {
    c.messages[at] = m;
    c.version++;
    return false;
  }
  c.index.set(m.id, c.messages.push(m) - 1);
  if (c.messages.length > c.keep) {
    c.messages.splice(0, c.messages.length - c.keep);
    reindexConversation(c);
  }
  c.version++;
  return true;
}

/**
 * Puts an older page in front of a conversation, leaving out what it already shows (by id and by seq).
 * `before` runs only when the list is about to change. Returns how many were added.
 */
export function prepend(c: Conversation, page: ChatMessage[], before?: () => void): number {
  const seqs = new Set<number>();
  for (const m of c.messages) if (m.seq !== undefined) seqs.add(m.seq);
  let fresh = page.filter((m) => !c.index.has(m.id) && (m.seq === undefined || !seqs.has(m.seq)));
  const space = KEEP_MAX - c.messages.length;
  if (fresh.length > space) fresh = space > 0 ? fresh.slice(-space) : [];
  if (fresh.length === 0) return 0;
  before?.();
  c.messages.unshift(...fresh);
  c.keep = Math.min(KEEP_MAX, c.keep + fresh.length);
  reindexConversation(c);
  c.version++;
  return fresh.length;
}

/** Splits text into plain runs and http(s) links; both are rendered by interpolation, never as HTML. */
export function linkSegments(text: string): { text: string; url?: string }[] {
  const out: { text: string; url?: string }[] = [];
  const re = /https?:\/\/[^\s<>"']+/g;
  let last = 0;
  for (const m of text.matchAll(re)) {
    if (m.index > last) out.push({ text: text.slice(last, m.index) });
    out.push({ text: m[0], url: m[0] });
    last = m.index + m[0].length;
  }
  if (last < text.length) out.push({ text: text.slice(last) });
  return out;
}

/**
 * The address of one chat alone in a new tab. The browser shell keeps its access token for this tab only
 * (sessionStorage, not copied to a tab opened with noopener), so the new tab gets it in its URL — and
 * takes it out of the address bar again, as any tab does.
 */
export function chatTabUrl(
  loc: { pathname: string; search: string },
  token: string | null,
  session: string,
): string {
  const params = new URLSearchParams(loc.search);
  if (token && !params.has('token')) params.set('token', token);
  const q = params.toString();
  return `${loc.pathname}${q ? `?${q}` : ''}#/chat?chat=${encodeURIComponent(session)}`;
}

/** This tab's browser-shell token, if any (Electron has none). */
export function tabToken(): string | null {
  try {
    return typeof sessionStorage === 'undefined' ? null : sessionStorage.getItem(TOKEN_STORAGE_KEY);
  } catch {
    return null;
  }
}

/** Opens one chat alone in a new tab (Electron: a window of its own, see electron-policy.ts). */
export function openChatTab(session: string): void {
  window.open(chatTabUrl(location, tabToken(), session), '_blank', 'noopener');
}
