// The inbound half of one chat server connection, without its socket (ws's Receiver is the model): it
// decides what kind of client is talking (protocol client or a person with nc), cuts bytes into lines
// under the frame size limit, ends a plain client's message on silence as well as on a newline, and
// applies the per-connection rate limit by holding lines back rather than dropping them. The server
// feeds it chunks and answers its callbacks; what a line means is the server's business.
import type { ErrorCode } from '../../../shared/errors';
import { LineFramer } from '../common/framing';
import { costsToken, firstNonSpace, looksLikeFrame } from './plain-text';
import { parseClientFrame, type ClientFrame } from './protocol';
import { TokenBucket } from './token-bucket';

export type ClientMode = 'detect' | 'plain' | 'proto';

export interface ReceiverLimits {
  maxFrameBytes: number;
  rateLimitPerSec: number;
  rateLimitBurst: number;
  floodDisconnectAfter: number;
  quietGapMs: number;
  helloTimeoutMs: number;
  plainDetectMs: number;
}

/** What the receiver asks of its connection. */
export interface ReceiverSink {
  /** A complete line (or a plain client's message ended by silence), in order, within the rate limit. */
  line(line: string): void;
  /** Detection decided this is a person typing: the server makes it a plain text member. */
  becomePlain(): void;
  /** The connection broke the protocol or flooded: the server sends a last error and closes. */
  fatal(code: ErrorCode, message: string, reason: 'protocol' | 'flood'): void;
  /** Over the rate limit: stop reading the socket and tell the client when to retry. */
  throttle(retryAfterMs: number): void;
  /** The held-back lines were handled: read the socket again. */
  resume(): void;
}

/** What an undecided connection's first line is. */
export type FirstLine =
  | { kind: 'plain' }
  | { kind: 'fatal'; code: ErrorCode; message: string }
  | { kind: 'hello'; frame: Extract<ClientFrame, { t: 'hello' }> };

/** Classifies the first complete line of an undecided connection. */
export function classifyFirstLine(line: string): FirstLine {
  const parsed = parseClientFrame(line);
  // Text that merely starts with "{": a person typing, not a program speaking the protocol.
  if (!parsed.ok && parsed.code === 'CHAT_BAD_FRAME' && !looksLikeFrame(line)) return { kind: 'plain' };
  if (!parsed.ok) return { kind: 'fatal', code: parsed.code, message: parsed.message };
  if (parsed.frame.t !== 'hello')
    return { kind: 'fatal', code: 'CHAT_HELLO_REQUIRED', message: `first frame was "${parsed.frame.t}"` };
  return { kind: 'hello', frame: parsed.frame };
}

export class ChatReceiver {
  private modeNow: ClientMode = 'detect';
  private readonly framer: LineFramer;
  private readonly bucket: TokenBucket;
  /** Complete lines waiting for rate-limit tokens; while any wait, the socket is paused. */
  private readonly lines: string[] = [];
  private throttled = false;
  private stopped = false;
  private quietTimer?: NodeJS.Timeout;
  private helloTimer?: NodeJS.Timeout;
  /** The first bytes of an undecided connection: a protocol client's hello may arrive in pieces. */
  private head = '';

  constructor(
    private readonly limits: ReceiverLimits,
    private readonly sink: ReceiverSink,
  ) {
    this.framer = new LineFramer(limits.maxFrameBytes);
    this.bucket = new TokenBucket(limits.rateLimitPerSec, limits.rateLimitBurst);
  }

  get mode(): ClientMode {
    return this.modeNow;
  }

  /**
   * Protocol clients say hello at once; a connection that stays silent is a person with nc or the
   * simple client waiting to read, so it becomes a plain text member without having to type first.
   */
  start(): void {
    this.helloTimer = setTimeout(() => {
      if (this.modeNow === 'detect' && this.framer.pendingBytes === 0) this.sink.becomePlain();
    }, this.limits.plainDetectMs);
    this.helloTimer.unref();
  }

  /** Detect → plain; false when the connection was already decided. */
  enterPlain(): boolean {
    if (this.modeNow !== 'detect') return false;
    clearTimeout(this.helloTimer);
    this.modeNow = 'plain';
    return true;
  }

  /** The hello was accepted. */
  enterProtocol(): void {
    clearTimeout(this.helloTimer);
    this.modeNow = 'proto';
  }

  /** Nothing more is read or handled (the connection is closing). */
  stop(): void {
    this.stopped = true;
    clearTimeout(this.helloTimer);
    if (this.quietTimer) clearTimeout(this.quietTimer);
  }

  /** Clears the hello deadline without deciding the mode (the hello is being refused). */
  clearHelloTimer(): void {
    clearTimeout(this.helloTimer);
  }

  push(chunk: Buffer): void {
    if (this.stopped) return;
    if (this.modeNow === 'detect' && this.framer.pendingBytes === 0) {
      const first = firstNonSpace(chunk);
      if (first === -1) return;
      if (first !== 0x7b /* { */) this.sink.becomePlain();
      else {
        this.head = chunk.toString('utf8', 0, Math.min(chunk.length, 32));
        clearTimeout(this.helloTimer);
        this.helloTimer = setTimeout(
          () =>
            this.sink.fatal(
              'CHAT_HELLO_REQUIRED',
              `no complete hello within ${this.limits.helloTimeoutMs} ms`,
              'protocol',
            ),
          this.limits.helloTimeoutMs,
        );
        this.helloTimer.unref();
      }
    }
    const ok = this.framer.push(chunk, (line) => this.lines.push(line));
    if (!ok) {
      this.sink.fatal(
        'CHAT_FRAME_TOO_LARGE',
        `a frame passed ${this.limits.maxFrameBytes} bytes before its newline`,
        'protocol',
      );
      return;
    }
    this.drain();
    if (
      this.framer.pendingBytes > 0 &&
      (this.modeNow === 'plain' || (this.modeNow === 'detect' && !looksLikeFrame(this.head)))
    )
      this.armQuietGap();
  }

  /** Plain clients (and undecided ones) end a message with silence as well as with a newline. */
  private armQuietGap(): void {
    if (this.quietTimer) clearTimeout(this.quietTimer);
    this.quietTimer = setTimeout(() => {
      this.quietTimer = undefined;
      const text = this.framer.flush();
      if (text === undefined || this.stopped) return;
      if (this.modeNow === 'detect') this.sink.becomePlain();
      this.lines.push(text);
      this.drain();
    }, this.limits.quietGapMs);
  }

  /**
   * Handles queued lines as far as the rate limit allows. Over the limit the connection is paused, not
   * answered frame by frame: nothing is dropped, order is kept, and a flooder only slows itself down.
   */
  private drain(): void {
    let i = 0;
    while (i < this.lines.length && !this.stopped) {
      const line = this.lines[i]!;
      if (this.modeNow !== 'detect' && costsToken(line) && !this.bucket.take()) {
        this.lines.splice(0, i);
        if (this.lines.length > this.limits.floodDisconnectAfter) {
          this.sink.fatal(
            'CHAT_RATE_LIMITED',
            `${this.lines.length} frames waiting over the rate limit`,
            'flood',
          );
          return;
        }
        if (!this.throttled) {
          this.throttled = true;
          this.sink.throttle(this.bucket.msUntilToken());
          const resume = () => {
            this.throttled = false;
            if (this.stopped) return;
            this.drain();
            if (!this.throttled) this.sink.resume();
          };
          setTimeout(resume, Math.max(1, this.bucket.msUntilToken())).unref();
        }
        return;
      }
      i += 1;
      this.sink.line(line);
    }
    this.lines.length = 0;
  }
}
