// The ordering half of the client protocol, without sockets: room messages are shown strictly in
// sequence order. An older one is a duplicate; a later one waits while the gap before it is asked for
// once; when the server answers and the gap is still there (older than it keeps), the client says so once
// and goes on rather than hold every later message back. Private messages follow the inbox sequence the
// same way. The caller does the I/O through `SequencerHooks`.
import type { WirePrivateMessage, WireRoomMessage } from './protocol';

export interface SequencerHooks {
  /** The next message of a room in order: record and show it. */
  accept(m: WireRoomMessage): void;
  /** Ask the server for the room messages after `after` (and before `before`, when given). */
  askHistory(room: string, after: number, before?: number): void;
  /** Messages `from`..`to` of a room are older than the server keeps: they will never come. */
  skipped(room: string, from: number, to: number): void;
}

export type IngestResult = 'accepted' | 'duplicate' | 'early';

export class RoomSequencer {
  /** Messages that arrived ahead of a gap, by room and sequence number. */
  private readonly early = new Map<string, Map<number, WireRoomMessage>>();
  /** The `after` of the gap request sent per room, so one gap is asked for once. */
  private readonly gapAsked = new Map<string, number>();

  constructor(
    /** The last sequence number accepted per room (the client store's resume points). */
    readonly lastSeq: Map<string, number>,
    private readonly hooks: SequencerHooks,
  ) {}

  /** Accepts room messages strictly in sequence: older ones are duplicates, later ones wait for the gap. */
  ingest(m: WireRoomMessage): IngestResult {
    const last = this.lastSeq.get(m.room);
    if (last === undefined) {
      this.lastSeq.set(m.room, m.seq - 1);
      return this.ingest(m);
    }
    if (m.seq <= last) return 'duplicate';
    if (m.seq > last + 1) {
      let waiting = this.early.get(m.room);
      if (!waiting) this.early.set(m.room, (waiting = new Map()));
      waiting.set(m.seq, m);
      if (this.gapAsked.get(m.room) !== last) {
        this.gapAsked.set(m.room, last);
        this.hooks.askHistory(m.room, last, m.seq);
      }
      return 'early';
    }
    this.accept(m);
    this.drain(m.room);
    return 'accepted';
  }

  /**
   * A room was joined: where the client starts when it had no resume point (just before the history it
   * was sent, or at the room's last sequence number), then that history in order.
   */
  joined(room: string, history: WireRoomMessage[], lastSeq: number, more: boolean): void {
    if (!this.lastSeq.has(room)) this.lastSeq.set(room, history.length ? history[0]!.seq - 1 : lastSeq);
    for (const m of history) this.ingest(m);
    if (more) this.hooks.askHistory(room, this.lastSeq.get(room) ?? 0);
  }

  /** An answer to a catch-up or gap request: ingest it, ask for more, or settle an unfillable gap. */
  history(room: string, messages: WireRoomMessage[], more: boolean): void {
    for (const m of messages) this.ingest(m);
    this.gapAsked.delete(room);
    if (more) this.hooks.askHistory(room, this.lastSeq.get(room) ?? 0);
    else {
      this.drain(room);
      this.skipUnfillableGap(room);
    }
  }

  /** Messages waiting behind a gap in a room (for tests and the status line). */
  waiting(room: string): number {
    return this.early.get(room)?.size ?? 0;
  }

  private skipUnfillableGap(room: string): void {
    const waiting = this.early.get(room);
    if (!waiting || waiting.size === 0) return;
    const first = Math.min(...waiting.keys());
    const last = this.lastSeq.get(room) ?? 0;
    if (first <= last + 1) return;
    this.hooks.skipped(room, last + 1, first - 1);
    this.lastSeq.set(room, first - 1);
    this.drain(room);
  }

  private drain(room: string): void {
    const waiting = this.early.get(room);
    if (!waiting) return;
    for (;;) {
      const next = waiting.get((this.lastSeq.get(room) ?? 0) + 1);
      if (!next) break;
      waiting.delete(next.seq);
      this.accept(next);
    }
    for (const seq of waiting.keys()) if (seq <= (this.lastSeq.get(room) ?? 0)) waiting.delete(seq);
    if (waiting.size === 0) this.early.delete(room);
  }

  private accept(m: WireRoomMessage): void {
    this.lastSeq.set(m.room, m.seq);
    this.hooks.accept(m);
  }
}

/**
 * Private messages carry the recipient's inbox sequence (pseq): the next one is accepted, an older one is
 * a duplicate, a later one means some were missed and the inbox after the last one is asked for again.
 */
export function inboxStep(inboxSeq: number, m: WirePrivateMessage): 'accept' | 'duplicate' | 'refetch' {
  if (m.pseq <= inboxSeq) return 'duplicate';
  if (m.pseq > inboxSeq + 1) return 'refetch';
  return 'accept';
}
