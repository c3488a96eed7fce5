// History answers as bounded work: a page of messages is cut to fit one frame of maxFrameBytes (what
// clients accept), and a connection's log-reading requests run one after another with only a few
// allowed to wait. Pure, no sockets: the server hands in the messages and the work.
import { toEngineError } from '../common/errors';
import type { ClientFrame, ServerFrame, WireRoomMessage } from './protocol';
import type { ChatServerOptions } from './server-options';
import type { FrameWriter } from './server-output';
import type { MemberRecord, RoomRecord, ServerState } from './server-state';

/** `,"messages":[]` (or `history`) plus the newline: what a frame adds around its list of messages. */
export const FRAME_ARRAY_OVERHEAD = 16;

/**
 * Keeps as many messages as fit in one frame of `maxFrameBytes`, from the end that matters: the oldest
 * for catch-up (the client asks again after the last), the newest for older history (the client asks
 * again before the first). `cut`: some were left out. `rest`: the frame's other fields.
 */
export function fitMessages(
  messages: WireRoomMessage[],
  keep: 'oldest' | 'newest',
  rest: Record<string, unknown>,
  maxFrameBytes: number,
): { messages: WireRoomMessage[]; cut: boolean } {
  // The other fields, the array's key and brackets, and the newline.
  let size = Buffer.byteLength(JSON.stringify(rest)) + FRAME_ARRAY_OVERHEAD;
  let n = 0;
  for (; n < messages.length; n++) {
    const m = messages[keep === 'oldest' ? n : messages.length - 1 - n]!;
    size += Buffer.byteLength(JSON.stringify(m)) + 1;
    if (size > maxFrameBytes) break;
  }
  if (n === messages.length) return { messages, cut: false };
  return {
    messages: keep === 'oldest' ? messages.slice(0, n) : messages.slice(messages.length - n),
    cut: true,
  };
}

/**
 * One connection's log-reading requests, run one at a time; at most `maxQueued` in the chain. A client
 * therefore cannot make the server scan its log in parallel without bound.
 */
export class SerialChain {
  private tail: Promise<void> = Promise.resolve();
  private queuedNow = 0;

  constructor(private readonly maxQueued: number) {}

  get queued(): number {
    return this.queuedNow;
  }

  /** Appends `task`; false (nothing queued) when `maxQueued` tasks already wait or run. */
  run(task: () => Promise<void>): boolean {
    if (this.queuedNow >= this.maxQueued) return false;
    this.queuedNow += 1;
    this.tail = this.tail.then(async () => {
      try {
        await task();
      } catch {
        // A task answers its own errors; one that throws anyway must not stall the ones behind it.
      } finally {
        this.queuedNow -= 1;
      }
    });
    return true;
  }

  /** Resolves when everything queued so far has run (tests). */
  idle(): Promise<void> {
    return this.tail;
  }
}

/** What history answers need of a connection. */
export interface HistoryConn {
  readonly writer: FrameWriter;
  readonly history: SerialChain;
  member?: MemberRecord;
}

/**
 * Answers `history` frames and sends inboxes: from memory when it holds the range, else from the log
 * (one connection's log reads run one after another, see SerialChain), each answer cut to one frame.
 */
export class HistoryAnswers {
  constructor(
    private readonly state: ServerState,
    private readonly options: Pick<ChatServerOptions, 'maxBatch' | 'maxFrameBytes'>,
    private readonly send: (conn: HistoryConn, frame: ServerFrame) => void,
  ) {}

  answer(conn: HistoryConn, f: Extract<ClientFrame, { t: 'history' }>): void {
    const room = this.state.room(f.room);
    const ref = f.ref !== undefined ? { ref: f.ref } : {};
    if (!room) return this.send(conn, { t: 'history', room: f.room, messages: [], more: false, ...ref });
    const limit = Math.min(f.limit ?? this.options.maxBatch, this.options.maxBatch);
    if (f.after === undefined && f.before !== undefined)
      return this.fromLog(conn, room, 'newest', f.ref, () =>
        this.state.roomMessagesBefore(room, f.before!, limit),
      );
    // Catch-up (or a gap) reaching back past memory: read from the log, in order from after + 1.
    if (this.state.catchUpNeedsLog(room, f.after ?? 0))
      return this.fromLog(conn, room, 'oldest', f.ref, () =>
        this.state.roomMessagesAfterFromLog(room, f.after ?? 0, limit, f.before),
      );
    const r = this.state.roomMessagesAfter(room, f.after ?? 0, limit, f.before);
    const fit = this.fit(r.messages, 'oldest', {
      t: 'history',
      room: f.room,
      more: true,
      ...ref,
    });
    return this.send(conn, {
      t: 'history',
      room: f.room,
      messages: fit.messages,
      more: r.more || fit.cut,
      ...ref,
    });
  }

  inbox(conn: HistoryConn, after: number): void {
    let cursor = after;
    for (;;) {
      const r = this.state.inboxAfter(conn.member!, cursor, this.options.maxBatch);
      this.send(conn, { t: 'inbox', messages: r.messages, more: r.more });
      if (!r.more || r.messages.length === 0) return;
      cursor = r.messages[r.messages.length - 1]!.pseq;
    }
  }

  /**
   * A history answer that may read the log ("load earlier messages", or catch-up past memory) is sent
   * asynchronously — possibly after answers to later frames (the client matches older pages by `ref`,
   * and takes catch-up by sequence number). One connection's such requests run one at a time and only
   * a few may wait, so a client cannot make the server scan its log in parallel without bound.
   */
  private fromLog(
    conn: HistoryConn,
    room: RoomRecord,
    keep: 'oldest' | 'newest',
    ref: string | undefined,
    read: () => Promise<{ messages: WireRoomMessage[]; more: boolean }>,
  ): void {
    const refField = ref !== undefined ? { ref } : {};
    const queued = conn.history.run(async () => {
      if (conn.writer.gone) return;
      try {
        const r = await read();
        const fit = this.fit(r.messages, keep, { t: 'history', room: room.name, more: true, ...refField });
        this.send(conn, {
          t: 'history',
          room: room.name,
          messages: fit.messages,
          more: r.more || fit.cut,
          ...refField,
        });
      } catch (err) {
        const e = toEngineError(err);
        this.send(conn, { t: 'error', code: e.code, message: e.message, ...refField });
      }
    });
    if (!queued)
      this.send(conn, {
        t: 'error',
        code: 'CHAT_RATE_LIMITED',
        message: `${conn.history.queued} history requests already waiting`,
        ...refField,
      });
  }

  /** See fitMessages(): what of `messages` fits one frame. */
  private fit(
    messages: WireRoomMessage[],
    keep: 'oldest' | 'newest',
    rest: Record<string, unknown>,
  ): { messages: WireRoomMessage[]; cut: boolean } {
    return fitMessages(messages, keep, rest, this.options.maxFrameBytes);
  }
}
