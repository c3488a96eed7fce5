// A fake of the renderer's API object, built from the contract: every channel of every engine is a
// recording stub that validates its input with the channel's own schema (a store that sends what the
// engine would refuse fails here as it would against the real engine), answers with what the test
// scripted, and events can be injected. Stores are created in a real Vue app with Pinia, so what the
// tests exercise is the store code the pages use.
import { createApp, type App } from 'vue';
import { createPinia, setActivePinia } from 'pinia';
import {
  contract,
  findMethod,
  zodErrorToInfo,
  type WirelabApi,
  type WirelabEvent,
} from '../../../src/shared/contract';
import type { Result } from '../../../src/shared/errors';
import { apiKey, eventRouterKey, EventRouter } from '../../../src/renderer/api';

export interface Call {
  channel: string;
  /** The input after the channel's schema (defaults filled in), as the engine would receive it. */
  input: unknown;
  /** The input as the store sent it. */
  raw: unknown;
}

type Answer = (input: unknown) => unknown;

export interface FakeApi {
  api: WirelabApi;
  calls: Call[];
  /** Scripts a channel: a value, or a (sync or async) function of the parsed input; an Error answers { ok: false }. */
  on(channel: string, answer: unknown): void;
  /** Delivers one batch of events to the stores, as the shell would. */
  emit(batch: WirelabEvent[]): void;
  callsTo(channel: string): Call[];
}

export function fakeApi(): FakeApi {
  const calls: Call[] = [];
  const answers = new Map<string, Answer>();
  const listeners = new Set<(batch: WirelabEvent[]) => void>();

  async function invoke(channel: string, raw: unknown): Promise<Result<unknown>> {
    const spec = findMethod(contract, channel);
    if (!spec) throw new Error(`no channel ${channel} in the contract`);
    const parsed = spec.input.safeParse(raw);
    if (!parsed.success) {
      calls.push({ channel, input: undefined, raw });
      return { ok: false, error: zodErrorToInfo(parsed.error) };
    }
    calls.push({ channel, input: parsed.data, raw });
    const answer = answers.get(channel);
    if (!answer) throw new Error(`the test did not script ${channel}`);
    const value = await answer(parsed.data);
    if (value instanceof Error) {
      const m = /^([A-Z_]+): (.*)$/s.exec(value.message);
      return {
        ok: false,
        error: { code: (m?.[1] ?? 'INTERNAL') as 'INTERNAL', message: m?.[2] ?? value.message },
      };
    }
    return { ok: true, value: structuredClone(value) };
  }

  const api: Record<string, unknown> = {
    shell: 'browser',
    onEvents: (l: (b: WirelabEvent[]) => void) => {
      listeners.add(l);
      return () => listeners.delete(l);
    },
  };
  for (const [engine, methods] of Object.entries(contract)) {
    const ns: Record<string, (input: unknown) => Promise<Result<unknown>>> = {};
    for (const m of Object.keys(methods)) ns[m] = (input) => invoke(`${engine}.${m}`, input);
    api[engine] = ns;
  }

  return {
    api: api as unknown as WirelabApi,
    calls,
    on: (channel, answer) => {
      if (!findMethod(contract, channel)) throw new Error(`no channel ${channel} in the contract`);
      answers.set(channel, typeof answer === 'function' ? (answer as Answer) : () => answer);
    },
    emit: (batch) => {
      for (const l of listeners) l(batch);
    },
    callsTo: (channel) => calls.filter((c) => c.channel === channel),
  };
}

/**
 * A Vue app with Pinia and the fake API provided, for creating stores: `withStores(fake, () => useX())`.
 * The app store touches `document` for the theme; a stub stands in for it under Node.
 */
export function storeApp(fake: FakeApi): { app: App; use<T>(fn: () => T): T } {
  const g = globalThis as { document?: unknown };
  g.document ??= { documentElement: { setAttribute() {}, removeAttribute() {} } };
  const app = createApp({ render: () => null });
  const pinia = createPinia();
  app.use(pinia);
  app.provide(apiKey, fake.api);
  app.provide(eventRouterKey, new EventRouter(fake.api));
  setActivePinia(pinia);
  return { app, use: (fn) => app.runWithContext(fn) };
}

/** Lets watchers (persisted values) and promise chains settle. */
export const settle = () => new Promise((r) => setTimeout(r, 0));
