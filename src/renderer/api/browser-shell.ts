// The API object for the browser shell: the same contract over a WebSocket to 127.0.0.1, authenticated
// by the token in the page URL. Calls made while the socket is down fail with a coded error instead of
// hanging; the socket reconnects with backoff and the UI shows the connection state.
import { buildContractApi, contract, type EventListener, type WirelabApi } from '../../shared/contract';
import type { Result } from '../../shared/errors';
import { wireDecodeBinary, wireParse, wireStringify } from '../../shared/wire-json';
import { ref, type Ref } from 'vue';

export type LinkState = 'connecting' | 'open' | 'closed' | 'unauthorized';

export interface BrowserShellLink {
  api: WirelabApi;
  state: Ref<LinkState>;
}

const CALL_TIMEOUT_MS = 120_000;

export function connectBrowserShell(location: Location): BrowserShellLink {
  const token = new URLSearchParams(location.search).get('token') ?? '';
  const wsUrl = `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/ws?token=${encodeURIComponent(token)}`;
  const state = ref<LinkState>('connecting');
  const listeners = new Set<EventListener>();
  const pending = new Map<
    number,
    { resolve: (r: Result<unknown>) => void; timer: ReturnType<typeof setTimeout> }
  >();
  let nextId = 1;
  let ws: WebSocket | undefined;
  let backoff = 250;
  let queue: string[] = [];

  function open(): void {
    state.value = 'connecting';
    const sock = new WebSocket(wsUrl);
    sock.binaryType = 'arraybuffer';
    ws = sock;
    sock.onopen = () => {
      state.value = 'open';
      backoff = 250;
      for (const q of queue) sock.send(q);
      queue = [];
    };
    sock.onmessage = (msg) => {
      const frame = (
        msg.data instanceof ArrayBuffer
          ? wireDecodeBinary(new Uint8Array(msg.data))
          : wireParse(String(msg.data))
      ) as { kind: string; id?: number; result?: Result<unknown>; events?: unknown[] };
      if (frame.kind === 'result' && typeof frame.id === 'number' && frame.result) {
        const p = pending.get(frame.id);
        if (p) {
          clearTimeout(p.timer);
          pending.delete(frame.id);
          p.resolve(frame.result);
        }
      } else if (frame.kind === 'events' && Array.isArray(frame.events)) {
        for (const l of listeners) l(frame.events as Parameters<EventListener>[0]);
      }
    };
    sock.onclose = (ev) => {
      ws = undefined;
      for (const [id, p] of pending) {
        clearTimeout(p.timer);
        p.resolve({
          ok: false,
          error: { code: 'NOT_CONNECTED', message: 'lost the connection to the Wirelab shell' },
        });
        pending.delete(id);
      }
      // 1006 right after opening with a wrong token: the upgrade was refused (401/403).
      if (state.value === 'connecting' && ev.code === 1006 && !token) {
        state.value = 'unauthorized';
        return;
      }
      state.value = 'closed';
      setTimeout(open, backoff);
      backoff = Math.min(backoff * 2, 5000);
    };
  }
  open();

  function invoke(channel: string, input: unknown): Promise<Result<unknown>> {
    return new Promise((resolve) => {
      const id = nextId++;
      const timer = setTimeout(() => {
        pending.delete(id);
        resolve({
          ok: false,
          error: { code: 'TIMEOUT', message: `${channel} did not answer within ${CALL_TIMEOUT_MS / 1000} s` },
        });
      }, CALL_TIMEOUT_MS);
      pending.set(id, { resolve, timer });
      const text = wireStringify({ id, channel, input });
      if (ws && ws.readyState === WebSocket.OPEN) ws.send(text);
      else queue.push(text);
    });
  }

  const api: WirelabApi = Object.freeze({
    ...buildContractApi(contract, invoke),
    shell: 'browser' as const,
    onEvents(listener: EventListener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  });
  return { api, state };
}
