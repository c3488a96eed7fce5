// What the browser shell forwards to: the dispatcher and event bus, either in this process (tests,
// benchmarks' reference) or in the engine host process (the default, see src/main/host/). Results and
// event batches arrive already encoded for the wire, so the shell's own event loop only moves bytes.
import type { WirelabEvent } from '../shared/contract';
import type { Services } from '../main/services';
import { encodeBatch, encodeResult, type EncodedBatch } from '../main/host/wire';

export type { EncodedBatch };

/** Whether the engines can answer now. 'restarting': the engine host died and a new one is starting. */
export type BackendState = 'up' | 'restarting' | 'down';

export interface ShellBackend {
  /** The Result of the call as wire JSON text. Never rejects. */
  call(channel: string, input: unknown): Promise<string>;
  onBatch(listener: (batch: EncodedBatch) => void): () => void;
  onState(listener: (state: BackendState, restarted: boolean) => void): () => void;
  /** Injects events into the bus as if engines had emitted them (tests, load generators). */
  publish(events: WirelabEvent[]): void;
  channels(): string[];
  /**
   * Flow control towards the engines: `hold` is asked per batch; while it says true, batches are not
   * acknowledged and the engine host stops sending (it drops and counts at the source); `release()`
   * once a page can take events again. A no-op for engines in this process (nothing crosses a channel).
   */
  holdBatches(hold: () => boolean): { release(): void };
  close(): Promise<void>;
}

/** The engines in this very process. */
export function inProcessBackend(services: Services): ShellBackend {
  const batchListeners = new Set<(b: EncodedBatch) => void>();
  const unsubscribe = services.bus.subscribe((events) => {
    if (batchListeners.size === 0) return;
    const encoded = encodeBatch(events);
    for (const l of batchListeners) l(encoded);
  });
  return {
    call: async (channel, input) => encodeResult(await services.dispatcher.call(channel, input)),
    onBatch(listener) {
      batchListeners.add(listener);
      return () => batchListeners.delete(listener);
    },
    onState: () => () => undefined,
    publish(events) {
      for (const e of events) services.bus.publish(e);
    },
    channels: () => services.dispatcher.channels(),
    holdBatches: () => ({ release: () => undefined }),
    async close() {
      unsubscribe();
      await services.close();
    },
  };
}
