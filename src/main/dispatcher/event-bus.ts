// Engine events leave the main process through here: buffered per (engine, session) in bounded rings,
// flushed to subscribers as batches on a timer. A ring that overflows drops its oldest events and the
// next batch carries one explicit `dropped` event with the count, so the UI can show "N dropped"
// instead of silently losing lines or growing without bound.
import type { DroppedEvent, WirelabEvent } from '../../shared/contract';

export interface EventBusOptions {
  /** Events kept per session between flushes (default 10,000). */
  capacity: number;
  /** Payload bytes kept per session between flushes (default 8 MiB). */
  maxBytes: number;
  /** How often batches leave (default 50 ms). */
  flushIntervalMs: number;
}

export const EVENT_BUS_DEFAULTS: EventBusOptions = {
  capacity: 10_000,
  maxBytes: 8 * 1024 * 1024,
  flushIntervalMs: 50,
};

interface Ring {
  engine: string;
  session: string;
  items: (WirelabEvent | undefined)[];
  sizes: number[];
  head: number;
  length: number;
  bytes: number;
  dropped: number;
}

function payloadSize(e: WirelabEvent): number {
  const data = (e as { data?: unknown }).data;
  return data instanceof Uint8Array ? data.length + 64 : 64;
}

export class EventBus {
  private readonly options: EventBusOptions;
  private readonly rings = new Map<string, Ring>();
  private readonly listeners = new Set<(batch: WirelabEvent[]) => void>();
  private timer?: NodeJS.Timeout;
  private pending = 0;
  private delivered = 0;
  private droppedTotal = 0;

  constructor(options: Partial<EventBusOptions> = {}) {
    this.options = { ...EVENT_BUS_DEFAULTS, ...options };
  }

  publish(event: WirelabEvent): void {
    const key = `${event.engine}\u0000${event.session}`;
    let ring = this.rings.get(key);
    if (!ring) {
      ring = {
        engine: event.engine,
        session: event.session,
        items: [],
        sizes: [],
        head: 0,
        length: 0,
        bytes: 0,
        dropped: 0,
      };
      this.rings.set(key, ring);
    }
    const size = payloadSize(event);
    const cap = this.options.capacity;
    while (ring.length > 0 && (ring.length >= cap || ring.bytes + size > this.options.maxBytes)) {
      ring.bytes -= ring.sizes[ring.head] ?? 0;
      ring.items[ring.head] = undefined;
      ring.head = (ring.head + 1) % cap;
      ring.length -= 1;
      ring.dropped += 1;
      this.pending -= 1;
    }
    const idx = (ring.head + ring.length) % cap;
    ring.items[idx] = event;
    ring.sizes[idx] = size;
    ring.length += 1;
    ring.bytes += size;
    this.pending += 1;
    if (!this.timer && this.listeners.size > 0) {
      this.timer = setTimeout(() => this.flush(), this.options.flushIntervalMs);
    }
  }

  subscribe(listener: (batch: WirelabEvent[]) => void): () => void {
    this.listeners.add(listener);
    if (this.pending > 0 && !this.timer)
      this.timer = setTimeout(() => this.flush(), this.options.flushIntervalMs);
    return () => this.listeners.delete(listener);
  }

  /** Sends everything buffered now, dropped-markers first per session. */
  flush(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    if (this.pending === 0 && ![...this.rings.values()].some((r) => r.dropped > 0)) return;
    const batch: WirelabEvent[] = [];
    const cap = this.options.capacity;
    for (const [key, ring] of this.rings) {
      if (ring.dropped > 0) {
        const marker: DroppedEvent = {
          engine: 'bus',
          type: 'dropped',
          forEngine: ring.engine,
          session: ring.session,
          at: Date.now(),
          count: ring.dropped,
        };
        batch.push(marker);
        this.droppedTotal += ring.dropped;
      }
      for (let i = 0; i < ring.length; i++) {
        const e = ring.items[(ring.head + i) % cap];
        if (e) batch.push(e);
      }
      this.rings.delete(key);
    }
    this.pending = 0;
    this.delivered += batch.length;
    for (const l of this.listeners) {
      try {
        l(batch);
      } catch (err) {
        queueMicrotask(() => {
          throw err;
        });
      }
    }
  }

  stats(): { delivered: number; dropped: number; pending: number } {
    return { delivered: this.delivered, dropped: this.droppedTotal, pending: this.pending };
  }

  close(): void {
    this.flush();
    this.listeners.clear();
  }
}
