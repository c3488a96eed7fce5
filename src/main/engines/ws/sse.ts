// One Server-Sent Events client session over node:http(s): streams events into a bounded log,
// reconnects after the stream ends or fails, waiting the server's `retry` and sending Last-Event-ID,
// as a browser's EventSource does. A response that is not an event stream ends the session (no retry),
// and so does HTTP 204 — the standard's way for a server to say "stop reconnecting".
import http from 'node:http';
import https from 'node:https';
import {
  WS_DEFAULTS,
  type SseClientInfo,
  type SseEventMsg,
  type SseState,
  type WsEvent,
} from '../../../shared/contract/ws';
import { TypedEmitter } from '../common/emitter';
import { EngineError, toEngineError } from '../common/errors';
import { BoundedLog } from './message-log';
import { SseParser } from './sse-parser';

export interface SseClientOptions {
  url: string;
  headers: Record<string, string>;
  lastEventId?: string;
  reconnect: boolean;
  maxReconnects: number;
  timeoutMs: number;
  maxEventBytes: number;
  logLength: number;
  maxPreviewBytes: number;
  /** Wait before reconnecting until the server sends `retry:`. */
  retryMs: number;
  maxRetryMs: number;
}

export function parseSseUrl(text: string): URL {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new EngineError('INVALID_URL', `not a URL: ${text.slice(0, 200)}`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    throw new EngineError('INVALID_URL', `an event stream needs http:// or https://, not ${url.protocol}`);
  return url;
}

export class SseClientSession extends TypedEmitter<WsEvent> {
  private state: SseState = 'connecting';
  private readonly log: BoundedLog<SseEventMsg>;
  private readonly parser: SseParser;
  private readonly url: URL;
  private readonly openedAt = Date.now();
  private retryMs: number;
  private reconnects = 0;
  private failuresInRow = 0;
  private seq = 0;
  private request: http.ClientRequest | undefined;
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;

  constructor(
    readonly session: string,
    private readonly options: SseClientOptions,
  ) {
    super();
    this.url = parseSseUrl(options.url);
    this.log = new BoundedLog(options.logLength);
    this.retryMs = options.retryMs;
    this.parser = new SseParser(
      {
        onEvent: (e) => this.onEvent(e.event, e.data, e.id),
        onRetry: (ms) => {
          this.retryMs = Math.min(ms, options.maxRetryMs);
        },
      },
      options.maxEventBytes,
      options.lastEventId ?? '',
    );
  }

  /** Resolves when the first response is an open event stream; rejects with a coded error otherwise. */
  connect(): Promise<SseClientInfo> {
    return new Promise((resolve, reject) => this.open(resolve, reject));
  }

  close(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.request?.destroy();
    this.setState('closed');
  }

  events(): { events: SseEventMsg[]; dropped: number } {
    return { events: this.log.list(), dropped: this.log.dropped };
  }

  info(): SseClientInfo {
    return {
      session: this.session,
      url: this.options.url,
      state: this.state,
      openedAt: this.openedAt,
      events: this.seq,
      lastEventId: this.parser.lastEventId,
      retryMs: this.retryMs,
      reconnects: this.reconnects,
      logDropped: this.log.dropped,
    };
  }

  private open(onOpen?: (info: SseClientInfo) => void, onFail?: (err: EngineError) => void): void {
    const headers: Record<string, string> = {
      accept: 'text/event-stream',
      'cache-control': 'no-cache',
      ...this.options.headers,
    };
    if (this.parser.lastEventId) headers['last-event-id'] = this.parser.lastEventId;
    const lib = this.url.protocol === 'https:' ? https : http;
    let req: http.ClientRequest;
    try {
      req = lib.request(this.url, { method: 'GET', headers });
    } catch (err) {
      // Node validates header names and values synchronously.
      const e = new EngineError('INVALID_HEADER', (err as Error).message);
      this.setState('closed');
      onFail?.(e);
      return;
    }
    this.request = req;
    const connectTimer = setTimeout(
      () => req.destroy(new EngineError('TIMEOUT', `no response within ${this.options.timeoutMs} ms`)),
      this.options.timeoutMs,
    );
    req.on('response', (res) => {
      clearTimeout(connectTimer);
      const type = String(res.headers['content-type'] ?? '');
      if (res.statusCode === 204 || res.statusCode !== 200 || !/^text\/event-stream\b/i.test(type)) {
        res.resume();
        req.destroy();
        const err = new EngineError(
          'SSE_BAD_RESPONSE',
          `status ${res.statusCode ?? '?'}, content-type ${type || 'none'}`,
        );
        this.fatal(err);
        onFail?.(err);
        return;
      }
      this.setState('open');
      onOpen?.(this.info());
      res.on('data', (chunk: Buffer) => {
        try {
          this.parser.push(chunk);
        } catch (err) {
          const e = toEngineError(err);
          req.destroy();
          this.fatal(e);
        }
      });
      res.on('end', () => this.lost());
      res.on('error', () => this.lost());
      res.on('close', () => this.lost());
    });
    req.on('error', (err) => {
      clearTimeout(connectTimer);
      const e = toEngineError(err);
      if (onFail) {
        this.setState('closed');
        this.stopped = true;
        onFail(e);
        return;
      }
      this.emitError(e);
      this.lost();
    });
    req.end();
  }

  private lost(): void {
    if (this.stopped || this.state === 'reconnecting' || this.state === 'closed') return;
    this.parser.reset();
    if (!this.options.reconnect || this.failuresInRow >= this.options.maxReconnects) {
      this.stopped = true;
      this.setState('closed');
      return;
    }
    this.failuresInRow += 1;
    this.setState('reconnecting');
    this.timer = setTimeout(() => {
      if (this.stopped) return;
      this.reconnects += 1;
      this.state = 'connecting';
      this.open();
    }, this.retryMs);
  }

  private fatal(err: EngineError): void {
    this.emitError(err);
    this.stopped = true;
    this.setState('closed');
  }

  private emitError(err: EngineError): void {
    this.emit({
      engine: 'ws',
      type: 'error',
      session: this.session,
      at: Date.now(),
      code: err.code,
      message: err.message,
    });
  }

  private onEvent(event: string, data: string, id: string): void {
    this.failuresInRow = 0;
    const max = this.options.maxPreviewBytes;
    const msg: SseEventMsg = {
      seq: ++this.seq,
      at: Date.now(),
      event,
      data: data.length > max ? data.slice(0, max) : data,
      ...(id ? { id } : {}),
      truncated: data.length > max,
    };
    this.log.push(msg);
    this.emit({ engine: 'ws', type: 'sse.event', session: this.session, at: msg.at, event: msg });
  }

  private setState(state: SseState): void {
    if (this.state === state) return;
    this.state = state;
    this.emit({ engine: 'ws', type: 'sse.state', session: this.session, at: Date.now(), info: this.info() });
  }
}

export const SSE_DEFAULT_TIMINGS = {
  retryMs: WS_DEFAULTS.sseRetryMs,
  maxRetryMs: WS_DEFAULTS.sseMaxRetryMs,
};
