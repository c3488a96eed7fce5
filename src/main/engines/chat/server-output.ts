// The outbound half of one chat server connection (ws's Sender is the model): frames are rendered for
// the kind of client (JSON lines, or readable lines for plain text clients), written, and a reader that
// falls more than maxQueuedBytes behind is cut off instead of making the server hold unbounded output.
// It sees only a minimal writable; the socket's lifecycle is the server's.
import type { ClientMode } from './server-receiver';
import { plainLine } from './plain-text';
import { encodeFrame, type ServerFrame } from './protocol';

/** The part of a socket the writer uses. */
export interface WritableEnd {
  write(text: string): boolean;
  readonly writableLength: number;
  readonly destroyed: boolean;
  readonly writable: boolean;
  destroy(): void;
}

/** A frame as one kind of client reads it; null when a plain client has nothing to see. */
export function renderFrame(mode: ClientMode, frame: ServerFrame): string | null {
  if (mode === 'plain')
    return frame.t === 'error' ? `* error ${frame.code}: ${frame.message}\n` : plainLine(frame);
  return encodeFrame(frame);
}

export class FrameWriter {
  /** Set when the connection is closing: nothing more is written. */
  closing = false;

  constructor(
    private readonly socket: WritableEnd,
    private readonly maxQueuedBytes: number,
    private readonly mode: () => ClientMode,
    /** Called once when the reader fell too far behind and the socket was destroyed. */
    private readonly onSlow: () => void,
  ) {}

  /** Closing, or the socket is already gone. */
  get gone(): boolean {
    return this.closing || this.socket.destroyed;
  }

  /** Returns false when the socket asked us to wait (backpressure). */
  send(frame: ServerFrame): boolean {
    const text = renderFrame(this.mode(), frame);
    return text ? this.raw(text) : true;
  }

  raw(text: string): boolean {
    const s = this.socket;
    if (this.closing || s.destroyed || !s.writable) return true;
    const ok = s.write(text);
    if (s.writableLength > this.maxQueuedBytes) {
      // A reader this far behind would make us hold unbounded output; it reconnects and catches up by seq.
      this.closing = true;
      s.destroy();
      this.onSlow();
    }
    return ok;
  }
}

/**
 * Sends one frame to many connections, encoding it at most once per kind of client (a busy room would
 * otherwise stringify the same message once per member).
 */
export function broadcastFrame(
  targets: Iterable<{ writer: FrameWriter; mode: ClientMode }>,
  frame: ServerFrame,
): void {
  let line: string | undefined;
  let plain: string | undefined | null;
  for (const t of targets) {
    if (t.writer.closing) continue;
    if (t.mode === 'plain') {
      if (plain === undefined) plain = plainLine(frame);
      if (plain) t.writer.raw(plain);
    } else {
      line ??= encodeFrame(frame);
      t.writer.raw(line);
    }
  }
}
