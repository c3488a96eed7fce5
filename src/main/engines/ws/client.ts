// One WebSocket client session over the `ws` package: connects with subprotocols and custom headers,
// sends text, binary and JSON, pings, closes with a code and reason, and keeps a bounded message log.
// Message size is enforced by ws's own maxPayload, so an oversized frame is refused from its header
// before its payload is buffered.
import WebSocket, { type RawData } from 'ws';
import type { IncomingMessage } from 'node:http';
import {
  WS_DEFAULTS,
  isSendableCloseCode,
  type WsClientInfo,
  type WsEvent,
  type WsMessage,
  type WsMessageKind,
  type WsSendKind,
  type WsState,
} from '../../../shared/contract/ws';
import { TypedEmitter } from '../common/emitter';
import { EngineError, toEngineError } from '../common/errors';
import { BoundedLog } from './message-log';
import { rawBytes, sendBytes } from './frames';

export interface WsClientOptions {
  url: string;
  protocols: string[];
  headers: Record<string, string>;
  timeoutMs: number;
  maxMessageBytes: number;
  logLength: number;
  maxPreviewBytes: number;
}

/** Parses a WebSocket URL; http(s) is accepted as ws(s) because that is what servers are written as. */
export function parseWsUrl(text: string): URL {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new EngineError('WS_INVALID_URL', `not a URL: ${text.slice(0, 200)}`);
  }
  const map: Record<string, string> = { 'ws:': 'ws:', 'wss:': 'wss:', 'http:': 'ws:', 'https:': 'wss:' };
  const protocol = map[url.protocol];
  if (!protocol) throw new EngineError('WS_INVALID_URL', `unsupported scheme ${url.protocol}`);
  if (!url.hostname) throw new EngineError('WS_INVALID_URL', 'the URL has no host');
  if (url.hash) url.hash = '';
  url.protocol = protocol;
  return url;
}

export class WsClientSession extends TypedEmitter<WsEvent> {
  private socket: WebSocket | undefined;
  private state: WsState = 'connecting';
  private readonly log: BoundedLog<WsMessage>;
  private seq = 0;
  private counts = { messagesIn: 0, messagesOut: 0, bytesIn: 0, bytesOut: 0 };
  private readonly openedAt = Date.now();
  private protocol = '';
  private closeCode: number | undefined;
  private closeReason: string | undefined;
  private closedBy: 'local' | 'remote' | 'error' = 'remote';
  private lastError: EngineError | undefined;
  private closedPromise: Promise<void> | undefined;
  private errorCloseCode: number | undefined;

  constructor(
    readonly session: string,
    private readonly options: WsClientOptions,
  ) {
    super();
    this.log = new BoundedLog(options.logLength);
  }

  /** Resolves once the handshake completed; rejects with a coded error (the session is then closed). */
  connect(): Promise<WsClientInfo> {
    const url = parseWsUrl(this.options.url);
    for (const name of Object.keys(this.options.headers)) {
      if (!/^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/.test(name))
        throw new EngineError('INVALID_HEADER', `bad header name ${name.slice(0, 64)}`);
    }
    for (const value of Object.values(this.options.headers)) {
      if (/[\r\n\0]/.test(value))
        throw new EngineError('INVALID_HEADER', 'header values may not hold line breaks');
    }
    return new Promise<WsClientInfo>((resolve, reject) => {
      let settled = false;
      let socket: WebSocket;
      try {
        socket = new WebSocket(url, this.options.protocols, {
          headers: this.options.headers,
          handshakeTimeout: this.options.timeoutMs,
          maxPayload: this.options.maxMessageBytes,
        });
      } catch (err) {
        // ws validates subprotocol tokens synchronously.
        reject(new EngineError('INVALID_INPUT', (err as Error).message));
        return;
      }
      this.socket = socket;
      const fail = (err: EngineError): void => {
        this.lastError = err;
        if (!settled) {
          settled = true;
          this.state = 'closed';
          reject(err);
        }
      };
      socket.on('unexpected-response', (req, res: IncomingMessage) => {
        req.destroy();
        res.resume();
        fail(
          new EngineError(
            'WS_HANDSHAKE_FAILED',
            `server answered ${res.statusCode ?? '?'} ${res.statusMessage ?? ''}`.trim(),
          ),
        );
      });
      socket.on('open', () => {
        this.state = 'open';
        this.protocol = socket.protocol;
        settled = true;
        const info = this.info();
        this.emit({ engine: 'ws', type: 'open', session: this.session, at: Date.now(), info });
        resolve(info);
      });
      socket.on('message', (data: RawData, isBinary: boolean) => {
        this.record('in', isBinary ? 'binary' : 'text', rawBytes(data));
      });
      socket.on('ping', (data: Buffer) => this.record('in', 'ping', data));
      socket.on('pong', (data: Buffer) => this.record('in', 'pong', data));
      socket.on('error', (err: Error & { code?: string }) => {
        const coded = wsError(err, this.options.timeoutMs);
        if (settled) {
          this.closedBy = 'error';
          // ws stops reading after a protocol error, so the peer's answering close frame is never
          // seen and the socket reports 1006; the code that matters is the one we closed with.
          this.errorCloseCode =
            ERROR_CLOSE_CODES[err.code ?? ''] ?? (err.code?.startsWith('WS_ERR_') ? 1002 : undefined);
          this.lastError = coded;
          this.emit({
            engine: 'ws',
            type: 'error',
            session: this.session,
            at: Date.now(),
            code: coded.code,
            message: coded.message,
          });
        }
        fail(coded);
      });
      socket.on('close', (code: number, reason: Buffer) => {
        const wasOpen = this.state !== 'connecting' && this.state !== 'closed';
        this.state = 'closed';
        this.closeCode = this.errorCloseCode ?? code;
        this.closeReason = reason.toString('utf8');
        if (wasOpen || settled)
          this.emit({
            engine: 'ws',
            type: 'closed',
            session: this.session,
            at: Date.now(),
            code: this.closeCode,
            reason: this.closeReason,
            by: this.closedBy,
          });
        fail(this.lastError ?? new EngineError('CONNECTION_RESET', `closed during the handshake (${code})`));
      });
    });
  }

  send(data: string, kind: WsSendKind): Promise<{ bytes: number }> {
    const socket = this.openSocket();
    const { bytes, binary } = sendBytes(data, kind);
    if (bytes.length > this.options.maxMessageBytes)
      throw new EngineError('LIMIT_EXCEEDED', `message of ${bytes.length} B is above maxMessageBytes`);
    return new Promise((resolve, reject) => {
      // The callback fires when the frame was handed to the socket, so a caller awaiting sends is paced
      // by the socket instead of piling frames into ws's send queue.
      socket.send(bytes, { binary }, (err) => {
        if (err) reject(toEngineError(err, 'send'));
        else resolve({ bytes: bytes.length });
      });
      this.record('out', binary ? 'binary' : 'text', bytes);
    });
  }

  ping(text: string): { bytes: number } {
    const socket = this.openSocket();
    const bytes = Buffer.from(text, 'utf8');
    if (bytes.length > 125) throw new EngineError('LIMIT_EXCEEDED', 'a ping carries at most 125 bytes');
    socket.ping(bytes);
    this.record('out', 'ping', bytes);
    return { bytes: bytes.length };
  }

  /** Starts the closing handshake (or drops a half-open connection) and waits for the socket to close. */
  close(code?: number, reason = ''): Promise<void> {
    if (code !== undefined && !isSendableCloseCode(code))
      throw new EngineError('WS_INVALID_CLOSE_CODE', `close code ${code} is reserved`);
    if (Buffer.byteLength(reason) > 123)
      throw new EngineError('LIMIT_EXCEEDED', 'a close reason is at most 123 bytes');
    const socket = this.socket;
    if (!socket || socket.readyState === WebSocket.CLOSED) return Promise.resolve();
    this.closedPromise ??= new Promise<void>((resolve) => {
      socket.once('close', () => resolve());
      this.closedBy = 'local';
      if (socket.readyState === WebSocket.CONNECTING) {
        socket.terminate();
        return;
      }
      this.state = 'closing';
      socket.close(code ?? 1000, reason);
      // A peer that never answers the close frame must not keep the session: ws itself terminates
      // after its 30 s closing timeout; we do it sooner, after the connect timeout.
      const timer = setTimeout(() => socket.terminate(), Math.min(this.options.timeoutMs, 30_000));
      timer.unref();
      socket.once('close', () => clearTimeout(timer));
    });
    return this.closedPromise;
  }

  messages(): { messages: WsMessage[]; dropped: number } {
    return { messages: this.log.list(), dropped: this.log.dropped };
  }

  info(): WsClientInfo {
    return {
      session: this.session,
      url: this.options.url,
      state: this.state,
      protocol: this.protocol,
      openedAt: this.openedAt,
      ...this.counts,
      logDropped: this.log.dropped,
      ...(this.closeCode !== undefined
        ? { closeCode: this.closeCode, closeReason: this.closeReason ?? '' }
        : {}),
    };
  }

  private openSocket(): WebSocket {
    const socket = this.socket;
    if (!socket || this.state !== 'open' || socket.readyState !== WebSocket.OPEN)
      throw new EngineError('NOT_CONNECTED', `WebSocket ${this.session} is ${this.state}`);
    return socket;
  }

  private record(dir: 'in' | 'out', kind: WsMessageKind, bytes: Uint8Array): void {
    if (kind === 'text' || kind === 'binary') {
      if (dir === 'in') {
        this.counts.messagesIn += 1;
        this.counts.bytesIn += bytes.length;
      } else {
        this.counts.messagesOut += 1;
        this.counts.bytesOut += bytes.length;
      }
    }
    const message = toMessage(++this.seq, dir, kind, bytes, this.options.maxPreviewBytes);
    this.log.push(message);
    this.emit({ engine: 'ws', type: 'message', session: this.session, at: message.at, message });
  }
}

export function toMessage(
  seq: number,
  dir: 'in' | 'out',
  kind: WsMessageKind,
  bytes: Uint8Array,
  maxPreviewBytes: number = WS_DEFAULTS.maxPreviewBytes,
): WsMessage {
  const truncated = bytes.length > maxPreviewBytes;
  const head = Buffer.from(bytes.buffer, bytes.byteOffset, Math.min(bytes.length, maxPreviewBytes));
  const base = { seq, dir, kind, at: Date.now(), bytes: bytes.length, truncated };
  return kind === 'text' ? { ...base, text: head.toString('utf8') } : { ...base, hex: head.toString('hex') };
}

const ERROR_CLOSE_CODES: Record<string, number> = {
  WS_ERR_UNSUPPORTED_MESSAGE_LENGTH: 1009,
  WS_ERR_INVALID_UTF8: 1007,
};

function wsError(err: Error & { code?: string }, timeoutMs: number): EngineError {
  if (err.message.includes('handshake has timed out'))
    return new EngineError('TIMEOUT', `no WebSocket handshake within ${timeoutMs} ms`);
  if (err.code === 'WS_ERR_UNSUPPORTED_MESSAGE_LENGTH')
    return new EngineError('WS_MESSAGE_TOO_LARGE', err.message);
  if (err.code?.startsWith('WS_ERR_')) return new EngineError('WS_PROTOCOL_ERROR', err.message);
  if (/Server sent (no|an invalid|a subprotocol)|Invalid Sec-WebSocket/i.test(err.message))
    return new EngineError('WS_HANDSHAKE_FAILED', err.message);
  return toEngineError(err);
}
