// How the renderer reaches the engines: `window.wirelab` from the Electron preload, else the browser
// shell's WebSocket. Everything else in the renderer uses `useApi()` and never knows which.
import { inject, ref, type InjectionKey, type Ref } from 'vue';
import type { EngineName, WirelabApi, WirelabEvent } from '../../shared/contract';
import { errorSentence, type ErrorInfo, type Result } from '../../shared/errors';
import type { LinkState } from './browser-shell';

export const apiKey: InjectionKey<WirelabApi> = Symbol('wirelab-api');
export const linkStateKey: InjectionKey<Ref<LinkState>> = Symbol('wirelab-link');
export const eventRouterKey: InjectionKey<EventRouter> = Symbol('wirelab-events');

export function useApi(): WirelabApi {
  const api = inject(apiKey);
  if (!api) throw new Error('Wirelab API not provided');
  return api;
}

/** An error from an API call, with the stable code and the sentence the UI shows. */
export class AppError extends Error {
  readonly code: string;
  readonly detail: string;
  constructor(info: ErrorInfo) {
    super(`${errorSentence(info.code)} (${info.message})`);
    this.code = info.code;
    this.detail = info.message;
  }
  get sentence(): string {
    return errorSentence(this.code);
  }
}

export async function unwrap<T>(p: Promise<Result<T>>): Promise<T> {
  const r = await p;
  if (!r.ok) throw new AppError(r.error);
  return r.value;
}

type EngineKey = EngineName | 'bus';
type Handler = (events: WirelabEvent[]) => void;

/** Fans each event batch out to the stores by engine, so one subscription serves the whole renderer. */
export class EventRouter {
  private readonly handlers = new Map<EngineKey, Set<Handler>>();
  constructor(api: WirelabApi) {
    api.onEvents((batch) => this.dispatch(batch));
  }
  on(engine: EngineKey, handler: Handler): () => void {
    let set = this.handlers.get(engine);
    if (!set) this.handlers.set(engine, (set = new Set()));
    set.add(handler);
    return () => set.delete(handler);
  }
  private dispatch(batch: WirelabEvent[]): void {
    const byEngine = new Map<EngineKey, WirelabEvent[]>();
    for (const e of batch) {
      const key = (e.engine === 'bus' ? e.forEngine : e.engine) as EngineKey;
      let list = byEngine.get(key);
      if (!list) byEngine.set(key, (list = []));
      list.push(e);
    }
    for (const [engine, events] of byEngine) for (const h of this.handlers.get(engine) ?? []) h(events);
  }
}

export function useEventRouter(): EventRouter {
  const r = inject(eventRouterKey);
  if (!r) throw new Error('event router not provided');
  return r;
}

/** Electron: the engine host's state as the same link states the browser shell shows. */
export function electronLinkState(api: WirelabApi): Ref<LinkState> | undefined {
  if (!api.onEngineState) return undefined;
  const state = ref<LinkState>('open');
  api.onEngineState((s) => {
    state.value = s === 'up' ? 'open' : s === 'down' ? 'engines-down' : 'engines-restarting';
  });
  return state;
}
