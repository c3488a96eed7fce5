// The "nothing lost" half of the client protocol, without sockets: every message waits in the outbox
// until the server acknowledges it (or refuses it for good); after a reconnect everything unacknowledged
// is sent again, oldest first, paced by the client's token bucket. The outbox map is the client store's,
// so what the log replays after a restart is resent the same way.
import type { ClientFrame } from './protocol';
import type { Outgoing } from './client-store';
import { MESSAGE_REFUSALS } from './client-options';

export interface Pacer {
  take(): boolean;
  msUntilToken(): number;
}

export class Outbox {
  constructor(readonly pending: Map<string, Outgoing>) {}

  get size(): number {
    return this.pending.size;
  }

  add(o: Outgoing): void {
    this.pending.set(o.id, o);
  }

  has(id: string): boolean {
    return this.pending.has(id);
  }

  /** The server stored the message: it leaves the outbox. Returns it, or undefined if not ours/pending. */
  acknowledge(id: string): Outgoing | undefined {
    const o = this.pending.get(id);
    if (o) this.pending.delete(id);
    return o;
  }

  /** A refusal of message `id`: true when resending could not help and the message is now failed. */
  refuse(id: string, code: string): boolean {
    if (!this.pending.has(id) || !MESSAGE_REFUSALS.has(code)) return false;
    this.pending.delete(id);
    return true;
  }

  /** The connection is gone: nothing counts as sent on it any more. */
  connectionLost(): void {
    for (const o of this.pending.values()) o.sent = false;
  }

  /**
   * The frames to write now, oldest first, as far as the pacer allows; `retryInMs` when it ran out of
   * tokens with messages still waiting.
   */
  drain(pacer: Pacer): { frames: ClientFrame[]; retryInMs?: number } {
    const frames: ClientFrame[] = [];
    for (const o of this.pending.values()) {
      if (o.sent) continue;
      if (!pacer.take()) return { frames, retryInMs: Math.max(1, pacer.msUntilToken()) };
      o.sent = true;
      frames.push({ t: 'msg', id: o.id, room: o.room, to: o.to, text: o.text });
    }
    return { frames };
  }
}
