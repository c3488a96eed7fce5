// The WebSocket/SSE page's state: the forms and saved messages (kept in the workspace), the open client
// session with its message log (bounded like the engine's), an SSE session with its events, and an
// echo/broadcast server to try things against.
import { defineStore } from 'pinia';
import { computed, ref } from 'vue';
import { z } from 'zod';
import type {
  SseClientInfo,
  SseEventMsg,
  WirelabEvent,
  WsClientInfo,
  WsMessage,
  WsServerInfo,
} from '../../shared/contract';
import { WS_DEFAULTS } from '../../shared/contract/ws';
import { unwrap, useApi, useEventRouter } from '../api';
import { persisted } from '../lib/persisted';
import { EventParking } from '../lib/event-parking';
import { useWorkspaceStore } from './workspace';

const SendKind = z.enum(['text', 'hex', 'json']);

export const WsForm = z.object({
  url: z.string(),
  /** Comma-separated subprotocols, as typed. */
  protocols: z.string(),
  /** One "Name: value" per line. */
  headers: z.string(),
  sendKind: SendKind,
  draft: z.string(),
  closeCode: z.string(),
  closeReason: z.string(),
  saved: z.array(z.object({ name: z.string(), kind: SendKind, data: z.string() })).max(200),
  filters: z.object({ text: z.boolean(), binary: z.boolean(), in: z.boolean(), out: z.boolean() }),
  sseUrl: z.string(),
  sseLastEventId: z.string(),
  serverPort: z.string(),
  serverMode: z.enum(['echo', 'broadcast']),
});
export type WsForm = z.infer<typeof WsForm>;

export function defaultWsForm(): WsForm {
  return {
    url: 'ws://127.0.0.1:9000/',
    protocols: '',
    headers: '',
    sendKind: 'text',
    draft: '',
    closeCode: '1000',
    closeReason: '',
    saved: [],
    filters: { text: true, binary: true, in: true, out: true },
    sseUrl: 'http://127.0.0.1:8080/events',
    sseLastEventId: '',
    serverPort: '0',
    serverMode: 'echo',
  };
}

/** Parses the headers box; a line without a colon is reported instead of silently dropped. */
export function parseHeaderLines(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (!line) continue;
    const colon = line.indexOf(':');
    if (colon <= 0) throw new Error(`Header line "${line}" needs "Name: value"`);
    out[line.slice(0, colon).trim()] = line.slice(colon + 1).trim();
  }
  return out;
}

export const useWsStore = defineStore('ws', () => {
  const api = useApi();
  const form = persisted('ws.form', WsForm, defaultWsForm());
  const client = ref<WsClientInfo>();
  const messages = ref<WsMessage[]>([]);
  const sse = ref<SseClientInfo>();
  const sseEvents = ref<SseEventMsg[]>([]);
  const server = ref<WsServerInfo>();
  const lastError = ref<{ code: string; message: string }>();

  function pushBounded<T>(list: T[], item: T): void {
    list.push(item);
    if (list.length > WS_DEFAULTS.logLength) list.splice(0, list.length - WS_DEFAULTS.logLength);
  }

  type WsEvent = Extract<WirelabEvent, { engine: 'ws' }>;
  // An event can overtake the reply that creates its session (an SSE server's first event, a greeting):
  // it waits here until connect / sseConnect / serverStart has answered, then is applied in order.
  const parking = new EventParking<WsEvent>(WS_DEFAULTS.logLength, 8);

  /** Applies an event of a session the page knows; false when the session is not (yet) known. */
  function apply(e: WsEvent): boolean {
    if (e.type === 'message' && e.session === client.value?.session) pushBounded(messages.value, e.message);
    else if (e.type === 'closed' && e.session === client.value?.session)
      client.value = { ...client.value, state: 'closed', closeCode: e.code, closeReason: e.reason };
    else if (e.type === 'error' && (e.session === client.value?.session || e.session === sse.value?.session))
      lastError.value = { code: e.code, message: e.message };
    else if (e.type === 'sse.event' && e.session === sse.value?.session) {
      pushBounded(sseEvents.value, e.event);
      sse.value = { ...sse.value, events: e.event.seq, lastEventId: e.event.id ?? sse.value.lastEventId };
    } else if (e.type === 'sse.state' && e.session === sse.value?.session) sse.value = e.info;
    else if (e.type === 'server.clients' && e.session === server.value?.session)
      server.value = { ...server.value, clients: e.clients, messages: e.messages };
    else return false;
    return true;
  }

  /** Replays what arrived for a session before the call that created it answered. */
  function replayParked(session: string): void {
    for (const e of parking.take(session)) apply(e);
  }

  useEventRouter().on('ws', (batch: WirelabEvent[]) => {
    for (const e of batch) {
      if (e.engine !== 'ws') continue;
      if (!apply(e) && 'session' in e) parking.park(e);
    }
  });

  // The engines restarted under the page: WebSocket and SSE sessions are not restored, so what the page
  // shows is read again — a session the new engines do not have is shown closed (its log stays on
  // screen, "Connect" starts a new one), the test server as stopped.
  useWorkspaceStore().onEnginesRestarted(async () => {
    const list = await unwrap(api.ws.list({}));
    const c = client.value;
    if (c)
      client.value = list.clients.find((x) => x.session === c.session) ?? {
        ...c,
        state: 'closed',
        closeReason: 'the engines restarted',
      };
    const s = sse.value;
    if (s) sse.value = list.sse.find((x) => x.session === s.session) ?? { ...s, state: 'closed' };
    const srv = server.value;
    server.value = srv && list.servers.find((x) => x.session === srv.session);
  });

  const visible = computed(() => {
    const f = form.value.filters;
    return messages.value.filter((m) => {
      if (!(m.dir === 'in' ? f.in : f.out)) return false;
      if (m.kind === 'text') return f.text;
      if (m.kind === 'binary') return f.binary;
      return true;
    });
  });

  async function connect(): Promise<void> {
    if (client.value && client.value.state !== 'closed') await disconnect();
    const protocols = form.value.protocols
      .split(',')
      .map((p) => p.trim())
      .filter(Boolean);
    const headers = parseHeaderLines(form.value.headers);
    lastError.value = undefined;
    const info = await unwrap(api.ws.connect({ url: form.value.url, protocols, headers }));
    messages.value = [];
    client.value = info;
    replayParked(info.session);
  }

  async function send(data = form.value.draft, kind = form.value.sendKind): Promise<void> {
    if (!client.value) return;
    await unwrap(api.ws.send({ session: client.value.session, data, kind }));
  }

  async function ping(): Promise<void> {
    if (client.value) await unwrap(api.ws.ping({ session: client.value.session }));
  }

  async function close(): Promise<void> {
    if (!client.value) return;
    const code = Number(form.value.closeCode || '1000');
    await unwrap(api.ws.close({ session: client.value.session, code, reason: form.value.closeReason }));
  }

  async function disconnect(): Promise<void> {
    const c = client.value;
    if (!c) return;
    client.value = undefined;
    await unwrap(api.ws.remove({ session: c.session })).catch(() => undefined);
  }

  function saveDraft(name: string): void {
    form.value.saved.push({
      name: name || form.value.draft.slice(0, 30),
      kind: form.value.sendKind,
      data: form.value.draft,
    });
  }

  function removeSaved(index: number): void {
    form.value.saved.splice(index, 1);
  }

  async function sseConnect(): Promise<void> {
    if (sse.value) await sseClose();
    lastError.value = undefined;
    const id = form.value.sseLastEventId.trim();
    const info = await unwrap(
      api.ws.sseConnect({ url: form.value.sseUrl, ...(id ? { lastEventId: id } : {}) }),
    );
    sseEvents.value = [];
    sse.value = info;
    replayParked(info.session);
  }

  async function sseClose(): Promise<void> {
    const s = sse.value;
    if (!s) return;
    sse.value = { ...s, state: 'closed' };
    await unwrap(api.ws.sseClose({ session: s.session })).catch(() => undefined);
  }

  async function startServer(): Promise<void> {
    const info = await unwrap(
      api.ws.serverStart({ port: Number(form.value.serverPort || '0'), mode: form.value.serverMode }),
    );
    server.value = info;
    replayParked(info.session);
  }

  async function stopServer(): Promise<void> {
    const s = server.value;
    if (!s) return;
    server.value = undefined;
    await unwrap(api.ws.serverStop({ session: s.session }));
  }

  return {
    form,
    client,
    messages,
    visible,
    sse,
    sseEvents,
    server,
    lastError,
    connect,
    send,
    ping,
    close,
    disconnect,
    saveDraft,
    removeSaved,
    sseConnect,
    sseClose,
    startServer,
    stopServer,
  };
});
