// An event-stream parser as the HTML standard defines it (§9.2.6): lines end in CRLF, LF or CR;
// `data` lines join with LF; `id` without NUL sets the last event id even for an event that is not
// dispatched; `retry` takes only digits; a blank line dispatches. Lines are bounded: a stream that
// never ends a line would otherwise grow the buffer forever.
import { EngineError } from '../common/errors';

export interface ParsedSseEvent {
  event: string;
  data: string;
  id: string;
}

export interface SseParserSink {
  onEvent(event: ParsedSseEvent): void;
  onRetry(ms: number): void;
}

export class SseParser {
  private buffer = '';
  private data: string[] = [];
  private dataBytes = 0;
  private eventType = '';
  private lastId = '';
  private sawCr = false;
  private readonly decoder = new TextDecoder('utf-8');

  constructor(
    private readonly sink: SseParserSink,
    private readonly maxEventBytes: number,
    lastEventId = '',
  ) {
    this.lastId = lastEventId;
  }

  get lastEventId(): string {
    return this.lastId;
  }

  push(chunk: Uint8Array): void {
    let text = this.decoder.decode(chunk, { stream: true });
    // A CR at the end of the previous chunk already ended its line; a LF starting this one is its pair.
    if (this.sawCr && text.startsWith('\n')) text = text.slice(1);
    this.sawCr = false;
    let start = 0;
    for (let i = 0; i < text.length; i++) {
      const c = text.charCodeAt(i);
      if (c !== 10 && c !== 13) continue;
      this.line(this.buffer + text.slice(start, i));
      this.buffer = '';
      if (c === 13) {
        if (i + 1 < text.length) {
          if (text.charCodeAt(i + 1) === 10) i++;
        } else this.sawCr = true;
      }
      start = i + 1;
    }
    this.buffer += text.slice(start);
    if (this.buffer.length > this.maxEventBytes)
      throw new EngineError(
        'LIMIT_EXCEEDED',
        `an event-stream line is longer than ${this.maxEventBytes} bytes`,
      );
  }

  /** The stream ended: an event without its blank line is discarded, as the standard says. */
  reset(): void {
    this.buffer = '';
    this.data = [];
    this.dataBytes = 0;
    this.eventType = '';
    this.sawCr = false;
  }

  private line(line: string): void {
    if (line === '') return this.dispatch();
    if (line.startsWith(':')) return;
    const colon = line.indexOf(':');
    const field = colon === -1 ? line : line.slice(0, colon);
    let value = colon === -1 ? '' : line.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    switch (field) {
      case 'event':
        this.eventType = value;
        break;
      case 'data':
        this.dataBytes += value.length + 1;
        if (this.dataBytes > this.maxEventBytes)
          throw new EngineError('LIMIT_EXCEEDED', `an event is larger than ${this.maxEventBytes} bytes`);
        this.data.push(value);
        break;
      case 'id':
        if (!value.includes('\0')) this.lastId = value;
        break;
      case 'retry':
        if (/^\d+$/.test(value)) this.sink.onRetry(Number(value));
        break;
      default:
        break;
    }
  }

  private dispatch(): void {
    const data = this.data;
    const eventType = this.eventType;
    this.data = [];
    this.dataBytes = 0;
    this.eventType = '';
    if (data.length === 0) return;
    this.sink.onEvent({ event: eventType || 'message', data: data.join('\n'), id: this.lastId });
  }
}
