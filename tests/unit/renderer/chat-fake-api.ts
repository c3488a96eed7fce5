// A stand-in for the API object, built from the contract like the real ones: each channel answers from
// a handler the test gives (or UNKNOWN_CHANNEL), calls are recorded, and events are pushed by the test.
// With it the renderer's stores run in plain Node, without a shell or an engine.
import { createApp, type App } from 'vue';
import { createPinia, setActivePinia } from 'pinia';
import {
  buildContractApi,
  contract,
  type ChatClientInfo,
  type WirelabApi,
  type WirelabEvent,
} from '../../../src/shared/contract';
import type { Result } from '../../../src/shared/errors';
import { apiKey, eventRouterKey, EventRouter } from '../../../src/renderer/api';

export type Handler = (input: Record<string, unknown>) => unknown;

export interface FakeApi {
  api: WirelabApi;
  calls: { channel: string; input: Record<string, unknown> }[];
  handle(channel: string, fn: Handler): void;
  emit(batch: WirelabEvent[]): void;
  app: App;
  /** Runs `fn` inside the app's context, as a component's setup would (stores inject the API). */
  run<T>(fn: () => T): T;
}

export function fakeApi(): FakeApi {
  const handlers = new Map<string, Handler>();
  const listeners = new Set<(b: WirelabEvent[]) => void>();
  const calls: FakeApi['calls'] = [];
  const base = buildContractApi(contract, async (channel, input): Promise<Result<unknown>> => {
    const i = (input ?? {}) as Record<string, unknown>;
    calls.push({ channel, input: i });
    const h = handlers.get(channel);
    if (!h) return { ok: false, error: { code: 'UNKNOWN_CHANNEL', message: channel } };
    try {
      return { ok: true, value: await h(i) };
    } catch (err) {
      const e = err as { code?: string; message: string };
      return { ok: false, error: { code: (e.code ?? 'INTERNAL') as 'INTERNAL', message: e.message } };
    }
  });
  const api = Object.assign(Object.create(null) as object, base, {
    shell: 'browser' as const,
    onEvents(l: (b: WirelabEvent[]) => void) {
      listeners.add(l);
      return () => listeners.delete(l);
    },
  }) as WirelabApi;
  const app = createApp({});
  const pinia = createPinia();
  app.provide(apiKey, api);
  app.provide(eventRouterKey, new EventRouter(api));
  app.use(pinia);
  setActivePinia(pinia);
  return {
    api,
    calls,
    app,
    handle: (channel, fn) => handlers.set(channel, fn),
    emit: (batch) => {
      for (const l of listeners) l(batch);
    },
    run: (fn) => app.runWithContext(fn),
  };
}

// The stores touch a few document properties (visibility, theme attribute); Node has no DOM.
(globalThis as { document?: unknown }).document = {
  hidden: false,
  hasFocus: () => true,
  title: '',
  documentElement: { setAttribute: () => undefined, removeAttribute: () => undefined },
};

/** A joined chat as chat.connect and chat.list report it: ann in #lobby of 127.0.0.1:7000. */
export const chatInfo = (session: string, over: Partial<ChatClientInfo> = {}): ChatClientInfo => ({
  session,
  host: '127.0.0.1',
  port: 7000,
  nick: 'ann',
  tls: false,
  state: 'open',
  rooms: ['lobby'],
  peers: [],
  members: {},
  pending: 0,
  reconnects: 0,
  ...over,
});
