// The API object for the browser shell: the same contract over a WebSocket to 127.0.0.1, authenticated
// by the data dir's token. The token arrives in the URL once; the page keeps it for the tab
// (sessionStorage) and removes it from the address bar, so it is not in the history, bookmarks or a
// screen share. A lost socket reconnects by itself (a restarted shell on the same data dir takes the
// same token and port); a token the shell no longer accepts is reported instead of retried forever.
import type { EventListener, WirelabApi } from '../../shared/contract';
import type { Result } from '../../shared/errors';
import { wireDecodeBinary, wireParse, wireStringify } from '../../shared/wire-json';
import { ref, type Ref } from 'vue';
import { CallTable } from './call-table';
import { contractProxy } from './contract-proxy';
import { takeToken } from './token';

/**
 * - connecting: not connected yet; open: connected and the engines answer;
 * - closed: the connection was lost, reconnecting; unauthorized: the page has no token;
 * - rejected: the shell refuses this tab's token (another data dir, or a renewed token);
 * - engines-restarting / engines-down: connected, but the engine process died (being restarted / gave up).
 */
export type LinkState =
  'connecting' | 'open' | 'closed' | 'unauthorized' | 'rejected' | 'engines-restarting' | 'engines-down';

export interface BrowserShellLink {
  api: WirelabApi;
  state: Ref<LinkState>;
}

const CALL_TIMEOUT_MS = 120_000;
/** A socket silent this long (no answer to our pings) is treated as lost, even if TCP has not noticed. */
const HEARTBEAT_MS = 10_000;
const DEAD_AFTER_MS = 25_000;
const MAX_BACKOFF_MS = 5_000;
function sessionStore(): Storage | undefined {
  try {
    return window.sessionStorage;
  } catch {
    return undefined;
  }
}

export function connectBrowserShell(location: Location): BrowserShellLink {
  const token = takeToken(location, window.history, sessionStore());
  const wsUrl = `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/ws?token=${encodeURIComponent(token)}`;
  const state = ref<LinkState>('connecting');
  const listeners = new Set<EventListener>();
  const calls = new CallTable({
    timeoutMs: CALL_TIMEOUT_MS,
    setTimer: (fn, ms) => setTimeout(fn, ms),
    clearTimer: (h) => clearTimeout(h as ReturnType<typeof setTimeout>),
  });
  let ws: WebSocket | undefined;
  let backoff = 250;
  let lastSeen = 0;
  let heartbeat: ReturnType<typeof setInterval> | undefined;

  const sendNow = (frame: string): boolean => {
    if (!ws || ws.readyState !== WebSocket.OPEN) return false;
    ws.send(frame);
    return true;
  };

  function open(): void {
    const sock = new WebSocket(wsUrl);
    sock.binaryType = 'arraybuffer';
    ws = sock;
    sock.onopen = () => {
      state.value = 'open';
      backoff = 250;
      lastSeen = Date.now();
      calls.flush(sendNow);
      heartbeat = setInterval(() => {
        if (Date.now() - lastSeen > DEAD_AFTER_MS) lost(sock);
        else sock.send('{"kind":"ping"}');
      }, HEARTBEAT_MS);
    };
    sock.onmessage = (msg) => {
      lastSeen = Date.now();
      const frame = (
        msg.data instanceof ArrayBuffer
          ? wireDecodeBinary(new Uint8Array(msg.data))
          : wireParse(String(msg.data))
      ) as { kind: string; id?: number; result?: Result<unknown>; events?: unknown[]; engines?: string };
      if (frame.kind === 'result' && typeof frame.id === 'number' && frame.result) {
        calls.settle(frame.id, frame.result);
      } else if (frame.kind === 'events' && Array.isArray(frame.events)) {
        for (const l of listeners) l(frame.events as Parameters<EventListener>[0]);
      } else if (frame.kind === 'link') {
        state.value =
          frame.engines === 'up' ? 'open' : frame.engines === 'down' ? 'engines-down' : 'engines-restarting';
      }
    };
    sock.onclose = () => lost(sock);
  }

  /** The socket is gone (closed, or silent past the heartbeat): fail what is in flight, then find out why. */
  function lost(sock: WebSocket): void {
    if (ws !== sock) return;
    ws = undefined;
    sock.onclose = null;
    sock.onmessage = null;
    if (sock.readyState === WebSocket.OPEN || sock.readyState === WebSocket.CONNECTING) sock.close();
    if (heartbeat) clearInterval(heartbeat);
    heartbeat = undefined;
    calls.failAll();
    state.value = 'closed';
    void probe();
  }

  /** Is the shell there, and does it still take our token? 401 is final; no answer means "retry later". */
  async function probe(): Promise<void> {
    const status = await fetch('/auth', { headers: { 'X-Wirelab-Token': token }, cache: 'no-store' }).then(
      (r) => r.status,
      () => 0,
    );
    if (status === 401) {
      state.value = 'rejected';
      return;
    }
    setTimeout(open, status === 204 ? 0 : backoff);
    if (status !== 204) backoff = Math.min(backoff * 2, MAX_BACKOFF_MS);
  }

  if (token) open();
  else state.value = 'unauthorized';

  function invoke(channel: string, input: unknown): Promise<Result<unknown>> {
    return calls.call(
      channel,
      (id) => wireStringify({ id, channel, input }),
      sendNow,
      // Only before the first connection: the page's start-up calls wait for the socket to open.
      state.value === 'connecting',
    );
  }

  const api = contractProxy(
    Object.freeze({
      shell: 'browser' as const,
      onEvents(listener: EventListener) {
        listeners.add(listener);
        return () => listeners.delete(listener);
      },
    }),
    invoke,
  );
  return { api, state };
}
