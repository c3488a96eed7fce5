// The browser shell client's bookkeeping of calls, without a socket (unit-tested): every call is
// answered exactly once — by the shell, by a timeout or by a lost connection — and a call that has been
// answered is never sent afterwards. Calls made before the first connection opens wait in a queue
// (the app asks for its settings while the socket is still connecting); calls made while the link is
// down fail at once.
import type { Result } from '../../shared/errors';

export interface CallTableOptions {
  timeoutMs: number;
  setTimer: (fn: () => void, ms: number) => unknown;
  clearTimer: (handle: unknown) => void;
}

interface Pending {
  resolve: (r: Result<unknown>) => void;
  timer: unknown;
  channel: string;
  /** The frame, while it has not been handed to a socket yet. */
  queued?: string;
}

export class CallTable {
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;

  constructor(private readonly options: CallTableOptions) {}

  /**
   * Registers a call. `send` returns false when no socket can take the frame now; with `mayQueue` the
   * frame then waits for `flush`, otherwise the call fails with NOT_CONNECTED at once.
   */
  call(
    channel: string,
    encode: (id: number) => string,
    send: (frame: string) => boolean,
    mayQueue: boolean,
  ): Promise<Result<unknown>> {
    return new Promise((resolve) => {
      const id = this.nextId++;
      const frame = encode(id);
      if (send(frame)) {
        this.track(id, channel, resolve);
        return;
      }
      if (!mayQueue) {
        resolve(notConnected(channel));
        return;
      }
      this.track(id, channel, resolve).queued = frame;
    });
  }

  private track(id: number, channel: string, resolve: (r: Result<unknown>) => void): Pending {
    const p: Pending = { resolve, channel, timer: undefined };
    p.timer = this.options.setTimer(() => {
      this.settle(id, {
        ok: false,
        error: {
          code: 'TIMEOUT',
          message: `${channel} did not answer within ${this.options.timeoutMs / 1000} s`,
        },
      });
    }, this.options.timeoutMs);
    this.pending.set(id, p);
    return p;
  }

  /** Hands every queued frame to a socket that just opened. */
  flush(send: (frame: string) => boolean): void {
    for (const p of this.pending.values()) {
      if (p.queued !== undefined && send(p.queued)) p.queued = undefined;
    }
  }

  /** An answer from the shell; unknown ids (answered already, e.g. timed out) are ignored. */
  settle(id: number, result: Result<unknown>): void {
    const p = this.pending.get(id);
    if (!p) return;
    this.pending.delete(id);
    this.options.clearTimer(p.timer);
    p.resolve(result);
  }

  /** The socket closed: everything in flight or queued fails now and is forgotten. */
  failAll(): void {
    for (const [id, p] of this.pending) this.settle(id, notConnected(p.channel));
  }

  get size(): number {
    return this.pending.size;
  }
}

function notConnected(channel: string): Result<unknown> {
  return {
    ok: false,
    error: { code: 'NOT_CONNECTED', message: `${channel}: no connection to the Wirelab shell` },
  };
}
